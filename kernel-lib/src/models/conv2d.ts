/**
 * `Conv2d`: a 2-D convolution layer (stride 1, zero padding, NHWC), initialised as PyTorch's
 * `nn.Conv2d`. Its gradient is written with forward convolutions, which every backend has and
 * which XNNPACK runs fast: tfjs differentiates the filter with `Conv2DBackpropFilter`, which wasm
 * lacks, and the input with `conv2dTranspose`, ~10x slower there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../utils/random';
import { LazyParameters } from './lazyParameters';
import { checkInteger } from '../utils/validate';
import { Layer, checkParameterShape } from './module';

/** Options of `Conv2d` (PyTorch's names, in camelCase). */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  /** Zero padding on each side (default 0). */
  padding?: number;
  name?: string;
}

let nextConvId = 0;

/** `conv2d(x, w, stride 1, padding p)` with the filter gradient written as a convolution. */
function convOp(padding: number): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, padding),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        // dx: a full correlation with the flipped filter (tfjs's conv2dTranspose is ~10x slower on wasm).
        const k = ws.shape[0];
        const dx = tf.conv2d(dy, tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, k - 1 - padding);
        // dW[i,j,c,o] = sum_{b,h,w} xpad[b,h+i,w+j,c] dy[b,h,w,o]: a convolution with the batch as channels.
        const xp = padding ? tf.pad(xs, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : xs;
        const dw = tf.transpose(tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'), [1, 2, 0, 3]);
        return [dx, dw];
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}

/** A convolution layer with lazy variables: weight `[k, k, in, out]`, bias `[out]`. */
export class Conv2d implements Layer {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly padding: number;
  readonly name: string;
  private readonly params: LazyParameters;
  private readonly uid = nextConvId++;
  private readonly op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

  constructor(options: Conv2dOptions, random: Random) {
    this.inChannels = checkInteger('inChannels', options.inChannels, 1);
    this.outChannels = checkInteger('outChannels', options.outChannels, 1);
    this.kernelSize = checkInteger('kernelSize', options.kernelSize, 1);
    this.padding = checkInteger('padding', options.padding ?? 0, 0);
    this.name = options.name ?? 'conv';
    // PyTorch nn.Conv2d: fan_in = in * k * k.
    const k = this.kernelSize;
    this.params = new LazyParameters(this.name, [k, k, this.inChannels, this.outChannels], this.inChannels * k * k, random, { weight: `${this.name}/weight_c${this.uid}`, bias: `${this.name}/bias_c${this.uid}` });
    this.op = convOp(this.padding);
  }

  namedParameters(): [string, tf.Variable][] {
    const [w, b] = this.params.get();
    return [['weight', w], ['bias', b]];
  }

  loadParameters(values: Record<string, tf.Tensor>): void {
    const k = this.kernelSize;
    const [[, w], [, b]] = this.namedParameters();
    w.assign(checkParameterShape(`${this.name}.weight`, values.weight, [k, k, this.inChannels, this.outChannels]));
    b.assign(checkParameterShape(`${this.name}.bias`, values.bias, [this.outChannels]));
  }

  /** `conv(x) + b` for `x` `[B, H, W, in]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [[, w], [, b]] = this.namedParameters();
    return tf.add(this.op(x, w as tf.Tensor4D), b);
  }

  /** Frees the variables; the layer cannot be used afterwards. */
  dispose(): void {
    this.params.dispose();
  }
}
