/** Top-1 accuracy, per task label, as Avalanche's `accuracy_metrics`. */
import * as tf from '@tensorflow/tfjs-core';
import type { StrategyEvent } from '../../training/events';
import type { BaseStrategy } from '../../training/template';
import { checkKnownOptions } from '../../utils/validate';
import { MetricEmission, metricName } from '../metricValue';
import { AccumulatorResult, GranularityOptions, PluginMetric, TaskAccumulator, checkSelected, selectMetrics } from '../pluginMetric';
import { TaskSums, batchHitCount, batchHits, distinctValues, hostTaskLabels } from '../taskSums';

/** Accumulates correct predictions per task label, on the device. */
export class AccuracyAccumulator implements TaskAccumulator {
  private readonly correct = new TaskSums();

  update(strategy: BaseStrategy): void {
    const batch = strategy.mbatch!;
    const tasks = hostTaskLabels(batch);
    const distinct = distinctValues(tasks);
    tf.tidy(() => {
      // Inside tidy: the shared per-iteration tensors are kept; a fallback computed here is freed.
      if (distinct.length === 1) {
        this.correct.add(distinct[0], batchHitCount(strategy), 1, tasks.length);
        return;
      }
      const hits = batchHits(strategy);
      for (const task of distinct) {
        let count = 0;
        for (let i = 0; i < tasks.length; i++) if (tasks[i] === task) count++;
        const mask = tf.cast(tf.equal(batch[2], task), 'float32');
        this.correct.add(task, tf.sum(tf.mul(hits, mask)), 1, count);
      }
    });
  }

  results(): AccumulatorResult[] {
    return this.correct.pendingMeans();
  }

  reset(): void {
    this.correct.reset();
  }
}

/** Which accuracies to emit (Avalanche's `accuracy_metrics` flags). */
export interface AccuracyMetricsOptions extends GranularityOptions {
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
  /** Accuracy over the experiences trained so far, at the end of each evaluation (`Accuracy_On_Trained_Experiences`). */
  trainedExperience?: boolean;
}

const ACCURACY_FLAGS = ['minibatch', 'epoch', 'epochRunning', 'experience', 'stream', 'trainedExperience'] as const;

/**
 * Accuracy on the experiences trained so far (Avalanche's `TrainedExperienceAccuracy`): during an
 * evaluation, only the experiences whose index is at most the last trained one count.
 */
export class TrainedExperienceAccuracy extends PluginMetric {
  readonly name = 'Accuracy_On_Trained_Experiences';
  private readonly accuracy = new AccuracyAccumulator();
  private lastTrained = -1;

  override dispose(): void {
    this.accuracy.reset();
  }

  onEvent(event: StrategyEvent, strategy: BaseStrategy): MetricEmission[] {
    if (event === 'afterTrainingExp') this.lastTrained = strategy.experience!.currentExperience;
    else if (event === 'beforeEval') this.accuracy.reset();
    else if (event === 'afterEvalIteration' && strategy.experience!.currentExperience <= this.lastTrained) this.accuracy.update(strategy);
    else if (event === 'afterEval') {
      return this.accuracy.results().map((r) => ({ ...r, name: metricName(this.name, strategy, r.task, false), xPlot: strategy.clock.trainIterations }));
    }
    return [];
  }
}

/** The accuracy metrics selected by the flags. */
export function accuracyMetrics(options: AccuracyMetricsOptions = {}): PluginMetric[] {
  checkKnownOptions('accuracyMetrics', options, ACCURACY_FLAGS);
  const metrics: PluginMetric[] = selectMetrics(
    'accuracyMetrics',
    options,
    ['minibatch', 'epoch', 'epochRunning', 'experience', 'stream'],
    { minibatch: 'Top1_Acc_MB', epoch: 'Top1_Acc_Epoch', epochRunning: 'Top1_RunningAcc_Epoch', experience: 'Top1_Acc_Exp', stream: 'Top1_Acc_Stream' },
    () => new AccuracyAccumulator(),
  );
  if (options.trainedExperience) metrics.push(new TrainedExperienceAccuracy());
  checkSelected('accuracyMetrics', metrics, ACCURACY_FLAGS);
  return metrics;
}
