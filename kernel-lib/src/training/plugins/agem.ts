/**
 * Averaged GEM (Chaudhry et al. 2019), as Avalanche's `AGEMPlugin`: a memory of
 * `patternsPerExp` samples of each past experience; at each step the gradient `g` is projected
 * when it points against the memory's average gradient `r`:
 * `g ← g - (min(g·r, 0) / r·r) r`. Branch-free, so no device read per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassificationDataset } from '../../data/dataset';
import { Random, makeRandom } from '../../utils/random';
import { checkInteger, checkKnownOptions } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { criterionGradients, sampleMemory } from './gradientProjection';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `AGEMPlugin` (Avalanche's names, in camelCase). */
export interface AGEMPluginOptions {
  /** Samples kept from each experience. */
  patternsPerExp: number;
  /** Memory samples per reference gradient (default 64). */
  sampleSize?: number;
  /** Seed of the memory and of the reference batches (default: from the global generator). */
  seed?: number | null;
}

/**
 * A-GEM's projection of the gradients `g` against the reference `r` (both by variable name, read as
 * one vector over all variables): `g - (min(g·r, 0) / r·r) r`, computed variable by variable (no
 * copy into one long vector and back). Returns new tensors for the variables of `g` that `r` has.
 */
export function agemProject(g: tf.NamedTensorMap, r: tf.NamedTensorMap): tf.NamedTensorMap {
  const names = Object.keys(g).filter((n) => r[n]);
  return tf.tidy(() => {
    const dot = tf.addN(names.map((n) => tf.sum(tf.mul(g[n], r[n]))));
    const norm = tf.addN(Object.values(r).map((t) => tf.sum(tf.square(t))));
    const alpha = tf.div(tf.minimum(dot, 0), tf.add(norm, 1e-12));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.sub(g[n], tf.mul(r[n], alpha));
    return out;
  });
}

/** A-GEM as a plugin. */
export class AGEMPlugin extends StrategyPlugin {
  readonly patternsPerExp: number;
  readonly sampleSize: number;
  /** The memory of each past experience. */
  readonly memories: ClassificationDataset[] = [];
  private readonly random: Random;
  /** The reference gradient of the current step, by variable name. */
  private reference: tf.NamedTensorMap | null = null;
  private all: ClassificationDataset | null = null;

  constructor(options: AGEMPluginOptions) {
    super();
    checkKnownOptions('AGEMPlugin', options, ['patternsPerExp', 'sampleSize', 'seed']);
    this.patternsPerExp = checkInteger('patternsPerExp', options?.patternsPerExp, 1);
    this.sampleSize = checkInteger('sampleSize', options.sampleSize ?? 64, 1);
    this.random = makeRandom(options.seed);
  }

  private warnedMomentum = false;

  /** Warns once when the optimizer keeps momentum: the step is then not the projected gradient. */
  override beforeTraining(strategy: BaseStrategy): void {
    const momentum = (strategy.optimizer as { momentum?: unknown }).momentum;
    if (this.warnedMomentum || !(typeof momentum === 'number' && momentum > 0)) return;
    this.warnedMomentum = true;
    console.warn(`A-GEM: the optimizer has momentum ${momentum}; A-GEM projects the gradient, but the step then applies a running sum of past gradients that is never checked against the memory (class-incremental SplitMNIST: 0.22 with momentum 0.9, 0.71 without). Use SGD without momentum.`);
  }

  override beforeTrainingIteration(strategy: BaseStrategy): void {
    if (!this.all) return;
    const order = this.random.permutation(this.all.length);
    if (this.reference) tf.dispose(this.reference);
    this.reference = criterionGradients(strategy, this.all, order, 0, Math.min(this.sampleSize, this.all.length), this.random);
  }

  override afterBackward(strategy: BaseStrategy): void {
    const reference = this.reference;
    if (!reference) return;
    this.reference = null;
    Object.assign(strategy.grads!, agemProject(strategy.grads!, reference));
    tf.dispose(reference);
  }

  override afterTrainingExp(strategy: BaseStrategy): void {
    this.memories.push(sampleMemory(strategy.experience!.dataset, this.patternsPerExp, this.random));
    this.all = ClassificationDataset.concat(this.memories);
  }

  /** Frees the pending reference gradient. */
  dispose(): void {
    if (this.reference) tf.dispose(this.reference);
    this.reference = null;
  }
}
