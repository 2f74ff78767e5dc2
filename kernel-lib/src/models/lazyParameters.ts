/**
 * A layer's weight and bias: drawn when the layer is built, as PyTorch draws them (uniform in
 * ±1/sqrt(fan_in), the weight first, then the bias), and made into variables at first use, so that
 * a model can be built before a backend starts and an unused model holds no tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireBackend } from '../backend/backends';
import { Random } from '../utils/random';

/** The variable names of a layer's parameters (tfjs registers variables by name: they must be unique); no bias name: no bias. */
export interface ParameterNames {
  weight: string;
  bias?: string;
}

/**
 * How the weight is drawn: PyTorch's default for `nn.Linear` and `nn.Conv2d` (uniform in
 * ±1/sqrt(fan_in)), or normal with a standard deviation (`nn.init.kaiming_normal_`, as ResNet32's
 * convolutions are initialised). The bias, where there is one, is always PyTorch's default.
 */
export type WeightInit = 'uniform' | { normalStd: number };

/** Weight and bias of one layer, created on first use. */
export class LazyParameters {
  private initial: { w: Float32Array; b: Float32Array | null } | null;
  private vars: { w: tf.Variable; b: tf.Variable | null } | null = null;

  /**
   * @param layer the layer's name, for errors; @param weightShape the weight's shape; @param fanIn
   * the inputs feeding one output (the bound is 1/sqrt(fanIn)); @param names the variables' names.
   */
  constructor(private readonly layer: string, private readonly weightShape: number[], fanIn: number, random: Random, private readonly names: ParameterNames, init: WeightInit = 'uniform') {
    const bound = 1 / Math.sqrt(fanIn);
    const w = new Float32Array(weightShape.reduce((a, d) => a * d, 1));
    if (init === 'uniform') for (let i = 0; i < w.length; i++) w[i] = (random.next() * 2 - 1) * bound;
    else for (let i = 0; i < w.length; i++) w[i] = random.normal() * init.normalStd;
    let b: Float32Array | null = null;
    if (names.bias !== undefined) {
      b = new Float32Array(weightShape[weightShape.length - 1]);
      for (let i = 0; i < b.length; i++) b[i] = (random.next() * 2 - 1) * bound;
    }
    this.initial = { w, b };
  }

  /** `[weight, bias]` (`[weight]` without a bias), created on the first call. */
  get(): tf.Variable[] {
    if (!this.vars) {
      if (!this.initial) throw new Error(`layer ${this.layer} has been disposed (model.dispose() was called): create a new model to train or evaluate`);
      requireBackend(`layer ${this.layer}`);
      // tf.variable shares the initial tensor's data: dispose the initial tensor itself.
      const w = tf.tensor(this.initial.w, this.weightShape);
      const b = this.initial.b ? tf.tensor1d(this.initial.b) : null;
      this.vars = { w: tf.variable(w, true, this.names.weight), b: b ? tf.variable(b, true, this.names.bias) : null };
      tf.dispose(b ? [w, b] : [w]);
      this.initial = null;
    }
    return this.vars.b ? [this.vars.w, this.vars.b] : [this.vars.w];
  }

  /** Frees the variables; the layer cannot be used afterwards. */
  dispose(): void {
    this.initial = null;
    if (this.vars) {
      this.vars.w.dispose();
      this.vars.b?.dispose();
      this.vars = null;
    }
  }
}
