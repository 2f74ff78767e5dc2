/**
 * What the gradient-projection strategies (GEM, A-GEM) share: per-experience memories of random
 * samples, and the gradient of the criterion on a memory batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassificationDataset } from '../../data/dataset';
import { gatherMiniBatch, disposeMiniBatch } from '../../loaders/miniBatch';
import { Random } from '../../utils/random';
import type { BaseStrategy } from '../template';

/** `patterns` random samples of the experience's data (all of them when fewer). */
export function sampleMemory(data: ClassificationDataset, patterns: number, random: Random): ClassificationDataset {
  const order = random.permutation(data.length);
  return data.subset(order.slice(0, Math.min(patterns, data.length)));
}

/**
 * The criterion's gradient on rows `[start, end)` of `order` in `data`, by variable name (the
 * caller owns it); `random` drives the data's random transforms.
 */
export function criterionGradients(strategy: BaseStrategy, data: ClassificationDataset, order: ArrayLike<number>, start: number, end: number, random?: Random): tf.NamedTensorMap {
  const batch = gatherMiniBatch(data, order, start, end, random);
  try {
    const criterion = strategy.criterionFn;
    const { value, grads } = tf.variableGrads(() => {
      const out = strategy.model.forward(batch[0], batch.taskLabelsHost ?? batch[2]);
      return typeof criterion === 'function' ? criterion(out, batch[1]) : criterion.forward(out, batch[1]);
    }, strategy.model.trainableVariables);
    value.dispose();
    return grads;
  } finally {
    disposeMiniBatch(batch);
  }
}
