/** Loss functions (criteria), as PyTorch's. */
import * as tf from '@tensorflow/tfjs';

/** A criterion: a scalar loss from logits and integer targets. */
export interface Criterion {
  forward(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar;
}

/**
 * Mean cross-entropy of logits `[B, C]` against class ids `[B]`, as `torch.nn.CrossEntropyLoss()`.
 * Its gradient is written by hand, `(softmax(logits) - onehot(targets)) / B`: a few kernels instead
 * of autodiff's dozen, which counts on GPUs where each kernel launch has a fixed cost.
 */
export class CrossEntropyLoss implements Criterion {
  private readonly op = tf.customGrad(((logits: tf.Tensor, oneHot: tf.Tensor, save: tf.GradSaveFunc) => {
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    const batch = logits.shape[0];
    const value = tf.mul(tf.sum(tf.mul(oneHot, logp)), -1 / batch) as tf.Scalar;
    save([logp, oneHot]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [lp, oh] = saved;
        const scale = tf.mul(dy, 1 / batch);
        return [tf.mul(tf.sub(tf.exp(lp), oh), scale), tf.zerosLike(oh)];
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any) as unknown as (logits: tf.Tensor, oneHot: tf.Tensor) => tf.Scalar;

  forward(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const numClasses = logits.shape[logits.rank - 1];
      const oneHot = tf.oneHot(targets.toInt() as tf.Tensor1D, numClasses).toFloat();
      return this.op(logits, oneHot);
    });
  }
}
