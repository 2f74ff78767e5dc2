/**
 * `Conv2d`: a 2-D convolution layer (square kernel, stride, zero padding, NHWC), initialised as
 * PyTorch's `nn.Conv2d`. Its gradient is written with forward convolutions, which every backend has
 * and which XNNPACK runs fast: tfjs differentiates the filter with `Conv2DBackpropFilter`, which wasm
 * lacks, and the input with `conv2dTranspose`, ~10x slower there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvMode, nativeConv, nativeConvActive } from '../backend/nativeBlas';
import { Random } from '../utils/random';
import { LazyParameters, WeightInit } from './lazyParameters';
import { checkInteger } from '../utils/validate';
import { Layer, checkParameterShape } from './module';

/** Options of `Conv2d` (PyTorch's names, in camelCase). */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  /** Step between the kernel's positions (default 1). */
  stride?: number;
  /** Zero padding on each side (default 0). */
  padding?: number;
  /** Add a learnt bias (default true; false before a batch norm, as ResNets). */
  bias?: boolean;
  /**
   * How the weight is drawn (default PyTorch's `nn.Conv2d`: uniform in ±1/sqrt(fan_in));
   * `'kaimingNormal'`: PyTorch's `kaiming_normal_(mode='fan_out', nonlinearity='relu')`, normal with
   * standard deviation sqrt(2 / (out * k * k)).
   */
  init?: 'uniform' | 'kaimingNormal';
  name?: string;
}

let nextConvId = 0;

/** `dy` with `stride - 1` zeros between its rows and between its columns (the output grid spread over the input's). */
function dilate(dy: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return dy;
  const [b, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [b, h * stride, w * stride, c]), [0, 0, 0, 0], [b, (h - 1) * stride + 1, (w - 1) * stride + 1, c]) as tf.Tensor4D;
}

/** `[B, H, W, C, K, stride, padding, OH, OW, O]` of a convolution of `x` by `w`. */
function convDims(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, padding: number): number[] {
  const [b, h, wd, c] = x.shape;
  const [k, , , o] = w.shape;
  const out = (n: number) => Math.floor((n + 2 * padding - k) / stride) + 1;
  return [b, h, wd, c, k, stride, padding, out(h), out(wd), o];
}

/**
 * `conv2d(x, w, stride, padding)` and its gradients: through the native im2col + BLAS kernel where
 * the native BLAS path runs (as PyTorch's CPU convolution), else with both gradients written as
 * stride-1 forward convolutions.
 */
function convOp(stride: number, padding: number): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([x, w]);
    if (nativeConvActive()) {
      const dims = convDims(x, w, stride, padding);
      return {
        value: nativeConv(ConvMode.Forward, x, w, dims),
        gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
          const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
          return [nativeConv(ConvMode.InputGrad, dy, ws, dims), nativeConv(ConvMode.FilterGrad, xs, dy, dims)];
        },
      };
    }
    return {
      value: tf.conv2d(x, w, stride, padding),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const k = ws.shape[0];
        const [, height, width, ] = xs.shape;
        const [, outHeight, outWidth] = dy.shape;
        // dx[u] = sum_i dyspread[u + padding - i] w[i]: a correlation of the spread-out dy with the
        // flipped filter, padded by k - 1 - padding before and, after, by what reaches the last input
        // row (more than before where the windows do not tile the input: stride > 1).
        const before = k - 1 - padding;
        const after = (size: number, out: number) => size - 1 + padding - (out - 1) * stride;
        const spread = tf.pad(dilate(dy, stride), [[0, 0], [before, after(height, outHeight)], [before, after(width, outWidth)], [0, 0]]);
        const dx = tf.conv2d(spread, tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, 'valid');
        // dW[i,j,c,o] = sum_{b,h,w} xpad[b, s h + i, s w + j, c] dy[b,h,w,o]: a convolution with the
        // batch as channels and dy as the filter, dilated by the stride; the first k x k outputs.
        const xp = padding ? tf.pad(xs, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : xs;
        const all = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid', 'NHWC', stride);
        const dw = tf.transpose(all.shape[1] === k && all.shape[2] === k ? all : tf.slice(all, [0, 0, 0, 0], [-1, k, k, -1]), [1, 2, 0, 3]);
        return [dx, dw];
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}

/** A convolution layer with lazy variables: weight `[k, k, in, out]` (PyTorch's: `[out, in, k, k]`), bias `[out]`. */
export class Conv2d implements Layer {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly bias: boolean;
  readonly name: string;
  private readonly params: LazyParameters;
  private readonly uid = nextConvId++;
  private readonly op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

  constructor(options: Conv2dOptions, random: Random) {
    this.inChannels = checkInteger('inChannels', options.inChannels, 1);
    this.outChannels = checkInteger('outChannels', options.outChannels, 1);
    this.kernelSize = checkInteger('kernelSize', options.kernelSize, 1);
    this.stride = checkInteger('stride', options.stride ?? 1, 1);
    this.padding = checkInteger('padding', options.padding ?? 0, 0);
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new Error(`bias must be true or false, got ${JSON.stringify(options.bias)}`);
    this.bias = options.bias ?? true;
    this.name = options.name ?? 'conv';
    // PyTorch nn.Conv2d: fan_in = in * k * k.
    const k = this.kernelSize;
    const names = { weight: `${this.name}/weight_c${this.uid}`, ...(this.bias ? { bias: `${this.name}/bias_c${this.uid}` } : {}) };
    if (options.init !== undefined && options.init !== 'uniform' && options.init !== 'kaimingNormal') throw new Error(`init must be 'uniform' or 'kaimingNormal', got ${JSON.stringify(options.init)}`);
    const init: WeightInit = options.init === 'kaimingNormal' ? { normalStd: Math.sqrt(2 / (this.outChannels * k * k)) } : 'uniform';
    this.params = new LazyParameters(this.name, [k, k, this.inChannels, this.outChannels], this.inChannels * k * k, random, names, init);
    this.op = convOp(this.stride, this.padding);
  }

  namedParameters(): [string, tf.Variable][] {
    const [w, b] = this.params.get();
    return b ? [['weight', w], ['bias', b]] : [['weight', w]];
  }

  /** PyTorch's `nn.Conv2d` keeps its weight `[out, in, k, k]`. */
  torchLayout(): Record<string, number[]> {
    return { weight: [3, 2, 0, 1] };
  }

  loadParameters(values: Record<string, tf.Tensor>): void {
    const k = this.kernelSize;
    const [w, b] = this.params.get();
    w.assign(checkParameterShape(`${this.name}.weight`, values.weight, [k, k, this.inChannels, this.outChannels]));
    if (b) b.assign(checkParameterShape(`${this.name}.bias`, values.bias, [this.outChannels]));
  }

  /** `conv(x) + b` for `x` `[B, H, W, in]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [w, b] = this.params.get();
    const y = this.op(x, w as tf.Tensor4D);
    return b ? tf.add(y, b) : y;
  }

  /** Frees the variables; the layer cannot be used afterwards. */
  dispose(): void {
    this.params.dispose();
  }
}
