/** `ReservoirSamplingBuffer`: a uniform sample of everything seen so far, as Avalanche's. */
import { ClassificationDataset } from '../data/dataset';
import { Random, makeRandom } from '../utils/random';
import { BufferState, ExemplarsBuffer, checkBufferSize, experienceData } from './exemplarsBuffer';

/**
 * Reservoir sampling: each sample seen gets a random weight and the buffer keeps the `maxSize`
 * largest weights, so every sample seen so far is kept with probability maxSize / seen.
 */
export class ReservoirSamplingBuffer extends ExemplarsBuffer {
  private weights = new Float64Array(0);
  private readonly random: Random;

  /** @param maxSize the most samples kept; @param seed seed of the random weights. */
  constructor(maxSize: number, options: { seed?: number | null } = {}) {
    super(maxSize);
    this.random = makeRandom(options.seed);
  }

  update(state: BufferState): void {
    this.updateFromDataset(experienceData(state, 'ReservoirSamplingBuffer.update'));
  }

  /** Adds candidates from `data` (keeps the `maxSize` largest random weights). */
  updateFromDataset(data: ClassificationDataset): void {
    const old = this.stored;
    const nOld = old ? old.length : 0;
    const n = data.length + nOld;
    const weights = new Float64Array(n);
    for (let i = 0; i < data.length; i++) weights[i] = this.random.next();
    weights.set(this.weights, data.length);
    const keep = Math.min(this.maxSize, n);
    const order = topIndices(weights, keep);
    // Copy the kept samples out of the new data and the old buffer into fresh flat arrays.
    const fromNew: number[] = [];
    const fromOld: number[] = [];
    for (const i of order) (i < data.length ? fromNew : fromOld).push(i < data.length ? i : i - data.length);
    const parts = [data.subset(fromNew)];
    if (old && fromOld.length) parts.push(old.subset(fromOld));
    this.stored = parts.length === 1 ? parts[0] : ClassificationDataset.concat(parts);
    const kept = new Float64Array(keep);
    let k = 0;
    for (const i of order) if (i < data.length) kept[k++] = weights[i];
    for (const i of order) if (i >= data.length) kept[k++] = weights[i];
    this.weights = kept;
  }

  resize(_state: BufferState, newSize: number): void {
    this.maxSize = checkBufferSize('newSize', newSize);
    if (!this.stored || this.stored.length <= newSize) return;
    const order = topIndices(this.weights, newSize);
    this.stored = this.stored.subset(order);
    this.weights = Float64Array.from(order, (i) => this.weights[i]);
  }
}

/** Indices of the `k` largest weights, largest first. */
function topIndices(weights: Float64Array, k: number): number[] {
  const idx = Array.from({ length: weights.length }, (_, i) => i);
  idx.sort((a, b) => weights[b] - weights[a]);
  return idx.slice(0, k);
}
