/**
 * Exemplar selection strategies for `ParametricBuffer`, as Avalanche's: they order the candidate
 * samples, best first; the buffer keeps the first `maxSize`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendCapabilities } from '../backend/backends';
import { ClassificationDataset } from '../data/dataset';
import { gatherMiniBatch, disposeMiniBatch } from '../loaders/miniBatch';
import type { CLModel } from '../models/model';
import { Random, makeRandom } from '../utils/random';
import { MaybePromise, andFinally, andThen, forEachInOrder } from '../utils/maybePromise';
import type { BufferState } from './exemplarsBuffer';

/** Orders candidate exemplars, best first. */
export interface ExemplarsSelectionStrategy {
  /**
   * Indices of `data`, best first. Only the first `limit` (when given) must be in order: the buffer
   * keeps those.
   */
  makeSortedIndices(state: BufferState, data: ClassificationDataset, limit?: number): MaybePromise<number[]>;
}

/** Random order (Avalanche's default selection). */
export class RandomExemplarsSelectionStrategy implements ExemplarsSelectionStrategy {
  private readonly random: Random;

  constructor(options: { seed?: number | null } = {}) {
    this.random = makeRandom(options.seed);
  }

  makeSortedIndices(_state: BufferState, data: ClassificationDataset): number[] {
    return Array.from(this.random.permutation(data.length));
  }
}

/** Base of the selections that rank samples by their features (`model.getFeatures`). */
export abstract class FeatureBasedExemplarsSelectionStrategy implements ExemplarsSelectionStrategy {
  readonly model: CLModel;

  constructor(model: CLModel) {
    if (!model || typeof model.getFeatures !== 'function') {
      throw new Error(`${this.constructor.name}: model must have getFeatures(x) (e.g. SimpleMLP); got a model without it`);
    }
    this.model = model;
  }

  /**
   * Indices best first. Synchronous on wasm and cpu; a promise on webgpu, which cannot read the
   * features synchronously (`ParametricBuffer.update` then returns a promise: await it).
   */
  makeSortedIndices(state: BufferState, data: ClassificationDataset, limit?: number): MaybePromise<number[]> {
    if (data.length === 0) return [];
    const n = Math.min(limit ?? data.length, data.length);
    return andThen(this.computeFeatures(data, state.evalMbSize ?? 256), ({ features, dim }) => this.sortFromFeatures(features, data.length, dim, n));
  }

  /** Features of every sample, in eval mode, as one flat array `[n * dim]`. */
  protected computeFeatures(data: ClassificationDataset, batchSize: number): MaybePromise<{ features: Float32Array; dim: number }> {
    const syncReads = backendCapabilities().syncReads;
    const wasTraining = this.model.training;
    this.model.eval();
    const order = Int32Array.from({ length: data.length }, (_, i) => i);
    const starts = Array.from({ length: Math.ceil(data.length / batchSize) }, (_, i) => i * batchSize);
    let features: Float32Array | null = null;
    let dim = 0;
    const readBatch = (start: number): MaybePromise<void> => {
      const end = Math.min(start + batchSize, data.length);
      const batch = gatherMiniBatch(data.eval(), order, start, end);
      const f = tf.tidy(() => tf.reshape(this.model.getFeatures!(batch[0]), [end - start, -1]));
      disposeMiniBatch(batch);
      dim = f.shape[1] as number;
      const into = (features ??= new Float32Array(data.length * dim));
      return andFinally(
        () => (syncReads ? into.set(f.dataSync() as Float32Array, start * dim) : f.data().then((values) => into.set(values as Float32Array, start * dim))),
        () => f.dispose(),
      );
    };
    const restore = () => {
      if (wasTraining) this.model.train();
    };
    return andThen(andFinally(() => forEachInOrder(starts, readBatch), restore), () => ({ features: features!, dim }));
  }

  /** Indices best first, from the features. */
  protected abstract sortFromFeatures(features: Float32Array, n: number, dim: number, limit: number): number[];
}

function mean(features: Float32Array, n: number, dim: number): Float64Array {
  const c = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) c[d] += features[i * dim + d];
  for (let d = 0; d < dim; d++) c[d] /= n;
  return c;
}

/**
 * Herding (Rebuffi et al., iCaRL): picks, one at a time, the sample that brings the mean of the
 * picked features closest to the mean of all features.
 */
export class HerdingSelectionStrategy extends FeatureBasedExemplarsSelectionStrategy {
  protected sortFromFeatures(features: Float32Array, n: number, dim: number, limit: number): number[] {
    const center = mean(features, n, dim);
    const sum = new Float64Array(dim);
    const taken = new Uint8Array(n);
    const picked: number[] = [];
    for (let i = 0; i < limit; i++) {
      let best = -1;
      let bestDist = Infinity;
      for (let j = 0; j < n; j++) {
        if (taken[j]) continue;
        let dist = 0;
        const row = j * dim;
        for (let d = 0; d < dim; d++) {
          const diff = (sum[d] + features[row + d]) / (i + 1) - center[d];
          dist += diff * diff;
        }
        if (dist < bestDist) {
          bestDist = dist;
          best = j;
        }
      }
      taken[best] = 1;
      picked.push(best);
      for (let d = 0; d < dim; d++) sum[d] += features[best * dim + d];
    }
    for (let j = 0; j < n; j++) if (!taken[j]) picked.push(j);
    return picked;
  }
}

/** The samples whose features are closest to the mean feature first. */
export class ClosestToCenterSelectionStrategy extends FeatureBasedExemplarsSelectionStrategy {
  protected sortFromFeatures(features: Float32Array, n: number, dim: number): number[] {
    const center = mean(features, n, dim);
    const dist = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const diff = features[j * dim + d] - center[d];
        s += diff * diff;
      }
      dist[j] = s;
    }
    return Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[a] - dist[b]);
  }
}
