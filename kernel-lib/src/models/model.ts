/** The model interface strategies train, modelled on PyTorch's `nn.Module`. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * The task label of each sample of a batch, for multi-head models: one label for the whole batch,
 * one per sample (host array), or an int32 tensor (read synchronously).
 */
export type TaskLabels = number | ArrayLike<number> | tf.Tensor;

/** A trainable classifier: logits from inputs, with a train/eval mode as PyTorch modules. */
export interface CLModel {
  /**
   * Logits `[B, numClasses]` of inputs `[B, ...]`. Strategies pass each sample's task label, as
   * Avalanche's `avalanche_forward` does: multi-head models route by it, others ignore it.
   */
  forward(x: tf.Tensor, taskLabels?: TaskLabels): tf.Tensor;
  /**
   * Adapts the architecture before an experience is trained on or evaluated (Avalanche's dynamic
   * modules: a new head for a new task, more outputs for new classes). The strategy resets the
   * optimizer afterwards.
   */
  adaptation?(dataset: import('../data/dataset').ClassificationDataset): void;
  /** Penultimate-layer features `[B, featureSize]` (used by feature-based buffers), when the model has them. */
  getFeatures?(x: tf.Tensor): tf.Tensor;
  /** The variables an optimizer updates. */
  readonly trainableVariables: tf.Variable[];
  /** True in training mode (dropout active). */
  training: boolean;
  /** Switch to training mode. */
  train(): void;
  /** Switch to evaluation mode. */
  eval(): void;
  /** Frees the variables. */
  dispose(): void;
}

/** True when `value` looks like a `CLModel`. */
export function isCLModel(value: unknown): value is CLModel {
  const m = value as CLModel;
  return m != null && typeof m.forward === 'function' && typeof m.train === 'function' && typeof m.eval === 'function';
}
