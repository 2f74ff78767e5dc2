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

type StatefulModel = { stateDict(): Record<string, tf.Tensor>; loadStateDict(s: Record<string, tf.Tensor>): void };

/**
 * The model's initial weights, grown as the model grows: a dynamic model (multi-head, incremental
 * classifier) adds heads or output units after the first reset point, at training and at evaluation
 * (heads of tasks not trained yet). Avalanche adapts its saved initial model alongside; here a
 * parameter the initial weights lack keeps the value it was created with, and a grown one keeps its
 * initial part with the new part as created.
 */
function resetState(model: StatefulModel, initial: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const state: Record<string, tf.Tensor> = {};
  for (const [name, now] of Object.entries(model.stateDict())) {
    const first = initial[name];
    if (!first) {
      state[name] = now;
      continue;
    }
    if (first.shape.join() === now.shape.join()) state[name] = first;
    else {
      const axis = now.shape.findIndex((d, i) => d !== first.shape[i]);
      const begin = now.shape.map((_, i) => (i === axis ? first.shape[i] : 0));
      const size = now.shape.map((d, i) => (i === axis ? d - first.shape[i] : d));
      state[name] = tf.tidy(() => tf.concat([first, tf.slice(now, begin, size)], axis));
    }
    now.dispose();
  }
  return state;
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
    if (!this.initialState) {
      this.initialState = model.stateDict();
      return;
    }
    const state = resetState(model as StatefulModel, this.initialState);
    model.loadStateDict(state);
    // What the model has now (its initial weights, grown) is the reset point from here on.
    const kept = new Set(Object.values(state));
    tf.dispose(Object.values(this.initialState).filter((t) => !kept.has(t)));
    this.initialState = state;
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
