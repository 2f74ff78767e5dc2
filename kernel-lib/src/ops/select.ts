/**
 * Differentiable row and column selection on every backend. `tf.gather`'s gradient needs
 * `UnsortedSegmentSum`, which the wasm backend does not have; a product with a 0/1 selection matrix
 * built on the host selects the same values and differentiates as a matrix product.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The 0/1 matrix `[n, k]` whose column j picks index `picks[j]` of n. */
function selectionMatrix(n: number, picks: ArrayLike<number>): tf.Tensor2D {
  const k = picks.length;
  const m = new Float32Array(n * k);
  for (let j = 0; j < k; j++) {
    const i = picks[j];
    if (!(i >= 0 && i < n && Number.isInteger(i))) throw new Error(`selection: index ${i} out of range [0, ${n})`);
    m[i * k + j] = 1;
  }
  return tf.tensor2d(m, [n, k]);
}

/** Columns `cols` of the matrix `x` `[B, n]`, as `[B, cols.length]`. */
export function selectColumns(x: tf.Tensor, cols: ArrayLike<number>): tf.Tensor {
  return tf.tidy(() => tf.matMul(x as tf.Tensor2D, selectionMatrix(x.shape[1] as number, cols)));
}

/** Rows `rows` of the matrix `x` `[n, d]`, as `[rows.length, d]`. */
export function selectRows(x: tf.Tensor, rows: ArrayLike<number>): tf.Tensor {
  return tf.tidy(() => tf.matMul(selectionMatrix(x.shape[0] as number, rows), x as tf.Tensor2D, true, false));
}
