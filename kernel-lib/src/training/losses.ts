/** Loss functions (criteria), as PyTorch's. */
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy, softmaxCrossEntropyGrad } from '../ops/fusedOps';

/** A criterion: a scalar loss from logits and integer targets. */
export interface Criterion {
  forward(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar;
}

/**
 * Mean cross-entropy of logits `[B, C]` against class ids `[B]`, as `torch.nn.CrossEntropyLoss()`.
 * Its gradient is written by hand, `(softmax(logits) - onehot(targets)) / B`: on webgpu the loss and
 * the gradient are one fused kernel each, instead of autodiff's dozen ops; each GPU kernel launch
 * has a fixed cost.
 */
export class CrossEntropyLoss implements Criterion {
  forward(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
    if (logits.rank !== 2) throw new Error(`CrossEntropyLoss: logits must be [batch, classes], got shape [${logits.shape}]`);
    const op = tf.customGrad(((lg: tf.Tensor2D, save: tf.GradSaveFunc) => {
      const labels = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
      save([lg, labels]);
      return {
        value: softmaxCrossEntropy(lg, labels),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => softmaxCrossEntropyGrad(saved[0] as tf.Tensor2D, saved[1], dy),
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
    }) as any) as unknown as (logits: tf.Tensor) => tf.Scalar;
    return op(logits);
  }
}
