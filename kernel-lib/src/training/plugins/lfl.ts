/**
 * Less-Forgetful Learning (Jung et al. 2016), as Avalanche's `LFLPlugin`: after each experience a
 * frozen copy of the model is kept and the output layer trained so far is frozen; while training
 * later experiences the loss gets `lambdaE * mean((f(x) - f_prev(x))²)` on the features of
 * `model.getFeatures` (both computed with dropout off).
 *
 * Avalanche 0.1 switches the model to eval mode to compute the features and leaves it there, so
 * dropout is off for the rest of training; here the model's mode is restored.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CLModel } from '../../models/model';
import type { BaseStrategy } from '../template';
import { checkKnownOptions } from '../../utils/validate';
import { cloneModel, namedParametersOf, perExperience } from './regularization';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `LFLPlugin` (Avalanche's names, in camelCase). */
export interface LFLPluginOptions {
  /** Weight of the feature distance: one number, or one per experience (the last repeats). */
  lambdaE: number | number[];
}

/** The variable names of the model's output layer: its last named layer (`classifier`), else its last two variables. */
export function outputLayerVariables(model: CLModel): string[] {
  const layers = (model as { namedLayers?: () => [string, unknown][] }).namedLayers;
  if (typeof layers === 'function') {
    const named = layers.call(model);
    const last = named[named.length - 1]?.[0];
    if (last !== undefined) return namedParametersOf(model).filter(([n]) => n === last || n.startsWith(`${last}.`)).map(([, v]) => v.name);
  }
  return model.trainableVariables.slice(-2).map((v) => v.name);
}

/** LFL as a plugin: `new Naive(model, opt, crit, { plugins: [new LFLPlugin({ lambdaE: 1 })] })`. */
export class LFLPlugin extends StrategyPlugin {
  /** The frozen model of the end of the previous experience (null during the first). */
  prevModel: CLModel | null = null;
  /** Names of the variables whose gradients are dropped (the output layer as trained so far). */
  readonly frozen = new Set<string>();
  private readonly lambdaOf: (experience: number) => number;
  private trained = 0;

  constructor(options: LFLPluginOptions) {
    super();
    checkKnownOptions('LFLPlugin', options, ['lambdaE']);
    if (options?.lambdaE === undefined) throw new Error('LFLPlugin: lambdaE is required (a number, or one per experience)');
    this.lambdaOf = perExperience('lambdaE', options.lambdaE);
  }

  /** The λ of the experience being trained. */
  get currentLambda(): number {
    return this.lambdaOf(this.trained);
  }

  override beforeTraining(strategy: BaseStrategy): void {
    if (typeof strategy.model.getFeatures !== 'function') throw new Error('LFLPlugin: the model must have getFeatures(x) (e.g. SimpleMLP)');
  }

  /** `mean((f(x) - f_prev(x))²)` on the current mini-batch, both models without dropout. */
  penalty(strategy: BaseStrategy): tf.Scalar | null {
    if (!this.prevModel) return null;
    const model = strategy.model;
    const wasTraining = model.training;
    model.eval();
    try {
      return tf.tidy(() => tf.mean(tf.squaredDifference(model.getFeatures!(strategy.mbX), this.prevModel!.getFeatures!(strategy.mbX))) as tf.Scalar);
    } finally {
      if (wasTraining) model.train();
    }
  }

  override beforeBackward(strategy: BaseStrategy): void {
    const lambda = this.currentLambda;
    if (!this.prevModel || lambda === 0) return;
    strategy.loss = tf.add(strategy.loss!, tf.mul(this.penalty(strategy)!, lambda)) as tf.Scalar;
  }

  override afterBackward(strategy: BaseStrategy): void {
    const grads = strategy.grads!;
    for (const name of this.frozen) {
      grads[name]?.dispose();
      delete grads[name];
    }
  }

  override afterTrainingExp(strategy: BaseStrategy): void {
    this.prevModel?.dispose();
    this.prevModel = cloneModel(strategy.model, 'LFLPlugin');
    for (const name of outputLayerVariables(strategy.model)) this.frozen.add(name);
    this.trained += 1;
  }

  /** Frees the previous model. */
  dispose(): void {
    this.prevModel?.dispose();
    this.prevModel = null;
  }
}
