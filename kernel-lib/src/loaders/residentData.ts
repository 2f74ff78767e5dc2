/**
 * Data kept on the device: on backends whose device is not the CPU (webgpu), each data set's
 * normalised inputs are uploaded once and batches are gathered there, with no host round trip per
 * batch. (On wasm the host gather is faster: gathering from a resident tensor copies it out of the
 * wasm heap.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendCapabilities } from '../backend/backends';
import { ClassificationDataset } from '../data/dataset';

const resident = new WeakMap<ClassificationDataset, tf.Tensor2D>();
// A data set no longer referenced frees its device copy.
const release = new FinalizationRegistry<tf.Tensor2D>((t) => {
  if (!t.isDisposed) t.dispose();
});

/** True when batches should be gathered on the device (a backend with its own device memory). */
export function useResidentData(): boolean {
  return backendCapabilities().deviceMemory;
}

/** The data set's normalised inputs `[n, sampleSize]` on the device (uploaded on first use). */
export function residentInputs(dataset: ClassificationDataset): tf.Tensor2D {
  let x = resident.get(dataset);
  if (!x || x.isDisposed) {
    const all = new Float32Array(dataset.length * dataset.sampleSize);
    dataset.gatherInputs(Int32Array.from({ length: dataset.length }, (_, i) => i), 0, dataset.length, all);
    x = tf.keep(tf.tensor2d(all, [dataset.length, dataset.sampleSize]));
    resident.set(dataset, x);
    release.register(dataset, x);
  }
  return x;
}

/** Rows `indices` of the data set's resident inputs, gathered on the device. */
export function gatherResident(dataset: ClassificationDataset, indices: ArrayLike<number>): tf.Tensor2D {
  const source = residentInputs(dataset);
  const rows = indices instanceof Int32Array ? indices : Int32Array.from(indices);
  return tf.tidy(() => tf.gather(source, tf.tensor1d(rows, 'int32')) as tf.Tensor2D);
}
