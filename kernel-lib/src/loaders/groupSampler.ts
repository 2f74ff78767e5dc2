/**
 * Index samplers and the batch gatherer shared by the balanced loaders: each group yields index
 * batches of its own size; a combined batch is gathered from every group's typed arrays straight
 * into one set of tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { uploadScratch } from '../backend/uploadScratch';
import { ClassificationDataset } from '../data/dataset';
import { Random } from '../utils/random';
import { MiniBatch, labelBatch, makeMiniBatch } from './miniBatch';
import { gatherResident, useResidentData } from './residentData';

/** Walks one data set in batches of `batchSize` indices, in (seeded) random or file order. */
export class GroupSampler {
  private order: Int32Array = new Int32Array(0);
  private position = 0;

  constructor(
    readonly dataset: ClassificationDataset,
    readonly batchSize: number,
    private readonly shuffle: boolean,
    private readonly random: Random,
  ) {
    this.restart();
  }

  /** Batches in one pass over the data set. */
  get length(): number {
    return this.batchSize === 0 ? 0 : Math.ceil(this.dataset.length / this.batchSize);
  }

  /** Starts a new pass (a new random order when shuffling). */
  restart(): void {
    const n = this.dataset.length;
    this.order = this.shuffle ? this.random.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    this.position = 0;
  }

  /** The next indices, or null at the end of the pass. */
  next(): Int32Array | null {
    if (this.position >= this.order.length || this.batchSize === 0) return null;
    const end = Math.min(this.position + this.batchSize, this.order.length);
    const out = this.order.subarray(this.position, end);
    this.position = end;
    return out;
  }

  /** The next indices, starting a new pass when this one is over (oversampling). */
  nextCycling(): Int32Array | null {
    const batch = this.next();
    if (batch || this.dataset.length === 0) return batch;
    this.restart();
    return this.next();
  }
}

/**
 * Gathers the samples `indices` of each data set into one mini-batch (one upload per tensor);
 * `random` drives the data sets' random transforms.
 */
export function gatherGroups(parts: Array<{ dataset: ClassificationDataset; indices: Int32Array }>, random?: Random): MiniBatch {
  const n = parts.reduce((a, p) => a + p.indices.length, 0);
  if (parts.length === 0 || n === 0) throw new Error('gatherGroups: no samples to gather');
  const size = parts[0].dataset.inputSize;
  for (const p of parts) {
    if (p.dataset.inputSize !== size) throw new Error(`data sets of one batch must give inputs of the same size (${p.dataset.inputSize} vs ${size} values)`);
  }
  const y = new Int32Array(n);
  const t = new Int32Array(n);
  let row = 0;
  for (const { dataset, indices } of parts) {
    for (let k = 0; k < indices.length; k++) {
      y[row + k] = dataset.targets[indices[k]];
      t[row + k] = dataset.taskLabels[indices[k]];
    }
    row += indices.length;
  }
  if (useResidentData() && parts.every((p) => !p.dataset.transform)) {
    const x = tf.tidy(() => {
      const pieces = parts.map(({ dataset, indices }) => gatherResident(dataset, indices));
      return pieces.length === 1 ? pieces[0] : tf.concat(pieces, 0);
    });
    return labelBatch(x, y, t);
  }
  const x = uploadScratch(n * size);
  row = 0;
  for (const { dataset, indices } of parts) {
    dataset.gatherInputs(indices, 0, indices.length, x.subarray(row * size), random);
    row += indices.length;
  }
  return makeMiniBatch(x, [n, size], y, t);
}

/** Splits `total` over `groups`: an even share each, the remainder to the first groups. */
export function splitBatchSize(total: number, groups: number): number[] {
  const base = Math.floor(total / groups);
  const rem = total - base * groups;
  return Array.from({ length: groups }, (_, i) => base + (i < rem ? 1 : 0));
}
