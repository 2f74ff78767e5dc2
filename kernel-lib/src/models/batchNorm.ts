/**
 * `BatchNorm1d` / `BatchNorm2d`: batch normalisation with PyTorch's semantics (`nn.BatchNorm1d`,
 * `nn.BatchNorm2d`). While training, each feature (a channel, for images) is normalised with the
 * batch's mean and biased variance, and the running estimates move towards the batch's mean and
 * unbiased variance by `momentum` (0.1); in eval mode the running estimates normalise. `weight`
 * (γ, ones) and `bias` (β, zeros) are parameters; `running_mean`, `running_var` and
 * `num_batches_tracked` are buffers: state that is copied with the model and saved in its state
 * dict, but not trained, and not penalised by regularisation strategies (they see parameters only).
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireBackend } from '../backend/backends';
import { nativeBatchNorm, nativeBatchNormActive, nativeBatchNormGrad } from '../backend/nativeBlas';
import { checkInteger } from '../utils/validate';
import { Layer, checkParameterShape } from './module';

/** Options of `BatchNorm1d` and `BatchNorm2d` (PyTorch's names, in camelCase). */
export interface BatchNormOptions {
  /** Features (1d) or channels (2d). */
  numFeatures: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the batch's statistics in the running estimates (default 0.1). */
  momentum?: number;
  name?: string;
}

let nextBatchNormId = 0;

interface BatchNormVariables {
  weight: tf.Variable;
  bias: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
  numBatchesTracked: tf.Variable;
}

/** Batch normalisation over the last axis (features, or channels of NHWC images). */
abstract class BatchNorm implements Layer {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly name: string;
  private vars: BatchNormVariables | null = null;
  private disposed = false;
  private readonly uid = nextBatchNormId++;
  /** The input's rank: 2 (`[B, C]`) or 4 (`[B, H, W, C]`). */
  protected abstract readonly rank: number;

  constructor(options: BatchNormOptions) {
    this.numFeatures = checkInteger('numFeatures', options.numFeatures, 1);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (typeof this.eps !== 'number' || !(this.eps > 0)) throw new Error(`eps must be a positive number, got ${JSON.stringify(options.eps)}`);
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`momentum must be a number in [0, 1], got ${JSON.stringify(options.momentum)}`);
    this.name = options.name ?? 'bn';
  }

  /** The variables, made at first use (as the other layers: no tensor before a backend runs). */
  private variables(): BatchNormVariables {
    if (!this.vars) {
      if (this.disposed) throw new Error(`layer ${this.name} has been disposed (model.dispose() was called): create a new model to train or evaluate`);
      requireBackend(`layer ${this.name}`);
      const c = this.numFeatures;
      const id = `${this.name}/bn${this.uid}`;
      this.vars = tf.tidy(() => ({
        weight: tf.variable(tf.ones([c]), true, `${id}/weight`),
        bias: tf.variable(tf.zeros([c]), true, `${id}/bias`),
        runningMean: tf.variable(tf.zeros([c]), false, `${id}/running_mean`),
        runningVar: tf.variable(tf.ones([c]), false, `${id}/running_var`),
        numBatchesTracked: tf.variable(tf.scalar(0, 'int32'), false, `${id}/num_batches_tracked`),
      }));
    }
    return this.vars;
  }

  namedParameters(): [string, tf.Variable][] {
    const v = this.variables();
    return [['weight', v.weight], ['bias', v.bias]];
  }

  namedBuffers(): [string, tf.Variable][] {
    const v = this.variables();
    return [['running_mean', v.runningMean], ['running_var', v.runningVar], ['num_batches_tracked', v.numBatchesTracked]];
  }

  loadParameters(values: Record<string, tf.Tensor>): void {
    const v = this.variables();
    const c = [this.numFeatures];
    v.weight.assign(checkParameterShape(`${this.name}.weight`, values.weight, c));
    v.bias.assign(checkParameterShape(`${this.name}.bias`, values.bias, c));
    v.runningMean.assign(checkParameterShape(`${this.name}.running_mean`, values.running_mean, c));
    v.runningVar.assign(checkParameterShape(`${this.name}.running_var`, values.running_var, c));
    const n = checkParameterShape(`${this.name}.num_batches_tracked`, values.num_batches_tracked, []);
    v.numBatchesTracked.assign(n.dtype === 'int32' ? n : tf.cast(n, 'int32'));
  }

  /** Normalises `x`: with the batch's statistics (updating the running ones) when training, else with the running ones. */
  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    if (x.rank !== this.rank || x.shape[x.rank - 1] !== this.numFeatures) {
      throw new Error(`${this.name}: expected an input of rank ${this.rank} with ${this.numFeatures} features last, got shape [${x.shape}]`);
    }
    const v = this.variables();
    if (!training) {
      // y = x * scale + shift with per-feature scale = weight / sqrt(var + eps), shift = bias - mean * scale.
      return tf.tidy(() => {
        const scale = tf.mul(tf.rsqrt(tf.add(v.runningVar, this.eps)), v.weight);
        return tf.add(tf.mul(x, scale), tf.sub(v.bias, tf.mul(v.runningMean, scale)));
      });
    }
    const count = x.size / this.numFeatures;
    if (count < 2) throw new Error(`${this.name}: expected more than 1 value per feature when training, got input shape [${x.shape}]`);
    const { y, mean, variance } = this.normalizeBatch(x, v.weight, v.bias, count);
    // The running estimates (PyTorch: the unbiased variance); an assignment records no gradient.
    tf.tidy(() => {
      const m = this.momentum;
      v.runningMean.assign(tf.add(tf.mul(v.runningMean, 1 - m), tf.mul(mean, m)));
      v.runningVar.assign(tf.add(tf.mul(v.runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
      v.numBatchesTracked.assign(tf.add(v.numBatchesTracked, tf.scalar(1, 'int32')));
    });
    tf.dispose([mean, variance]);
    return y;
  }

  /**
   * `(x - mean) / sqrt(var + eps) * weight + bias` with the batch's statistics, and its gradient in
   * closed form (dx = weight / std * (dy - mean(dy) - x̂ mean(dy x̂))): five passes over the
   * activations instead of the dozen autodiff takes through the mean and variance.
   */
  private normalizeBatch(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, count: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
    const axes = Array.from({ length: this.rank - 1 }, (_, i) => i);
    let stats: { mean: tf.Tensor; variance: tf.Tensor } | null = null;
    const op = tf.customGrad(((input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
      if (nativeBatchNormActive()) {
        // The same computation in one pass per statistic on the native path (native/batchnorm.c).
        const { y, mean, variance, invStd } = nativeBatchNorm(input, gamma, beta, this.eps);
        // The mean is saved for the gradient, so the running estimates take a copy (the caller disposes it).
        stats = { mean: tf.keep(tf.clone(mean)), variance: tf.keep(variance) };
        save([input, mean, invStd, gamma]);
        return {
          value: y,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => nativeBatchNormGrad(dy, saved[0], saved[1], saved[2], saved[3]),
        };
      }
      const { mean, variance } = tf.moments(input, axes);
      // customGrad runs this in a scope of its own: the statistics are kept for the running estimates.
      stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
      const invStd = tf.rsqrt(tf.add(variance, this.eps));
      const xHat = tf.mul(tf.sub(input, mean), invStd);
      save([xHat, invStd, gamma]);
      return {
        value: tf.add(tf.mul(xHat, gamma), beta),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xh, inv, g] = saved;
          const dBeta = tf.sum(dy, axes);
          const dGamma = tf.sum(tf.mul(dy, xh), axes);
          const centred = tf.sub(tf.sub(dy, tf.div(dBeta, count)), tf.mul(xh, tf.div(dGamma, count)));
          return [tf.mul(centred, tf.mul(g, inv)), dGamma, dBeta];
        },
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
    }) as any) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
    const y = op(x, weight, bias);
    const { mean, variance } = stats!;
    return { y, mean, variance };
  }

  dispose(): void {
    if (this.vars) tf.dispose(Object.values(this.vars));
    this.vars = null;
    this.disposed = true;
  }
}

/** PyTorch's `nn.BatchNorm1d(num_features)` for inputs `[B, C]`. */
export class BatchNorm1d extends BatchNorm {
  protected readonly rank = 2;
}

/** PyTorch's `nn.BatchNorm2d(num_features)` for images `[B, H, W, C]` (NHWC: PyTorch's are NCHW). */
export class BatchNorm2d extends BatchNorm {
  protected readonly rank = 4;
}
