/**
 * iCaRL (Rebuffi et al. 2017), as Avalanche's `ICaRL`: exemplars per class chosen by herding on
 * the model's features (`memorySize` in all with `fixedMemory`, else per class), replayed with the
 * current data; a loss of binary cross-entropy on sigmoid outputs whose targets for the classes
 * seen before are the previous model's outputs (distillation); and, for evaluation, the
 * nearest-mean-of-exemplars classifier on L2-normalised features.
 *
 * Differences from Avalanche 0.1, which we follow otherwise: herding runs on the raw features
 * (`HerdingSelectionStrategy`; Avalanche's normalises them first); with `fixedMemory` each class
 * keeps `floor(memorySize / classes)` exemplars, never more than `memorySize` in all (Avalanche
 * rounds up); and no horizontal-flip augmentation enters the class means (the samples here are flat
 * images).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassificationDataset } from '../../data/dataset';
import type { CLModel } from '../../models/model';
import { HerdingClassBuffer } from '../../storage/herdingClassBuffer';
import { checkKnownOptions } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { cloneModel, evalOverDataset } from './regularization';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `ICaRLPlugin` (Avalanche's names, in camelCase). */
export interface ICaRLPluginOptions {
  /** Exemplars kept: in all (`fixedMemory`, default), or per class. Default 2000, as the paper. */
  memorySize?: number;
  /** `memorySize` is shared by the classes seen so far (default true); false keeps `memorySize` per class. */
  fixedMemory?: boolean;
}

/** Binary cross-entropy of sigmoid(logits) against `targets` in [0, 1], averaged over every entry (PyTorch's BCELoss). */
export function icarlBCE(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    // log sigmoid(z) = -softplus(-z), log(1 - sigmoid(z)) = -softplus(z): stable for large |z|.
    const pos = tf.mul(targets, tf.softplus(tf.neg(logits)));
    const neg = tf.mul(tf.sub(1, targets), tf.softplus(logits));
    return tf.mean(tf.add(pos, neg)) as tf.Scalar;
  });
}

/** The features of every sample of `data` (eval mode), L2-normalised, as rows of one flat array. */
function normalisedFeatures(model: CLModel, data: ClassificationDataset, batchSize: number): Promise<{ values: Float32Array; width: number }> {
  return evalOverDataset(model, data, batchSize, (batch) => {
    const raw = tf.reshape(model.getFeatures!(batch[0]), [batch[0].shape[0], -1]);
    return tf.div(raw, tf.maximum(tf.norm(raw, 2, 1, true), 1e-12));
  });
}

/** iCaRL's exemplars, distillation and class means. The `ICaRL` strategy uses the means to classify. */
export class ICaRLPlugin extends StrategyPlugin {
  /** The exemplars, chosen by herding, class-balanced (`trackBuffer` and the buffer views work on it). */
  readonly storagePolicy: HerdingClassBuffer;
  /** Classes in the order they were seen. */
  readonly observedClasses: number[] = [];
  /** Class → the normalised mean of its exemplars' normalised features. */
  readonly classMeans = new Map<number, Float32Array>();
  /** The model of the end of the previous experience (the distillation's teacher). */
  oldModel: CLModel | null = null;
  private oldClasses: number[] = [];

  constructor(options: ICaRLPluginOptions = {}) {
    super();
    checkKnownOptions('ICaRLPlugin', options, ['memorySize', 'fixedMemory']);
    this.storagePolicy = new HerdingClassBuffer({ memorySize: options.memorySize ?? 2000, fixedMemory: options.fixedMemory ?? true });
  }

  /** Exemplars kept: in all (`fixedMemory`) or per class. */
  get memorySize(): number {
    return this.storagePolicy.memorySize;
  }

  get fixedMemory(): boolean {
    return this.storagePolicy.fixedMemory;
  }

  /** Class → its exemplars, in herding order (best first). */
  get exemplars(): ReadonlyMap<number, ClassificationDataset> {
    return this.storagePolicy.exemplars;
  }

  /** All exemplars as one data set (null before the first experience ends). */
  get memory(): ClassificationDataset | null {
    const buffer = this.storagePolicy.buffer;
    return buffer.length ? buffer : null;
  }

  override beforeTraining(strategy: BaseStrategy): void {
    if (typeof strategy.model.getFeatures !== 'function') throw new Error('ICaRL: the model must have getFeatures(x) (e.g. SimpleMLP)');
  }

  override afterTrainDatasetAdaptation(strategy: BaseStrategy): void {
    const memory = this.memory;
    if (memory) strategy.adaptedDataset = ClassificationDataset.concat([strategy.adaptedDataset!, memory]);
  }

  override beforeTrainingExp(strategy: BaseStrategy): void {
    for (const c of strategy.experience!.classesInThisExperience) if (!this.observedClasses.includes(c)) this.observedClasses.push(c);
  }

  /** The loss: BCE on sigmoid outputs, the old classes' targets taken from the previous model. */
  override beforeBackward(strategy: BaseStrategy): void {
    const out = strategy.mbOutput!;
    strategy.loss = tf.tidy(() => {
      let targets = tf.cast(tf.oneHot(strategy.mbY as tf.Tensor1D, out.shape[1] as number), 'float32');
      if (this.oldModel && this.oldClasses.length) {
        const old = tf.sigmoid(this.oldModel.forward(strategy.mbX));
        const mask = new Float32Array(out.shape[1] as number);
        for (const c of this.oldClasses) if (c < mask.length) mask[c] = 1;
        const m = tf.tensor1d(mask);
        targets = tf.add(tf.mul(targets, tf.sub(1, m)), tf.mul(old, m));
      }
      return icarlBCE(out, targets);
    });
  }

  override async afterTrainingExp(strategy: BaseStrategy): Promise<void> {
    const model = strategy.model;
    await this.storagePolicy.update(strategy);
    this.classMeans.clear();
    for (const [c, ex] of this.storagePolicy.exemplars) {
      if (ex.length === 0) continue;
      const { values, width: dim } = await normalisedFeatures(model, ex, strategy.evalMbSize);
      const m = new Float32Array(dim);
      for (let i = 0; i < ex.length; i++) for (let d = 0; d < dim; d++) m[d] += values[i * dim + d] / ex.length;
      const norm = Math.hypot(...m) || 1;
      this.classMeans.set(c, m.map((v) => v / norm));
    }
    this.oldModel?.dispose();
    this.oldModel = cloneModel(model, 'ICaRL');
    this.oldClasses = [...new Set([...this.oldClasses, ...strategy.experience!.dataset.targets])].sort((a, b) => a - b);
  }

  /**
   * The nearest-mean-of-exemplars classifier: for each sample, minus the distance from its
   * normalised features to each class mean (classes without a mean are at the origin), `[B, numOutputs]`.
   */
  nearestMeanScores(model: CLModel, x: tf.Tensor, numOutputs: number): tf.Tensor {
    return tf.tidy(() => {
      const raw = tf.reshape(model.getFeatures!(x), [x.shape[0], -1]);
      const f = tf.div(raw, tf.maximum(tf.norm(raw, 2, 1, true), 1e-12));
      const dim = f.shape[1] as number;
      const means = new Float32Array(dim * numOutputs);
      const sq = new Float32Array(numOutputs);
      for (const [c, m] of this.classMeans) {
        if (c >= numOutputs) continue;
        for (let d = 0; d < dim; d++) means[d * numOutputs + c] = m[d];
        sq[c] = 1;
      }
      // |f - m|² = |f|² + |m|² - 2 f·m, with |f| = 1.
      const d2 = tf.sub(tf.add(1, tf.tensor1d(sq)), tf.mul(tf.matMul(f, tf.tensor2d(means, [dim, numOutputs])), 2));
      return tf.neg(tf.sqrt(tf.relu(d2)));
    });
  }

  /** Frees the previous model. */
  dispose(): void {
    this.oldModel?.dispose();
    this.oldModel = null;
  }
}
