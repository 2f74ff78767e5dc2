/**
 * Max pooling's gradient for the wasm backend. tfjs-backend-wasm 4.22's own `MaxPoolGrad` loses
 * gradients: on random inputs with several channels about 6% of the positions that hold a window's
 * maximum get nothing (tested against tfjs's cpu kernel, which PyTorch's max pooling agrees with).
 * This kernel replaces it: one pass over the windows, channels innermost, each window's gradient to
 * the first position holding its maximum (row-major order, as tfjs's cpu kernel and PyTorch pick).
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

let replaced = false;

/** Registers the kernel in place of wasm's (once; dilated pools and other dtypes go to the original). */
export function replaceWasmMaxPoolGrad(): void {
  if (replaced) return;
  const original = tf.getKernel('MaxPoolGrad', 'wasm');
  if (!original) return;
  const fallback = original.kernelFunc;
  tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
        filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) return fallback(args);
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return fallback(args);
      const backend = args.backend as unknown as WasmHeapBackend;
      const out = backend.makeOutput(input.shape, 'float32');
      // Views made after the output: a heap that grew detaches older views.
      maxPoolGrad(backend.typedArrayFromHeap(input), backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(out), info);
      return out;
    },
  });
  replaced = true;
}

/** dx (zeroed here) from x and dy for the pool `info` (NHWC). */
export function maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: SH, strideWidth: SW } = info;
  const FH = info.effectiveFilterHeight, FW = info.effectiveFilterWidth, PT = info.padInfo.top, PL = info.padInfo.left;
  dx.fill(0);
  const best = new Float32Array(C);
  const at = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    const xb = b * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        best.fill(-Infinity);
        at.fill(-1);
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * SH - PT + fh;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * SW - PL + fw;
            if (iw < 0 || iw >= W) continue;
            const base = xb + (ih * W + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) { best[c] = v; at[c] = base + c; }
            }
          }
        }
        const o = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (at[c] >= 0) dx[at[c]] += dy[o + c];
      }
    }
  }
}
