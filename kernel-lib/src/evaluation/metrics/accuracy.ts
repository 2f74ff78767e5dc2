/** Top-1 accuracy, per task label, as Avalanche's `accuracy_metrics`. */
import * as tf from '@tensorflow/tfjs';
import type { BaseStrategy } from '../../training/template';
import { checkKnownOptions } from '../../utils/validate';
import { PluginMetric, TaskAccumulator } from '../pluginMetric';
import { TaskSums, distinctValues, hostTaskLabels } from '../taskSums';

/** Accumulates correct predictions per task label, on the device. */
export class AccuracyAccumulator implements TaskAccumulator {
  private readonly correct = new TaskSums();

  update(strategy: BaseStrategy): void {
    const batch = strategy.mbatch!;
    const tasks = hostTaskLabels(batch);
    const distinct = distinctValues(tasks);
    tf.tidy(() => {
      const hits = tf.cast(tf.equal(tf.argMax(strategy.mbOutput!, 1), tf.cast(batch[1], 'int32')), 'float32');
      if (distinct.length === 1) {
        this.correct.add(distinct[0], tf.sum(hits) as tf.Scalar, tasks.length);
        return;
      }
      for (const task of distinct) {
        let count = 0;
        for (let i = 0; i < tasks.length; i++) if (tasks[i] === task) count++;
        const mask = tf.cast(tf.equal(batch[2], task), 'float32');
        this.correct.add(task, tf.sum(tf.mul(hits, mask)) as tf.Scalar, count);
      }
    });
  }

  result(): Map<number, number> {
    return this.correct.means();
  }

  reset(): void {
    this.correct.reset();
  }
}

/** Which accuracies to emit (Avalanche's `accuracy_metrics` flags). */
export interface AccuracyMetricsOptions {
  /** Accuracy of each training mini-batch (`Top1_Acc_MB`). */
  minibatch?: boolean;
  /** Accuracy over each training epoch (`Top1_Acc_Epoch`). */
  epoch?: boolean;
  /** Running accuracy within the epoch, after each iteration (`Top1_RunningAcc_Epoch`). */
  epochRunning?: boolean;
  /** Accuracy on each evaluated experience (`Top1_Acc_Exp`). */
  experience?: boolean;
  /** Accuracy on each evaluated stream (`Top1_Acc_Stream`). */
  stream?: boolean;
}

/** The accuracy metrics selected by the flags. */
export function accuracyMetrics(options: AccuracyMetricsOptions = {}): PluginMetric[] {
  checkKnownOptions('accuracyMetrics', options, ['minibatch', 'epoch', 'epochRunning', 'experience', 'stream']);
  const metrics: PluginMetric[] = [];
  const make = (name: string, mode: 'train' | 'eval', resetAt: PluginMetric['resetAt'], emitAt: PluginMetric['emitAt']) =>
    metrics.push(new PluginMetric({ name, mode, resetAt, emitAt }, new AccuracyAccumulator()));
  if (options.minibatch) make('Top1_Acc_MB', 'train', 'iteration', 'iteration');
  if (options.epoch) make('Top1_Acc_Epoch', 'train', 'epoch', 'epoch');
  if (options.epochRunning) make('Top1_RunningAcc_Epoch', 'train', 'epoch', 'iteration');
  if (options.experience) make('Top1_Acc_Exp', 'eval', 'experience', 'experience');
  if (options.stream) make('Top1_Acc_Stream', 'eval', 'stream', 'stream');
  return metrics;
}
