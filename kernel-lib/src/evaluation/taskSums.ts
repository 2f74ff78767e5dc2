/**
 * Running sums kept on the device, per task label. Adding a batch's value costs no device work: the
 * value (a single-value tensor, e.g. the batch's loss or its count of right predictions) is kept by
 * reference, and every few batches the kept values are summed in one fused kernel. The sums are read
 * when a metric is emitted, together with the other metrics' values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WEIGHTED_SUM_MAX, predictionHitCount, predictionHits, weightedSum } from '../ops/fusedOps';

/** A per-task result still on the device. */
export interface PendingTaskResult {
  task: number;
  tensor: tf.Tensor;
  finish: (data: Float32Array) => number;
}

/** One task's values not yet summed (with their weights), and the count they stand for. */
interface TaskEntry {
  parts: tf.Tensor[];
  weights: number[];
  count: number;
}

/** Per-task running sums of weighted single-value tensors, with host-side counts. */
export class TaskSums {
  private entries = new Map<number, TaskEntry>();

  /**
   * Adds `weight * x` (x: a single-value tensor, not disposed here) with weight `count` to task
   * `task`. The sum is formed lazily: one fused kernel per few batches on webgpu, none per batch.
   */
  add(task: number, x: tf.Tensor, weight: number, count: number): void {
    if (x.size !== 1) throw new Error(`TaskSums.add: x must hold one value, got shape [${x.shape}]`);
    let entry = this.entries.get(task);
    if (!entry) {
      entry = { parts: [], weights: [], count: 0 };
      this.entries.set(task, entry);
    }
    entry.parts.push(tf.keep(tf.clone(x))); // shares x's data: no copy
    entry.weights.push(weight);
    entry.count += count;
    if (entry.parts.length >= WEIGHTED_SUM_MAX) this.compact(entry);
  }

  /** The tasks seen, ascending. */
  get tasks(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  /** Sum / count of each task, still on the device. */
  pendingMeans(): PendingTaskResult[] {
    return this.tasks.map((task) => {
      const entry = this.entries.get(task)!;
      if (entry.parts.length > 1) this.compact(entry);
      const { count } = entry;
      const weight = entry.weights[0];
      return { task, tensor: entry.parts[0], finish: (data: Float32Array) => (data[0] * weight) / count };
    });
  }

  /** Forgets everything and frees the tensors. */
  reset(): void {
    for (const entry of this.entries.values()) tf.dispose(entry.parts);
    this.entries.clear();
  }

  /** Replaces the kept values of `entry` by their weighted sum. */
  private compact(entry: TaskEntry): void {
    const sum = tf.keep(weightedSum(entry.parts, entry.weights));
    tf.dispose(entry.parts);
    entry.parts = [sum];
    entry.weights = [1];
  }
}

/**
 * 1 where the current mini-batch's top-1 prediction is right, else 0 (float32 `[B]`), computed once per
 * iteration for every metric that needs it (a strategy's `iterationTensor`). Call it inside `tf.tidy`:
 * for an object without `iterationTensor` it is computed afresh and the tidy frees it.
 */
export function batchHits(strategy: { mbOutput: tf.Tensor | null; mbatch: { 1: tf.Tensor } | null; iterationTensor?: (key: string, compute: () => tf.Tensor) => tf.Tensor }): tf.Tensor {
  const compute = () => predictionHits(strategy.mbOutput! as tf.Tensor2D, strategy.mbatch![1]);
  return strategy.iterationTensor ? strategy.iterationTensor('hits', compute) : compute();
}

/** The number of right top-1 predictions in the current mini-batch (a scalar), shared like `batchHits`. */
export function batchHitCount(strategy: Parameters<typeof batchHits>[0]): tf.Tensor {
  const compute = () => predictionHitCount(strategy.mbOutput! as tf.Tensor2D, strategy.mbatch![1]);
  return strategy.iterationTensor ? strategy.iterationTensor('hitCount', compute) : compute();
}

/** Host task labels of the current mini-batch (read from the device only if the loader gave none). */
export function hostTaskLabels(batch: { taskLabelsHost?: Int32Array; 2: tf.Tensor }): Int32Array {
  return batch.taskLabelsHost ?? Int32Array.from(batch[2].dataSync());
}

/** Host targets of the current mini-batch (read from the device only if the loader gave none). */
export function hostTargets(batch: { targetsHost?: Int32Array; 1: tf.Tensor }): Int32Array {
  return batch.targetsHost ?? Int32Array.from(batch[1].dataSync());
}

/** The distinct values of a small integer array, ascending. */
export function distinctValues(values: Int32Array): number[] {
  let allSame = true;
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== values[0]) {
      allSame = false;
      break;
    }
  }
  if (allSame) return values.length ? [values[0]] : [];
  return [...new Set(values)].sort((a, b) => a - b);
}
