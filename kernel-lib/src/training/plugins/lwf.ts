/**
 * Learning without Forgetting (Li & Hoiem 2016), as Avalanche's `LwFPlugin`: after each experience a
 * frozen copy of the model is kept; while training later experiences the loss gets
 * `alpha * KL(softmax(prev / T) || softmax(out / T))` on the output units of the classes learned so
 * far (per head for multi-head models: every head of a task seen before is distilled).
 *
 * Avalanche 0.1 distils nothing with multi-head models (it looks previous classes up by task-id
 * strings in a map keyed by numbers) and, in class-incremental benchmarks, only the previous
 * experience's classes (it replaces the set of old classes instead of adding to it); here every
 * head and every class learned so far is distilled.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CLModel } from '../../models/model';
import { selectColumns } from '../../ops/select';
import { checkKnownOptions, checkPositive } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { cloneModel, perExperience } from './regularization';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `LwFPlugin` (Avalanche's names). */
export interface LwFPluginOptions {
  /** Weight of the distillation: one number, or one per experience (the last repeats). Default 1. */
  alpha?: number | number[];
  /** Softmax temperature of the distillation (default 2). */
  temperature?: number;
}

/** A model with one output per task head (`MTSimpleMLP`, `MultiHeadClassifier`). */
interface MultiHeadModel extends CLModel {
  forwardAllTasks(x: tf.Tensor): Map<number, tf.Tensor>;
}

function isMultiHead(model: CLModel): model is MultiHeadModel {
  return typeof (model as MultiHeadModel).forwardAllTasks === 'function';
}

/**
 * `KL(softmax(prev / T) || softmax(out / T))` restricted to the columns `units` (softmax over all
 * outputs, then the columns taken, as Avalanche), summed over units and averaged over the batch
 * (PyTorch's `kl_div(..., reduction='batchmean')`).
 */
export function distillationLoss(out: tf.Tensor, prev: tf.Tensor, units: number[], temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logP = selectColumns(tf.logSoftmax(tf.div(out, temperature)), units);
    const logQ = selectColumns(tf.logSoftmax(tf.div(prev, temperature)), units);
    return tf.div(tf.sum(tf.mul(tf.exp(logQ), tf.sub(logQ, logP))), out.shape[0]) as tf.Scalar;
  });
}

/** LwF as a plugin: `new Naive(model, opt, crit, { plugins: [new LwFPlugin({ alpha: 1, temperature: 2 })] })`. */
export class LwFPlugin extends StrategyPlugin {
  readonly temperature: number;
  /** The frozen model of the end of the previous experience (null during the first). */
  prevModel: CLModel | null = null;
  /** Task label → the classes learned so far in that task. */
  readonly prevClasses = new Map<number, Set<number>>();
  private readonly alphaOf: (experience: number) => number;
  private trained = 0;

  constructor(options: LwFPluginOptions = {}) {
    super();
    checkKnownOptions('LwFPlugin', options, ['alpha', 'temperature']);
    this.alphaOf = perExperience('alpha', options.alpha ?? 1);
    this.temperature = checkPositive('temperature', options.temperature ?? 2);
  }

  /** The alpha of the experience being trained. */
  get currentAlpha(): number {
    return this.alphaOf(this.trained);
  }

  /** The distillation term for the current mini-batch (0 before any previous model). */
  penalty(strategy: BaseStrategy): tf.Scalar | null {
    const prev = this.prevModel;
    if (!prev) return null;
    const x = strategy.mbX;
    const terms: tf.Scalar[] = [];
    if (isMultiHead(prev) && isMultiHead(strategy.model)) {
      const before = prev.forwardAllTasks(x);
      const now = strategy.model.forwardAllTasks(x);
      for (const [task, classes] of this.prevClasses) {
        const p = before.get(task);
        const c = now.get(task);
        if (p && c && classes.size) terms.push(distillationLoss(c, p, [...classes].sort((a, b) => a - b), this.temperature));
      }
      tf.dispose([...before.values(), ...now.values()]);
    } else {
      const units = [...new Set([...this.prevClasses.values()].flatMap((s) => [...s]))].sort((a, b) => a - b);
      const p = prev.forward(x, strategy.mbatch!.taskLabelsHost ?? strategy.mbTaskId);
      // Units of classes the previous model had no output for are skipped (its head was smaller).
      const known = units.filter((u) => u < (p.shape[1] as number));
      if (known.length) terms.push(distillationLoss(strategy.mbOutput!, p, known, this.temperature));
      p.dispose();
    }
    if (terms.length === 0) return null;
    return tf.tidy(() => tf.addN(terms) as tf.Scalar);
  }

  override beforeBackward(strategy: BaseStrategy): void {
    const alpha = this.currentAlpha;
    if (!this.prevModel || alpha === 0) return;
    const term = this.penalty(strategy);
    if (term) strategy.loss = tf.add(strategy.loss!, tf.mul(term, alpha)) as tf.Scalar;
  }

  override afterTrainingExp(strategy: BaseStrategy): void {
    this.prevModel?.dispose();
    this.prevModel = cloneModel(strategy.model, 'LwFPlugin');
    const { targets, taskLabels } = strategy.experience!.dataset;
    for (let i = 0; i < targets.length; i++) {
      let set = this.prevClasses.get(taskLabels[i]);
      if (!set) this.prevClasses.set(taskLabels[i], (set = new Set()));
      set.add(targets[i]);
    }
    this.trained += 1;
  }

  /** Frees the previous model. */
  dispose(): void {
    this.prevModel?.dispose();
    this.prevModel = null;
  }
}
