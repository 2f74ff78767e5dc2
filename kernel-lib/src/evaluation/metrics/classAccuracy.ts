/** Accuracy of each class, per task label, as Avalanche's `class_accuracy_metrics`. */
import * as tf from '@tensorflow/tfjs-core';
import type { BaseStrategy } from '../../training/template';
import { checkKnownOptions } from '../../utils/validate';
import { AccumulatorResult, GranularityOptions, PluginMetric, TaskAccumulator, checkSelected, selectMetrics } from '../pluginMetric';
import { batchHits, hostTargets, hostTaskLabels } from '../taskSums';

/** Per task: correct predictions per class (a device vector) and samples per class (host). */
export class ClassAccuracyAccumulator implements TaskAccumulator {
  private correct = new Map<number, tf.Tensor>();
  private counts = new Map<number, number[]>();

  update(strategy: BaseStrategy): void {
    const batch = strategy.mbatch!;
    const out = strategy.mbOutput!;
    const numClasses = out.shape[1] as number;
    const targets = hostTargets(batch);
    const tasks = hostTaskLabels(batch);
    const taskSet = [...new Set(tasks)];
    tf.tidy(() => {
      const hits = batchHits(strategy);
      const y = tf.cast(batch[1], 'int32') as tf.Tensor1D;
      const onehot = tf.oneHot(y, numClasses);
      for (const task of taskSet) {
        const weight = taskSet.length === 1 ? hits : tf.mul(hits, tf.cast(tf.equal(batch[2], task), 'float32'));
        const perClass = tf.sum(tf.mul(onehot, tf.expandDims(weight, 1)), 0);
        const prev = this.correct.get(task);
        this.correct.set(task, tf.keep(prev ? tf.add(prev, perClass) : perClass));
        prev?.dispose();
        const counts = this.counts.get(task) ?? new Array(numClasses).fill(0);
        for (let i = 0; i < targets.length; i++) if (tasks[i] === task) counts[targets[i]] += 1;
        this.counts.set(task, counts);
      }
    });
  }

  results(): AccumulatorResult[] {
    const out: AccumulatorResult[] = [];
    for (const task of [...this.correct.keys()].sort((a, b) => a - b)) {
      const counts = this.counts.get(task)!;
      const tensor = this.correct.get(task)!;
      counts.forEach((n, cls) => {
        if (n > 0) out.push({ task, suffix: `/${cls}`, tensor, finish: (data) => data[cls] / n });
      });
    }
    return out;
  }

  reset(): void {
    for (const t of this.correct.values()) t.dispose();
    this.correct.clear();
    this.counts.clear();
  }
}

const FLAGS = ['minibatch', 'epoch', 'epochRunning', 'experience', 'stream'] as const;

/**
 * Per-class accuracy metrics selected by the flags: `Top1_ClassAcc_Epoch/train_phase/train_stream/Task000/3`
 * is the accuracy on class 3 (classes with no sample in the window are not emitted).
 */
export function classAccuracyMetrics(options: GranularityOptions = {}): PluginMetric[] {
  checkKnownOptions('classAccuracyMetrics', options, FLAGS);
  const metrics = selectMetrics(
    'classAccuracyMetrics',
    options,
    FLAGS,
    { minibatch: 'Top1_ClassAcc_MB', epoch: 'Top1_ClassAcc_Epoch', epochRunning: 'Top1_RunningClassAcc_Epoch', experience: 'Top1_ClassAcc_Exp', stream: 'Top1_ClassAcc_Stream' },
    () => new ClassAccuracyAccumulator(),
  );
  checkSelected('classAccuracyMetrics', metrics, FLAGS);
  return metrics;
}
