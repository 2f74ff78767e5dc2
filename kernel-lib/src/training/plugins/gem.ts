/**
 * Gradient Episodic Memory (Lopez-Paz & Ranzato 2017), as Avalanche's `GEMPlugin`: a memory of
 * `patternsPerExp` samples of each past experience; at each step the gradient `g` is replaced by
 * the closest gradient that does not increase the loss on any memory (`G g̃ >= 0`, one row of `G`
 * per past experience), when `g` violates a constraint. The quadratic program is solved in its dual,
 * as Avalanche does, by the npm `quadprog` package (Goldfarb-Idnani): min ½ vᵀ(G Gᵀ)v + (G g)ᵀv
 * subject to v >= memoryStrength, then g̃ = Gᵀ v + g. The k x k system (k past experiences) is read
 * from the device once per step: the one per-step read the library makes, since the solver runs on
 * the host.
 */
import * as tf from '@tensorflow/tfjs-core';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const quadprog: { solveQP: (D: number[][], d: number[], A: number[][], b: number[], meq?: number) => { solution: number[]; message: string } } = require('quadprog');
import { ClassificationDataset } from '../../data/dataset';
import { Random, makeRandom } from '../../utils/random';
import { checkInteger, checkKnownOptions, checkPositive } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { criterionGradients, sampleMemory } from './gradientProjection';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `GEMPlugin` (Avalanche's names, in camelCase). */
export interface GEMPluginOptions {
  /** Samples kept from each experience. */
  patternsPerExp: number;
  /** Margin of the constraints (the dual's lower bound, default 0.5, as Avalanche). */
  memoryStrength?: number;
  /** Seed of the memory samples (default: from the global generator). */
  seed?: number | null;
}

/**
 * The dual of GEM's projection: `v = argmin ½ vᵀ P v + qᵀ v` subject to `v >= margin`, with
 * `P = G Gᵀ` (symmetrised, plus 1e-3 on the diagonal, as Avalanche) and `q = G g`. Returns v.
 */
export function solveGEMDual(P: number[][], q: number[], margin: number): number[] {
  const k = q.length;
  // quadprog: min -dᵀb + ½ bᵀDb subject to Aᵀb >= b0, 1-based arrays (it overwrites D and d).
  const D: number[][] = [[]];
  const d: number[] = [0];
  const A: number[][] = [[]];
  const b0: number[] = [0];
  for (let i = 1; i <= k; i++) {
    D[i] = [0];
    A[i] = [0];
    for (let j = 1; j <= k; j++) {
      D[i][j] = 0.5 * (P[i - 1][j - 1] + P[j - 1][i - 1]) + (i === j ? 1e-3 : 0);
      A[i][j] = i === j ? 1 : 0;
    }
    d[i] = -q[i - 1];
    b0[i] = margin;
  }
  const result = quadprog.solveQP(D, d, A, b0);
  if (result.message) throw new Error(`GEM: the quadratic program failed (${result.message})`);
  return result.solution.slice(1);
}

/** GEM as a plugin. */
export class GEMPlugin extends StrategyPlugin {
  readonly patternsPerExp: number;
  readonly memoryStrength: number;
  /** The memory of each past experience. */
  readonly memories: ClassificationDataset[] = [];
  /** Steps whose gradient was projected, and steps seen with a memory (for inspection). */
  projectedSteps = 0;
  checkedSteps = 0;
  private readonly random: Random;
  /** The gradient on each memory at the current step, by variable name (the rows of G). */
  private rows: tf.NamedTensorMap[] = [];

  constructor(options: GEMPluginOptions) {
    super();
    checkKnownOptions('GEMPlugin', options, ['patternsPerExp', 'memoryStrength', 'seed']);
    this.patternsPerExp = checkInteger('patternsPerExp', options?.patternsPerExp, 1);
    this.memoryStrength = checkPositive('memoryStrength', options.memoryStrength ?? 0.5, true);
    this.random = makeRandom(options.seed);
  }

  override beforeTrainingIteration(strategy: BaseStrategy): void {
    this.release();
    this.rows = this.memories.map((m) => criterionGradients(strategy, m, Int32Array.from({ length: m.length }, (_, i) => i), 0, m.length, this.random));
  }

  override async afterBackward(strategy: BaseStrategy): Promise<void> {
    const rows = this.rows;
    if (rows.length === 0) return;
    const grads = strategy.grads!;
    const k = rows.length;
    // G g and G Gᵀ as sums of per-variable dot products (a variable without a gradient counts as zeros).
    const dotOf = (a: tf.NamedTensorMap, b: tf.NamedTensorMap) => {
      const parts = Object.keys(a).filter((n) => b[n]).map((n) => tf.sum(tf.mul(a[n], b[n])));
      return parts.length ? tf.addN(parts) : tf.scalar(0);
    };
    const packed = tf.tidy(() => {
      const entries: tf.Tensor[] = rows.map((r) => dotOf(r, grads));
      for (let i = 0; i < k; i++) for (let j = i; j < k; j++) entries.push(dotOf(rows[i], rows[j]));
      return tf.stack(entries);
    });
    const values = (await packed.data()) as Float32Array;
    packed.dispose();
    this.checkedSteps += 1;
    const q = Array.from(values.subarray(0, k));
    if (!q.some((v) => v < 0)) return this.release();
    this.projectedSteps += 1;
    const P = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let at = k;
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++) P[i][j] = P[j][i] = values[at++];
    const v = solveGEMDual(P, q, this.memoryStrength);
    for (const name of Object.keys(grads)) {
      grads[name] = tf.tidy(() => tf.addN([grads[name], ...rows.map((r, i) => (r[name] ? tf.mul(r[name], v[i]) : null)).filter((t): t is tf.Tensor => t !== null)]));
    }
    this.release();
  }

  override afterTrainingExp(strategy: BaseStrategy): void {
    this.memories.push(sampleMemory(strategy.experience!.dataset, this.patternsPerExp, this.random));
  }

  /** Frees the pending memory gradients. */
  dispose(): void {
    this.release();
  }

  private release(): void {
    for (const r of this.rows) tf.dispose(r);
    this.rows = [];
  }
}
