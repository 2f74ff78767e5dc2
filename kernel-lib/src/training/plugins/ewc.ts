/**
 * Elastic Weight Consolidation, as Avalanche's `EWCPlugin` (Kirkpatrick et al. 2017): after each
 * experience the importance of every parameter is the mean over mini-batches of its squared
 * gradient (the empirical Fisher diagonal) on that experience's data; while training later
 * experiences the loss gets `ewcLambda * sum Ω (θ - θ*)²`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkOneOf, checkPositive } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { QuadraticPenalty, gradientImportance, padTo, snapshotParameters } from './regularization';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `EWCPlugin` (Avalanche's names, in camelCase). */
export interface EWCPluginOptions {
  /** Weight of the penalty in the loss (required). */
  ewcLambda: number;
  /** 'separate' (default): a penalty per previous experience; 'online': one, its importances decayed and summed. */
  mode?: 'separate' | 'online';
  /** Online mode only (and required there): the decay of the previous importances. */
  decayFactor?: number | null;
  /** Keep every experience's importances and parameters in `savedData` (default false: the last only; the penalty never needs them). */
  keepImportanceData?: boolean;
}

/** What EWC remembers of one experience. */
export interface EWCExperienceData {
  /** Parameter name → importance (the empirical Fisher diagonal, or the decayed sum in online mode). */
  importances: Map<string, tf.Tensor>;
  /** Parameter name → value at the end of the experience. */
  params: Map<string, tf.Tensor>;
}

/**
 * EWC as a plugin: `new Naive(model, opt, crit, { plugins: [new EWCPlugin({ ewcLambda: 1000 })] })`.
 * In separate mode the per-experience penalties `sum_k Ω_k (θ - θ_k)²` are kept folded into one
 * quadratic with the same value and gradient (`A (θ - m)² + c`, with `A = sum Ω_k`,
 * `m = sum Ω_k θ_k / A`, `c = sum Ω_k θ_k² - (sum Ω_k θ_k)² / A`): a step costs the same however
 * many experiences came before, and memory does not grow with them. Avalanche keeps every
 * experience's importances for that (its `keepImportanceData` is forced on in separate mode); here
 * `keepImportanceData` only chooses whether `savedData` holds every experience or the last.
 */
export class EWCPlugin extends StrategyPlugin {
  readonly ewcLambda: number;
  readonly mode: 'separate' | 'online';
  readonly decayFactor: number | null;
  readonly keepImportanceData: boolean;
  /** Experience index → its importances (decayed sum in online mode) and parameters: every experience when `keepImportanceData`, else the last. */
  readonly savedData = new Map<number, EWCExperienceData>();
  /** The penalty applied (importance and anchor per parameter). */
  readonly penalty = new QuadraticPenalty();
  /** Separate mode: per parameter, the running sums `sum Ω_k` and `sum Ω_k θ_k` and `sum Ω_k θ_k²`. */
  private readonly sums = new Map<string, [tf.Tensor, tf.Tensor, tf.Tensor]>();
  private trained = 0;

  constructor(options: EWCPluginOptions) {
    super();
    checkKnownOptions('EWCPlugin', options, ['ewcLambda', 'mode', 'decayFactor', 'keepImportanceData']);
    this.ewcLambda = checkPositive('ewcLambda', options?.ewcLambda, true);
    this.mode = checkOneOf('mode', options.mode ?? 'separate', ['separate', 'online'] as const);
    const decay = options.decayFactor ?? null;
    if (this.mode === 'online' && decay === null) throw new Error("EWCPlugin: decayFactor is required in mode 'online' (e.g. 0.9)");
    if (this.mode === 'separate' && decay !== null) throw new Error("EWCPlugin: decayFactor is used only in mode 'online'");
    this.decayFactor = decay === null ? null : checkPositive('decayFactor', decay, true);
    this.keepImportanceData = options.keepImportanceData ?? false;
  }

  override beforeBackward(strategy: BaseStrategy): void {
    if (this.penalty.empty || this.ewcLambda === 0) return;
    strategy.loss = tf.add(strategy.loss!, tf.mul(this.penalty.term(strategy.model, 'EWCPlugin'), this.ewcLambda)) as tf.Scalar;
  }

  override async afterTrainingExp(strategy: BaseStrategy): Promise<void> {
    const importances = await computeEWCImportances(strategy);
    const params = snapshotParameters(strategy.model);
    const exp = this.trained++;
    const previous = this.savedData.get(exp - 1);
    if (this.mode === 'online' && previous) {
      for (const [name, imp] of importances) {
        const old = previous.importances.get(name);
        if (!old) continue;
        importances.set(name, tf.keep(tf.tidy(() => tf.add(tf.mul(padTo(old, imp.shape, 'EWCPlugin'), this.decayFactor!), imp))));
        imp.dispose();
      }
    }
    if (this.mode === 'online') {
      for (const [name, imp] of importances) this.penalty.set(name, tf.clone(imp), tf.clone(params.get(name)!));
    } else {
      for (const [name, imp] of importances) this.fold(name, imp, params.get(name)!);
    }
    this.savedData.set(exp, { importances, params });
    if (!this.keepImportanceData && previous) {
      tf.dispose([...previous.importances.values(), ...previous.params.values()]);
      this.savedData.delete(exp - 1);
    }
  }

  /** Frees the saved importances, parameters and penalty. */
  dispose(): void {
    for (const d of this.savedData.values()) tf.dispose([...d.importances.values(), ...d.params.values()]);
    this.savedData.clear();
    for (const sums of this.sums.values()) tf.dispose(sums);
    this.sums.clear();
    this.penalty.dispose();
  }

  /** Separate mode: adds one experience's `Ω (θ - θ_k)²` to parameter `name`'s folded penalty. */
  private fold(name: string, omega: tf.Tensor, theta: tf.Tensor): void {
    const old = this.sums.get(name);
    const next = tf.tidy(() => {
      const grow = (t: tf.Tensor) => padTo(t, omega.shape, 'EWCPlugin');
      const add = (i: number, t: tf.Tensor) => (old ? tf.add(grow(old[i]), t) : t);
      return [add(0, omega), add(1, tf.mul(omega, theta)), add(2, tf.mul(omega, tf.square(theta)))].map((t) => tf.keep(t)) as [tf.Tensor, tf.Tensor, tf.Tensor];
    });
    if (old) tf.dispose(old);
    this.sums.set(name, next);
    const [a, b, c] = next;
    const { m, constant } = tf.tidy(() => {
      const positive = tf.greater(a, 0);
      const safeA = tf.maximum(a, 1e-30);
      return {
        m: tf.where(positive, tf.div(b, safeA), tf.zerosLike(a)),
        constant: tf.sum(tf.where(positive, tf.sub(c, tf.div(tf.square(b), safeA)), tf.zerosLike(a))) as tf.Scalar,
      };
    });
    this.penalty.set(name, tf.clone(a), m, this.trained > 1 ? constant : undefined);
    if (this.trained <= 1) constant.dispose();
  }
}

/** EWC's importances on the current experience: mean over mini-batches of squared criterion gradients, model in eval mode (as Avalanche). */
export function computeEWCImportances(strategy: BaseStrategy): Promise<Map<string, tf.Tensor>> {
  const criterion = strategy.criterionFn;
  const loss = (out: tf.Tensor, y: tf.Tensor) => (typeof criterion === 'function' ? criterion(out, y) : criterion.forward(out, y));
  return gradientImportance(strategy, { loss, transform: (g) => tf.square(g), train: false });
}
