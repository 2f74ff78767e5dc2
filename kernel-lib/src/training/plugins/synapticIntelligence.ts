/**
 * Synaptic Intelligence (Zenke et al. 2017), as Avalanche's `SynapticIntelligencePlugin`: while
 * training, each parameter's contribution to the decrease of the loss is integrated along its path
 * (`ω += -g · Δθ` at every step, with `g` the gradient of the task's loss); after each experience
 * its importance grows by `ω / (Δ² + eps)` (Δ: how far it moved in the experience), and later
 * experiences pay `siLambda / 2 * sum Ω (θ - θ*)²`.
 *
 * Where Avalanche 0.1 differs, this follows the paper: Avalanche clamps importances at 0.001 (which
 * makes the penalty vanish, so SI behaves like Naive) and integrates the gradient of the
 * regularised loss; here importances are only kept >= 0, and the path integral uses the gradient of
 * the loss without SI's own term (`g - siLambda Ω (θ - θ*)`, the penalty's gradient being known).
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkPositive } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { QuadraticPenalty, namedParametersOf, padTo, perExperience, snapshotParameters } from './regularization';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `SynapticIntelligencePlugin` (Avalanche's names, in camelCase). */
export interface SynapticIntelligenceOptions {
  /** Weight of the penalty: one number, or one per experience (the last repeats). */
  siLambda: number | number[];
  /** Damping of the importance denominator (default 1e-7, as Avalanche). */
  eps?: number;
}

/** SI as a plugin: `new Naive(model, opt, crit, { plugins: [new SynapticIntelligencePlugin({ siLambda: 1 })] })`. */
export class SynapticIntelligencePlugin extends StrategyPlugin {
  readonly eps: number;
  /** The importance Ω and anchor θ* of each parameter (λ/2 is applied on top). */
  readonly penalty = new QuadraticPenalty();
  /** Parameter name → the path integral ω of the current experience. */
  readonly trajectory = new Map<string, tf.Tensor>();
  private readonly lambdaOf: (experience: number) => number;
  /** Parameters at the start of the experience, and before the current step. */
  private start = new Map<string, tf.Tensor>();
  private beforeStep = new Map<string, tf.Tensor>();
  private trained = 0;

  constructor(options: SynapticIntelligenceOptions) {
    super();
    checkKnownOptions('SynapticIntelligencePlugin', options, ['siLambda', 'eps']);
    if (options?.siLambda === undefined) throw new Error('SynapticIntelligencePlugin: siLambda is required (a number, or one per experience)');
    this.lambdaOf = perExperience('siLambda', options.siLambda);
    this.eps = checkPositive('eps', options.eps ?? 1e-7);
  }

  /** The λ of the experience being trained. */
  get currentLambda(): number {
    return this.lambdaOf(this.trained);
  }

  override beforeTrainingExp(strategy: BaseStrategy): void {
    tf.dispose([...this.start.values()]);
    this.start = snapshotParameters(strategy.model);
    tf.dispose([...this.trajectory.values()]);
    this.trajectory.clear();
  }

  override beforeBackward(strategy: BaseStrategy): void {
    const lambda = this.currentLambda;
    if (this.penalty.empty || lambda === 0) return;
    strategy.loss = tf.add(strategy.loss!, tf.mul(this.penalty.term(strategy.model, 'SynapticIntelligencePlugin'), lambda / 2)) as tf.Scalar;
  }

  override beforeUpdate(strategy: BaseStrategy): void {
    // A clone shares the variable's current data; the update gives the variable new data.
    tf.dispose([...this.beforeStep.values()]);
    this.beforeStep = snapshotParameters(strategy.model);
  }

  override afterUpdate(strategy: BaseStrategy): void {
    const lambda = this.currentLambda;
    for (const [name, param] of namedParametersOf(strategy.model)) {
      const g = strategy.grads?.[param.name];
      const old = this.beforeStep.get(name);
      if (!g || !old) continue;
      const step = tf.tidy(() => {
        let taskGrad = g;
        const omega = this.penalty.importance.get(name);
        if (omega && lambda !== 0 && omega.shape.every((d, i) => d === param.shape[i])) {
          taskGrad = tf.sub(g, tf.mul(tf.mul(omega, tf.sub(old, this.penalty.anchor.get(name)!)), lambda));
        }
        // ω accumulates -g · Δθ: positive when the step lowered the task's loss.
        const contribution = tf.neg(tf.mul(taskGrad, tf.sub(param, old)));
        const previous = this.trajectory.get(name);
        return previous ? tf.add(padTo(previous, param.shape, 'SynapticIntelligencePlugin'), contribution) : contribution;
      });
      this.trajectory.get(name)?.dispose();
      this.trajectory.set(name, tf.keep(step));
    }
    tf.dispose([...this.beforeStep.values()]);
    this.beforeStep.clear();
  }

  override afterTrainingExp(strategy: BaseStrategy): void {
    for (const [name, param] of namedParametersOf(strategy.model)) {
      const omega = this.trajectory.get(name);
      const start = this.start.get(name);
      if (!omega || !start) continue;
      const importance = tf.tidy(() => {
        const moved = tf.sub(param, padTo(start, param.shape, 'SynapticIntelligencePlugin'));
        const added = tf.relu(tf.div(omega, tf.add(tf.square(moved), this.eps)));
        const previous = this.penalty.importance.get(name);
        // Kept >= 0: a negative importance would reward moving away.
        return tf.relu(previous ? tf.add(padTo(previous, param.shape, 'SynapticIntelligencePlugin'), added) : added);
      });
      this.penalty.set(name, importance, tf.clone(param));
    }
    this.trained += 1;
  }

  /** Frees the importances, anchors and path integrals. */
  dispose(): void {
    this.penalty.dispose();
    tf.dispose([...this.trajectory.values(), ...this.start.values(), ...this.beforeStep.values()]);
    this.trajectory.clear();
    this.start.clear();
    this.beforeStep.clear();
  }
}
