/** The image input of the convolutional models: checked, and as NHWC images. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `x` (`[B, size * size * channels]`, or images `[B, size, size, channels]`) as `[B, size, size,
 * channels]`; anything else is an error naming `where` and the shapes it takes.
 */
export function asImages(x: tf.Tensor, size: number, channels: number, where: string): tf.Tensor4D {
  if (!(x instanceof tf.Tensor) || x.rank < 2 || x.size !== x.shape[0] * size * size * channels) {
    throw new Error(`${where}: x must be a tf.Tensor of ${size}x${size}x${channels} values per sample ([batch, ${size * size * channels}] or [batch, ${size}, ${size}, ${channels}]); got ${x instanceof tf.Tensor ? `shape [${x.shape}]` : typeof x}`);
  }
  return tf.reshape(x, [x.shape[0], size, size, channels]);
}
