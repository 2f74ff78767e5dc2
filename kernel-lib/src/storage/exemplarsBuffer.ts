/**
 * `ExemplarsBuffer`: the base of the storage policies, as Avalanche's. A buffer keeps at most
 * `maxSize` samples in `buffer`, a `ClassificationDataset` of flat typed arrays (pixels, targets,
 * task labels, experience ids, original indices), rebuilt by copy at each update: never nested views
 * of views, so replay does not slow down as experiences pile up.
 */
import type { Experience } from '../benchmarks/ncBenchmark';
import { ClassificationDataset } from '../data/dataset';
import type { CLModel } from '../models/model';
import { describe } from '../utils/validate';

/**
 * What a buffer reads from the strategy's state: the experience (and, for feature-based selection,
 * the model and the evaluation batch size). A strategy fits; so does a plain object
 * `{ experience }`, the tutorial's `SimpleNamespace`.
 */
export interface BufferState {
  experience?: Pick<Experience, 'dataset'> & Partial<Experience> | null;
  model?: CLModel;
  evalMbSize?: number;
}

/** Throws unless `size` is a non-negative integer. */
export function checkBufferSize(name: string, size: unknown): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${describe(size)}`);
  }
  return size;
}

/** The data set of the state's experience, or a clear error. */
export function experienceData(state: BufferState, where: string): ClassificationDataset {
  const dataset = state?.experience?.dataset;
  if (!(dataset instanceof ClassificationDataset)) {
    throw new Error(`${where}: state must have an experience with a dataset, e.g. { experience: benchmark.trainStream[0] } or the strategy`);
  }
  return dataset;
}

/** Base class of the storage policies. */
export abstract class ExemplarsBuffer {
  /** The most samples the buffer keeps. */
  maxSize: number;
  protected stored: ClassificationDataset | null = null;

  constructor(maxSize: number) {
    this.maxSize = checkBufferSize('maxSize', maxSize);
  }

  /** The stored samples (empty before the first update). */
  get buffer(): ClassificationDataset {
    return this.stored ?? ClassificationDataset.empty({ sampleShape: [0], normalization: { mean: 0, std: 1 } });
  }

  set buffer(data: ClassificationDataset) {
    this.stored = data;
  }

  /**
   * Updates the buffer with the data of `state.experience`. Synchronous for the built-in policies,
   * except a feature-based selection on webgpu, which returns a promise: `await` it when unsure.
   */
  abstract update(state: BufferState): void | Promise<void>;

  /** Changes `maxSize` and drops samples if the buffer is now too large (a promise in the same case as `update`). */
  abstract resize(state: BufferState, newSize: number): void | Promise<void>;
}
