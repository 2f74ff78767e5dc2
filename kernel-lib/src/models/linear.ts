/**
 * A dense layer `y = act(x W + b)` whose gradient is written by hand (`tf.customGrad`): on wasm
 * with explicit transposes (tfjs's automatic gradient of `matMul` uses transposed products, which
 * run at 1-2 GFLOP/s there against ~30 for plain ones); on webgpu with the kernel's transpose flags
 * and fused bias and ReLU gradients (fewer GPU dispatches). Initialised as PyTorch's `nn.Linear`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { columnSum, matMulTransposed, reluGrad } from '../ops/fusedOps';
import { Random } from '../utils/random';
import { LazyParameters } from './lazyParameters';
import { checkInteger } from '../utils/validate';
import { Layer, checkParameterShape } from './module';

/** Activation fused into a `Linear` layer. */
export type LinearActivation = 'linear' | 'relu';

/** Options of `Linear`. */
export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  activation?: LinearActivation;
  /**
   * Compute the gradient with respect to the input (default true). The first layer of a model
   * fed with data does not need it: false differentiates the weights only, saving a matrix product
   * per step (the input then gets no gradient).
   */
  inputGradient?: boolean;
  /** Variable name prefix. */
  name?: string;
}

let nextLayerId = 0;

/** A dense layer with hand-written gradients and lazy variables (created at first use). */
export class Linear implements Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: LinearActivation;
  readonly inputGradient: boolean;
  readonly name: string;
  private readonly params: LazyParameters;
  /** Makes variable names unique across models (tfjs registers variables by name). */
  private readonly uid = nextLayerId++;
  private readonly op: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;

  constructor(options: LinearOptions, random: Random) {
    this.inFeatures = checkInteger('inFeatures', options.inFeatures, 1);
    this.outFeatures = checkInteger('outFeatures', options.outFeatures, 1);
    this.activation = options.activation ?? 'linear';
    this.inputGradient = options.inputGradient ?? true;
    this.name = options.name ?? 'linear';
    // PyTorch nn.Linear: fan_in = in.
    this.params = new LazyParameters(this.name, [this.inFeatures, this.outFeatures], this.inFeatures, random, { weight: `${this.name}/weight_${this.uid}`, bias: `${this.name}/bias_${this.uid}` });
    this.op = linearOp(this.activation, this.inputGradient);
  }

  /** Weight `[in, out]` and bias `[out]`, created on first access. */
  get variables(): [tf.Variable, tf.Variable] {
    return this.params.get() as [tf.Variable, tf.Variable];
  }

  /** `weight` `[in, out]` and `bias` `[out]`. */
  namedParameters(): [string, tf.Variable][] {
    const [w, b] = this.variables;
    return [['weight', w], ['bias', b]];
  }

  /** PyTorch's `nn.Linear` keeps its weight `[out, in]`. */
  torchLayout(): Record<string, number[]> {
    return { weight: [1, 0] };
  }

  /** Copies `weight` `[in, out]` and `bias` `[out]` into the layer. */
  loadParameters(values: Record<string, tf.Tensor>): void {
    const w = checkParameterShape(`${this.name}.weight`, values.weight, [this.inFeatures, this.outFeatures]);
    const b = checkParameterShape(`${this.name}.bias`, values.bias, [this.outFeatures]);
    const [wv, bv] = this.variables;
    wv.assign(w);
    bv.assign(b);
  }

  /**
   * A layer with more outputs whose first `outFeatures` columns are this layer's (the new ones
   * initialised as PyTorch's), as Avalanche's `IncrementalClassifier` grows. This layer is unchanged.
   */
  widened(outFeatures: number, random: Random): Linear {
    if (outFeatures < this.outFeatures) throw new Error(`widened: outFeatures (${outFeatures}) must be >= the current ${this.outFeatures}`);
    const wider = new Linear({ inFeatures: this.inFeatures, outFeatures, activation: this.activation, inputGradient: this.inputGradient, name: this.name }, random);
    const [w, b] = this.variables;
    const [nw, nb] = wider.variables;
    tf.tidy(() => {
      const extra = outFeatures - this.outFeatures;
      nw.assign(tf.concat([w, tf.slice(nw, [0, this.outFeatures], [this.inFeatures, extra])], 1));
      nb.assign(tf.concat([b, tf.slice(nb, [this.outFeatures], [extra])]));
    });
    return wider;
  }

  /** `act(x W + b)` for `x` of shape `[B, in]`. */
  apply(x: tf.Tensor): tf.Tensor {
    const [w, b] = this.variables;
    return this.op(x, w, b);
  }

  /** Frees the variables; the layer cannot be used afterwards. */
  dispose(): void {
    this.params.dispose();
  }
}

/**
 * `act(x w + b)` as one `_FusedMatMul` kernel. `tf.fused.matMul` falls back to three kernels (matMul,
 * add, relu) whenever a gradient is being recorded and the activation is not linear, because its own
 * gradient handles only the linear case; our gradient is written by hand, so the kernel is called
 * directly (one GPU dispatch instead of three on webgpu).
 */
function denseForward(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, activation: LinearActivation): tf.Tensor {
  const [batch, inFeatures] = x.shape;
  const outFeatures = w.shape[1] as number;
  return tf.tidy(() => {
    const inputs = { a: tf.reshape(x, [1, batch, inFeatures]), b: tf.reshape(w, [1, inFeatures, outFeatures]), bias: b };
    const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 };
    return tf.reshape(tf.engine().runKernel('_FusedMatMul', inputs, attrs) as tf.Tensor, [batch, outFeatures]);
  });
}

/** The fused dense op with its hand-written gradient. */
export function linearOp(activation: LinearActivation, inputGradient: boolean): (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  const backward = (dy: tf.Tensor, xs: tf.Tensor, ys: tf.Tensor) => {
    const dz = (activation === 'relu' ? reluGrad(dy, ys) : dy) as tf.Tensor2D;
    return { dz, dw: matMulTransposed(xs as tf.Tensor2D, dz, true, false), db: columnSum(dz) };
  };
  if (!inputGradient) {
    // The input is data: differentiate with respect to the weights only (x is captured, not an input).
    return (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.customGrad(((wv: tf.Tensor, bv: tf.Tensor, save: tf.GradSaveFunc) => {
        const y = denseForward(x, wv, bv, activation);
        save([y]);
        return {
          value: y,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const { dw, db } = backward(dy, x, saved[0]);
            return [dw, db];
          },
        };
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
      }) as any)(w, b) as tf.Tensor;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = denseForward(x, w, b, activation);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved;
        const { dz, dw, db } = backward(dy, xs, ys);
        return [matMulTransposed(dz, ws as tf.Tensor2D, false, true), dw, db];
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any) as unknown as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
}
