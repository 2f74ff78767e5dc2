/** The model interface strategies train, modelled on PyTorch's `nn.Module`. */
import * as tf from '@tensorflow/tfjs';

/** A trainable classifier: logits from inputs, with a train/eval mode as PyTorch modules. */
export interface CLModel {
  /** Logits `[B, numClasses]` of inputs `[B, ...]`. */
  forward(x: tf.Tensor): tf.Tensor;
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
