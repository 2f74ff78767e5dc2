/**
 * `EarlyStoppingPlugin`, as Avalanche's: watches a metric of a validation stream evaluated during
 * training (the strategy's `evalEvery` and `train(exp, { evalStreams })`), keeps the best weights,
 * and when `patience` epochs pass without improvement restores them and stops training on the
 * experience. Avalanche 0.1 looks the metric up under a name without the task suffix
 * (`Top1_Acc_Stream/eval_phase/test_stream`, which never exists); here the name may be given whole
 * or as that prefix, which must then match one metric.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkKnownOptions, checkOneOf } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `EarlyStoppingPlugin` (Avalanche's names, in camelCase). */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Name of the validation stream (e.g. 'test' or 'test_stream'). */
  valStreamName: string;
  /** Metric watched (default 'Top1_Acc_Stream'). */
  metricName?: string;
  /** 'max' (default) or 'min'. */
  mode?: 'max' | 'min';
}

/** Early stopping on a validation metric, restoring the best weights. */
export class EarlyStoppingPlugin extends StrategyPlugin {
  readonly patience: number;
  readonly metricKey: string;
  readonly mode: 'max' | 'min';
  /** Best value so far, and the epoch (of the experience) it was reached at. */
  bestVal: number | null = null;
  bestEpoch: number | null = null;
  private bestState: Record<string, tf.Tensor> | null = null;

  constructor(options: EarlyStoppingOptions) {
    super();
    checkKnownOptions('EarlyStoppingPlugin', options, ['patience', 'valStreamName', 'metricName', 'mode']);
    this.patience = checkInteger('patience', options?.patience, 1);
    if (typeof options.valStreamName !== 'string' || options.valStreamName === '') throw new Error("valStreamName must be a stream name such as 'test'");
    const stream = options.valStreamName.endsWith('_stream') ? options.valStreamName : `${options.valStreamName}_stream`;
    this.metricKey = `${options.metricName ?? 'Top1_Acc_Stream'}/eval_phase/${stream}`;
    this.mode = checkOneOf('mode', options.mode ?? 'max', ['max', 'min'] as const);
  }

  override beforeTraining(strategy: BaseStrategy): void {
    if (strategy.evalEvery < 0) throw new Error('EarlyStoppingPlugin needs a validation metric during training: set the strategy option evalEvery (e.g. 1) and pass train(exp, { evalStreams: [valStream] })');
    if (typeof (strategy.model as { stateDict?: unknown }).stateDict !== 'function') throw new Error('EarlyStoppingPlugin: the model must have stateDict() and loadStateDict() (the library\'s models do)');
  }

  override beforeTrainingExp(): void {
    this.forget();
  }

  override beforeTrainingEpoch(strategy: BaseStrategy): void {
    this.updateBest(strategy);
    if (this.bestEpoch !== null && strategy.clock.trainExpEpochs - this.bestEpoch >= this.patience) {
      (strategy.model as unknown as { loadStateDict(s: Record<string, tf.Tensor>): void }).loadStateDict(this.bestState!);
      strategy.stopTraining = true;
    }
  }

  /** Frees the saved weights. */
  dispose(): void {
    this.forget();
  }

  private updateBest(strategy: BaseStrategy): void {
    const value = this.currentValue(strategy);
    if (value === null) return;
    const better = this.bestVal === null || (this.mode === 'max' ? value > this.bestVal : value < this.bestVal);
    if (!better) return;
    this.forget();
    this.bestState = (strategy.model as unknown as { stateDict(): Record<string, tf.Tensor> }).stateDict();
    this.bestVal = value;
    this.bestEpoch = strategy.clock.trainExpEpochs;
  }

  private currentValue(strategy: BaseStrategy): number | null {
    const metrics = strategy.evaluator.getLastMetrics();
    if (typeof metrics[this.metricKey] === 'number') return metrics[this.metricKey] as number;
    const matches = Object.keys(metrics).filter((k) => k.startsWith(`${this.metricKey}/`) && typeof metrics[k] === 'number');
    if (matches.length > 1) throw new Error(`EarlyStoppingPlugin: '${this.metricKey}' matches several metrics (${matches.join(', ')}); give the full name as metricName`);
    return matches.length ? (metrics[matches[0]] as number) : null;
  }

  private forget(): void {
    if (this.bestState) tf.dispose(Object.values(this.bestState));
    this.bestState = null;
    this.bestVal = null;
    this.bestEpoch = null;
  }
}
