/**
 * GDumb (Prabhu et al. 2020), as Avalanche's `GDumbPlugin`: a greedy class-balanced buffer of
 * `memSize` samples, and at each experience the model is reset to its initial weights and trained
 * on the buffer alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GDumbBuffer } from '../../storage/gdumb';
import { checkBufferSize } from '../../storage/exemplarsBuffer';
import { checkKnownOptions } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `GDumbPlugin`. */
export interface GDumbPluginOptions {
  /** Buffer size (default 200, as Avalanche). */
  memSize?: number;
  /** Seed of the buffer's evictions (default: from the global generator). */
  seed?: number | null;
}

/** GDumb as a plugin. The model must have `stateDict()` / `loadStateDict()` (the library's models do). */
export class GDumbPlugin extends StrategyPlugin {
  readonly storagePolicy: GDumbBuffer;
  private initialState: Record<string, tf.Tensor> | null = null;

  constructor(options: GDumbPluginOptions = {}) {
    super();
    checkKnownOptions('GDumbPlugin', options, ['memSize', 'seed']);
    this.storagePolicy = new GDumbBuffer(checkBufferSize('memSize', options.memSize ?? 200), { seed: options.seed });
  }

  override beforeTrainDatasetAdaptation(strategy: BaseStrategy): void {
    const model = strategy.model as unknown as { stateDict?: () => Record<string, tf.Tensor>; loadStateDict?: (s: Record<string, tf.Tensor>) => void };
    if (typeof model.stateDict !== 'function' || typeof model.loadStateDict !== 'function') {
      throw new Error('GDumbPlugin resets the model at each experience: the model must have stateDict() and loadStateDict() (the library\'s models do)');
    }
    if (!this.initialState) this.initialState = model.stateDict();
    else model.loadStateDict(this.initialState);
  }

  override afterTrainDatasetAdaptation(strategy: BaseStrategy): void {
    this.storagePolicy.update(strategy);
    strategy.adaptedDataset = this.storagePolicy.buffer;
  }

  /** Frees the saved initial weights. */
  dispose(): void {
    if (this.initialState) tf.dispose(Object.values(this.initialState));
    this.initialState = null;
  }
}
