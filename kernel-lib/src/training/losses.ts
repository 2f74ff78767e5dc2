/** Loss functions (criteria), as PyTorch's. */
import * as tf from '@tensorflow/tfjs';

/** A criterion: a scalar loss from logits and integer targets. */
export interface Criterion {
  forward(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar;
}

/** Mean cross-entropy of logits `[B, C]` against class ids `[B]`, as `torch.nn.CrossEntropyLoss()`. */
export class CrossEntropyLoss implements Criterion {
  forward(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const numClasses = logits.shape[logits.rank - 1];
      const logp = tf.logSoftmax(logits as tf.Tensor2D);
      const oneHot = tf.oneHot(targets.toInt() as tf.Tensor1D, numClasses);
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), 1))) as tf.Scalar;
    });
  }
}
