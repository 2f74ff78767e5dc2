/**
 * `Dropout`: inverted dropout with seeded masks, as PyTorch's `nn.Dropout` (active only in training
 * mode). On host backends (wasm, cpu) each mask is drawn on the host, cheaper than tfjs's random
 * ops. On device backends (webgpu) a host mask would cost an upload per step, so a mask is a window,
 * at a seeded random offset, of a pool of mask values drawn once on the device from a seed: each unit
 * is still kept with probability 1 - rate; masks of different steps are different windows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendCapabilities } from '../backend/backends';
import { uploadScratch } from '../backend/uploadScratch';
import { bernoulliMaskPool, maskWindow } from '../ops/fusedOps';
import { Random } from '../utils/random';

/** Dropout with its own seeded generator. */
export class Dropout {
  /** Probability of zeroing a unit. */
  readonly rate: number;
  private readonly random: Random;
  private pool: tf.Tensor1D | null = null;

  /** @param rate probability of zeroing a unit, in [0, 1); @param random the generator of the masks. */
  constructor(rate: number, random: Random) {
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new Error(`dropRate must be a number in [0, 1), got ${rate}`);
    this.rate = rate;
    this.random = random;
  }

  /** `h` with units zeroed with probability `rate` and the rest scaled by 1 / (1 - rate); `h` itself when not training. */
  apply(h: tf.Tensor, training: boolean): tf.Tensor {
    if (!training || this.rate === 0) return h;
    const keep = 1 - this.rate;
    if (backendCapabilities().deviceMemory) {
      const pool = this.maskPool(h.size);
      return maskWindow(h, pool, this.random.int(pool.size - h.size + 1));
    }
    const mask = uploadScratch(h.size);
    this.random.fillBernoulli(mask, keep, 1 / keep);
    return tf.mul(h, tf.tensor(mask, h.shape));
  }

  /** Frees the device pool of mask values. */
  dispose(): void {
    this.pool?.dispose();
    this.pool = null;
  }

  /**
   * The device pool of mask values (0, or 1/keep with probability keep), at least 16 masks long: a
   * mask is one slice of it.
   */
  private maskPool(maskSize: number): tf.Tensor1D {
    const size = Math.max(1 << 22, maskSize * 16);
    if (!this.pool || this.pool.size < maskSize * 2) {
      this.pool?.dispose();
      // Drawn on the device from a seed (one dispatch), not on the host and uploaded (16 MB, ~80 ms).
      this.pool = tf.keep(bernoulliMaskPool(size, 1 - this.rate, this.random.nextSeed()));
    }
    return this.pool;
  }
}
