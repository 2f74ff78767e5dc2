/** Average loss, per task label, as Avalanche's `loss_metrics`. */
import * as tf from '@tensorflow/tfjs';
import type { BaseStrategy } from '../../training/template';
import { checkKnownOptions } from '../../utils/validate';
import { PluginMetric, TaskAccumulator } from '../pluginMetric';
import { TaskSums } from '../taskSums';

/**
 * Accumulates the mini-batch loss weighted by the batch size. As Avalanche, the loss is attributed
 * to the experience's task label (task 0 when the experience has several).
 */
export class LossAccumulator implements TaskAccumulator {
  private readonly sums = new TaskSums();

  update(strategy: BaseStrategy): void {
    const n = strategy.mbatch![0].shape[0];
    const labels = strategy.experience?.taskLabels ?? [0];
    const task = labels.length === 1 ? labels[0] : 0;
    tf.tidy(() => this.sums.add(task, tf.mul(strategy.loss!, n) as tf.Scalar, n));
  }

  result(): Map<number, number> {
    return this.sums.means();
  }

  reset(): void {
    this.sums.reset();
  }
}

/** Which losses to emit (Avalanche's `loss_metrics` flags). */
export interface LossMetricsOptions {
  minibatch?: boolean;
  epoch?: boolean;
  epochRunning?: boolean;
  experience?: boolean;
  stream?: boolean;
}

/** The loss metrics selected by the flags. */
export function lossMetrics(options: LossMetricsOptions = {}): PluginMetric[] {
  checkKnownOptions('lossMetrics', options, ['minibatch', 'epoch', 'epochRunning', 'experience', 'stream']);
  const metrics: PluginMetric[] = [];
  const make = (name: string, mode: 'train' | 'eval', resetAt: PluginMetric['resetAt'], emitAt: PluginMetric['emitAt']) =>
    metrics.push(new PluginMetric({ name, mode, resetAt, emitAt }, new LossAccumulator()));
  if (options.minibatch) make('Loss_MB', 'train', 'iteration', 'iteration');
  if (options.epoch) make('Loss_Epoch', 'train', 'epoch', 'epoch');
  if (options.epochRunning) make('RunningLoss_Epoch', 'train', 'epoch', 'iteration');
  if (options.experience) make('Loss_Exp', 'eval', 'experience', 'experience');
  if (options.stream) make('Loss_Stream', 'eval', 'stream', 'stream');
  return metrics;
}
