/**
 * What the regularization strategies share: the model's named parameters, an importance-weighted
 * quadratic penalty `sum Ω (θ - θ*)²` kept on the device, importances from gradients over an
 * experience's data (EWC, MAS), per-experience hyper-parameters, and a frozen copy of the model
 * (LwF, LFL).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataLoader } from '../../loaders/dataLoader';
import { MiniBatch, disposeMiniBatch } from '../../loaders/miniBatch';
import type { ClassificationDataset } from '../../data/dataset';
import type { CLModel } from '../../models/model';
import { checkPositive } from '../../utils/validate';
import type { BaseStrategy } from '../template';

/** The model's parameters by stable name (`features.0.weight` for the library's models, else the variable's name). */
export function namedParametersOf(model: CLModel): [string, tf.Variable][] {
  const named = (model as { namedParameters?: () => [string, tf.Variable][] }).namedParameters;
  return typeof named === 'function' ? named.call(model) : model.trainableVariables.map((v) => [v.name, v] as [string, tf.Variable]);
}

/** `t` zero-padded at the end of each dimension to `shape` (a parameter that grew, e.g. an incremental classifier). */
export function padTo(t: tf.Tensor, shape: number[], what: string): tf.Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d > shape[i])) {
    throw new Error(`${what}: parameter shape changed from [${t.shape}] to [${shape}]; only growth (more units) is supported`);
  }
  return tf.pad(t, t.shape.map((d, i) => [0, shape[i] - d] as [number, number]));
}

/**
 * `sum over parameters of Ω (θ - θ*)²` with an importance Ω and an anchor θ* per parameter name,
 * kept on the device. A parameter that grew since (new units) is compared on the old units only
 * (its importance is padded with zeros).
 */
export class QuadraticPenalty {
  /** Parameter name → importance Ω (kept tensors). */
  readonly importance = new Map<string, tf.Tensor>();
  /** Parameter name → anchor θ* (kept tensors). */
  readonly anchor = new Map<string, tf.Tensor>();
  /** Parameter name → a constant added to its term (EWC's separate mode folds several anchors into one). */
  readonly constant = new Map<string, tf.Scalar>();

  /** True when no parameter has an importance yet (the term is 0). */
  get empty(): boolean {
    return this.importance.size === 0;
  }

  /** Sets the importance, anchor and (optionally) constant of `name` (takes ownership of the tensors). */
  set(name: string, importance: tf.Tensor, anchor: tf.Tensor, constant?: tf.Scalar): void {
    if (this.importance.get(name) !== importance) this.importance.get(name)?.dispose();
    if (this.anchor.get(name) !== anchor) this.anchor.get(name)?.dispose();
    this.importance.set(name, tf.keep(importance));
    this.anchor.set(name, tf.keep(anchor));
    if (constant) {
      this.constant.get(name)?.dispose();
      this.constant.set(name, tf.keep(constant));
    }
  }

  /** The penalty for the model's current parameters, as a scalar (differentiable; call it inside the tape). */
  term(model: CLModel, what: string): tf.Scalar {
    return tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (const [name, param] of namedParametersOf(model)) {
        let omega = this.importance.get(name);
        let star = this.anchor.get(name);
        if (!omega || !star) continue;
        if (omega.shape.some((d, i) => d !== param.shape[i])) {
          // Grown once, then kept at the new shape.
          this.set(name, tf.keep(padTo(omega, param.shape, what)), tf.keep(padTo(star, param.shape, what)));
          omega = this.importance.get(name)!;
          star = this.anchor.get(name)!;
        }
        parts.push(weightedSquaredDistance(param, omega, star));
        const constant = this.constant.get(name);
        if (constant) parts.push(constant);
      }
      return (parts.length ? tf.addN(parts) : tf.scalar(0)) as tf.Scalar;
    });
  }

  dispose(): void {
    tf.dispose([...this.importance.values(), ...this.anchor.values(), ...this.constant.values()]);
    this.importance.clear();
    this.anchor.clear();
    this.constant.clear();
  }
}

/**
 * `sum Ω (θ - θ*)²` with its gradient `2 Ω (θ - θ*)` written by hand: the difference is computed
 * once and reused (autodiff would replay the subtraction and the squaring).
 */
function weightedSquaredDistance(param: tf.Tensor, omega: tf.Tensor, star: tf.Tensor): tf.Scalar {
  const f = tf.customGrad(((p: tf.Tensor, save: tf.GradSaveFunc) => {
    const diff = tf.sub(p, star);
    const weighted = tf.mul(omega, diff);
    save([weighted]);
    return {
      value: tf.sum(tf.mul(weighted, diff)) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], tf.mul(dy, 2)),
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any) as unknown as (p: tf.Tensor) => tf.Scalar;
  return f(param);
}

/** Copies of the model's parameters, by name (kept tensors the caller owns). */
export function snapshotParameters(model: CLModel): Map<string, tf.Tensor> {
  return new Map(namedParametersOf(model).map(([name, v]) => [name, tf.keep(tf.clone(v))]));
}

/**
 * The mean over mini-batches of `transform(∂loss/∂θ)` for every parameter, over the current
 * experience's data in data set order (batches of `trainMbSize`), as Avalanche's EWC and MAS compute
 * importances. `loss(output, targets)` gets the model's output in the mode given by `train`; the
 * strategy's model mode is restored afterwards. Parameters that get no gradient (another task's
 * head) get zeros.
 */
export async function gradientImportance(
  strategy: BaseStrategy,
  options: { loss: (output: tf.Tensor, targets: tf.Tensor) => tf.Scalar; transform: (g: tf.Tensor) => tf.Tensor; train: boolean },
): Promise<Map<string, tf.Tensor>> {
  const model = strategy.model;
  const params = namedParametersOf(model);
  const sums = new Map(params.map(([name, v]) => [name, tf.keep(tf.zerosLike(v))]));
  const wasTraining = model.training;
  if (options.train) model.train();
  else model.eval();
  const loader = new DataLoader(strategy.experience!.dataset, { batchSize: strategy.trainMbSize, shuffle: false });
  let batches = 0;
  try {
    for (const batch of loader) {
      try {
        const { grads, value } = tf.variableGrads(() => options.loss(model.forward(batch[0], batch.taskLabelsHost ?? batch[2]), batch[1]), params.map(([, v]) => v));
        value.dispose();
        tf.tidy(() => {
          for (const [name, v] of params) {
            const g = grads[v.name];
            if (!g) continue;
            const sum = sums.get(name)!;
            sums.set(name, tf.keep(tf.add(sum, options.transform(g))));
            sum.dispose();
          }
        });
        tf.dispose(grads);
      } finally {
        disposeMiniBatch(batch);
      }
      batches += 1;
      await strategy.keepAlive();
    }
  } finally {
    if (wasTraining) model.train();
    else model.eval();
  }
  const out = new Map<string, tf.Tensor>();
  for (const [name, sum] of sums) {
    out.set(name, tf.keep(batches ? tf.div(sum, batches) : tf.clone(sum)));
    sum.dispose();
  }
  return out;
}

/**
 * A hyper-parameter given as one number or one per experience (Avalanche's LwF `alpha`, SI's
 * `si_lambda`): the value for experience `i`, the last one past the end of the list.
 */
export function perExperience(name: string, value: number | number[]): (experience: number) => number {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error(`${name} must be a number or a non-empty list of numbers, got []`);
  list.forEach((v, i) => checkPositive(Array.isArray(value) ? `${name}[${i}]` : name, v, true));
  return (experience) => list[Math.min(experience, list.length - 1)];
}

/** A model that can be copied: the library's models (`Module`), or any with `clone()`. */
export function cloneModel(model: CLModel, who: string): CLModel {
  const clone = (model as { clone?: () => CLModel }).clone;
  if (typeof clone !== 'function') {
    throw new Error(`${who} keeps a frozen copy of the previous model: the model must have clone() (the library's models do; a model of your own can extend Module)`);
  }
  const copy = clone.call(model);
  copy.eval();
  return copy;
}

/**
 * `compute(batch)` over every sample of `data` in data set order, the model in eval mode (its mode
 * restored after), read to the host as one flat array of rows: the stored logits of DER, the class
 * means of iCaRL. `width` is the row length (`fallbackWidth` when `data` is empty).
 */
export async function evalOverDataset(
  model: CLModel,
  data: ClassificationDataset,
  batchSize: number,
  compute: (batch: MiniBatch) => tf.Tensor,
  fallbackWidth = 0,
): Promise<{ values: Float32Array; width: number }> {
  const parts: Float32Array[] = [];
  let width = fallbackWidth;
  const wasTraining = model.training;
  model.eval();
  try {
    for (const batch of new DataLoader(data, { batchSize })) {
      try {
        const out = tf.tidy(() => tf.reshape(compute(batch), [batch[0].shape[0], -1]));
        width = out.shape[1] as number;
        parts.push((await out.data()) as Float32Array);
        out.dispose();
      } finally {
        disposeMiniBatch(batch);
      }
    }
  } finally {
    if (wasTraining) model.train();
  }
  const values = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    values.set(p, at);
    at += p.length;
  }
  return { values, width };
}
