/** Average loss, per task label, as Avalanche's `loss_metrics`. */
import type { BaseStrategy } from '../../training/template';
import { checkKnownOptions } from '../../utils/validate';
import { experienceTask } from '../metricValue';
import { AccumulatorResult, GranularityOptions, PluginMetric, TaskAccumulator, checkSelected, selectMetrics } from '../pluginMetric';
import { TaskSums } from '../taskSums';

/**
 * Accumulates the mini-batch loss weighted by the batch size. As Avalanche, the loss is attributed
 * to the experience's task label (task 0 when the experience has several).
 */
export class LossAccumulator implements TaskAccumulator {
  private readonly sums = new TaskSums();

  update(strategy: BaseStrategy): void {
    const n = strategy.mbatch![0].shape[0];
    this.sums.add(experienceTask(strategy), strategy.loss!, n, n);
  }

  results(): AccumulatorResult[] {
    return this.sums.pendingMeans();
  }

  reset(): void {
    this.sums.reset();
  }
}

/** Which losses to emit (Avalanche's `loss_metrics` flags): `Loss_MB`, `Loss_Epoch`, `RunningLoss_Epoch`, `Loss_Exp`, `Loss_Stream`. */
export type LossMetricsOptions = GranularityOptions;

const FLAGS = ['minibatch', 'epoch', 'epochRunning', 'experience', 'stream'] as const;

/** The loss metrics selected by the flags. */
export function lossMetrics(options: LossMetricsOptions = {}): PluginMetric[] {
  checkKnownOptions('lossMetrics', options, FLAGS);
  const metrics = selectMetrics(
    'lossMetrics',
    options,
    FLAGS,
    { minibatch: 'Loss_MB', epoch: 'Loss_Epoch', epochRunning: 'RunningLoss_Epoch', experience: 'Loss_Exp', stream: 'Loss_Stream' },
    () => new LossAccumulator(),
  );
  checkSelected('lossMetrics', metrics, FLAGS);
  return metrics;
}
