/** The mini-batch a data loader yields: `[x, y, t]` tensors, plus host copies of the labels. */
import * as tf from '@tensorflow/tfjs-core';
import { requireBackend } from '../backend/backends';
import { uploadScratch } from '../backend/uploadScratch';
import { ClassificationDataset } from '../data/dataset';
import { Random } from '../utils/random';
import { gatherResident, useResidentData } from './residentData';

/**
 * `[x, y, t]`: inputs `[B, features]` (float32), class targets `[B]` and task labels `[B]` (int32),
 * as Avalanche's `(x, y, t)`. `targetsHost` / `taskLabelsHost` hold the same labels on the host, so
 * that metrics can split by task without reading the device.
 */
export type MiniBatch = [tf.Tensor, tf.Tensor, tf.Tensor] & {
  targetsHost?: Int32Array;
  taskLabelsHost?: Int32Array;
};

/**
 * Builds the mini-batch of samples `indices[start..end)` of `dataset`, straight from its typed
 * arrays; `random` drives the data set's random transforms.
 */
export function gatherMiniBatch(dataset: ClassificationDataset, indices: ArrayLike<number>, start: number, end: number, random?: Random): MiniBatch {
  const n = end - start;
  const y = new Int32Array(n);
  const t = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[start + k];
    y[k] = dataset.targets[i];
    t[k] = dataset.taskLabels[i];
  }
  if (useResidentData() && !dataset.transform) {
    let rows: Int32Array;
    if (indices instanceof Int32Array) rows = indices.slice(start, end);
    else {
      rows = new Int32Array(n);
      for (let k = 0; k < n; k++) rows[k] = indices[start + k];
    }
    return labelBatch(gatherResident(dataset, rows), y, t);
  }
  const x = uploadScratch(n * dataset.inputSize);
  dataset.gatherInputs(indices, start, end, x, random);
  return makeMiniBatch(x, [n, dataset.inputSize], y, t);
}

/** A mini-batch from inputs already on the device and host labels. */
export function labelBatch(x: tf.Tensor, y: Int32Array, t: Int32Array): MiniBatch {
  const batch = [x, tf.tensor1d(y, 'int32'), tf.tensor1d(t, 'int32')] as MiniBatch;
  batch.targetsHost = y;
  batch.taskLabelsHost = t;
  return batch;
}

/** Wraps host arrays into a `MiniBatch` (uploads them as new tensors). */
export function makeMiniBatch(x: Float32Array, shape: [number, number], y: Int32Array, t: Int32Array): MiniBatch {
  requireBackend('data loader');
  const batch = [tf.tensor2d(x, shape, 'float32'), tf.tensor1d(y, 'int32'), tf.tensor1d(t, 'int32')] as MiniBatch;
  batch.targetsHost = y;
  batch.taskLabelsHost = t;
  return batch;
}

/** Disposes the tensors of a mini-batch. */
export function disposeMiniBatch(batch: MiniBatch | null | undefined): void {
  if (batch) tf.dispose([batch[0], batch[1], batch[2]]);
}
