/** Ready-made strategies. */
import { defaultEvaluator } from '../evaluation/evaluationPlugin';
import { CLModel } from '../models/model';
import { BaseStrategy, CriterionLike, StrategyOptions } from './template';
import { Optimizer } from './optimizers';

/**
 * Naive fine-tuning, as Avalanche's `Naive`: trains on each experience in turn with no measure
 * against forgetting; the baseline every continual-learning strategy is compared with.
 * `new Naive(model, new SGD({ lr: 0.001, momentum: 0.9 }), new CrossEntropyLoss(), { trainMbSize: 500 })`.
 */
export class Naive extends BaseStrategy {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: StrategyOptions = {}) {
    super(model, optimizer, criterion, { ...options, evaluator: options.evaluator ?? defaultEvaluator() });
  }
}
