/**
 * Memory Aware Synapses (Aljundi et al. 2018), as current Avalanche's `MASPlugin`: after each
 * experience the importance of a parameter is the mean over mini-batches of the absolute gradient
 * of the squared L2 norm of the model's output (no labels needed), blended with the previous one
 * (`alpha * old + (1 - alpha) * new`); later experiences pay `lambdaReg * sum Ω (θ - θ*)²`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkPositive } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { QuadraticPenalty, gradientImportance, namedParametersOf, padTo } from './regularization';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `MASPlugin` (current Avalanche's names, in camelCase). */
export interface MASPluginOptions {
  /** Weight of the penalty (default 1). */
  lambdaReg?: number;
  /** Share of the previous importance kept at each update, in [0, 1] (default 0.5). */
  alpha?: number;
}

/** MAS as a plugin: `new Naive(model, opt, crit, { plugins: [new MASPlugin({ lambdaReg: 1, alpha: 0.5 })] })`. */
export class MASPlugin extends StrategyPlugin {
  readonly lambdaReg: number;
  readonly alpha: number;
  /** Importance Ω and anchor θ* (the parameters after the last experience). */
  readonly penalty = new QuadraticPenalty();

  constructor(options: MASPluginOptions = {}) {
    super();
    checkKnownOptions('MASPlugin', options, ['lambdaReg', 'alpha']);
    this.lambdaReg = checkPositive('lambdaReg', options.lambdaReg ?? 1, true);
    const alpha = checkPositive('alpha', options.alpha ?? 0.5, true);
    if (alpha > 1) throw new Error(`alpha must be in [0, 1], got ${alpha}`);
    this.alpha = alpha;
  }

  override beforeBackward(strategy: BaseStrategy): void {
    if (this.penalty.empty || this.lambdaReg === 0) return;
    strategy.loss = tf.add(strategy.loss!, tf.mul(this.penalty.term(strategy.model, 'MASPlugin'), this.lambdaReg)) as tf.Scalar;
  }

  override async afterTrainingExp(strategy: BaseStrategy): Promise<void> {
    const current = await computeMASImportances(strategy);
    for (const [name, param] of namedParametersOf(strategy.model)) {
      const fresh = current.get(name)!;
      const old = this.penalty.importance.get(name);
      const importance = old
        ? tf.tidy(() => tf.add(tf.mul(padTo(old, param.shape, 'MASPlugin'), this.alpha), tf.mul(fresh, 1 - this.alpha)))
        : tf.clone(fresh);
      fresh.dispose();
      this.penalty.set(name, importance, tf.clone(param));
    }
  }

  /** Frees the importances and anchors. */
  dispose(): void {
    this.penalty.dispose();
  }
}

/**
 * MAS's importances on the current experience: mean over mini-batches of |∂ mean_b ||f(x_b)||² / ∂θ|,
 * the model in training mode (as Avalanche and FACIL).
 */
export function computeMASImportances(strategy: BaseStrategy): Promise<Map<string, tf.Tensor>> {
  const loss = (out: tf.Tensor) => tf.mean(tf.sum(tf.square(out), 1)) as tf.Scalar;
  return gradientImportance(strategy, { loss, transform: (g) => tf.abs(g), train: true });
}
