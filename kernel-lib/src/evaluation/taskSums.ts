/**
 * Running sums kept on the device, per task label: adding a batch costs tensor ops but no device
 * read; the values are read when a metric is emitted, together with the other metrics' values.
 */
import * as tf from '@tensorflow/tfjs';
import { accumulateSum, predictionHits } from '../ops/fusedOps';

/** A per-task result still on the device. */
export interface PendingTaskResult {
  task: number;
  tensor: tf.Tensor;
  finish: (data: Float32Array) => number;
}

/** Per-task running sums (a device tensor each, scalar or vector) with host-side counts. */
export class TaskSums {
  private sums = new Map<number, tf.Tensor>();
  private counts = new Map<number, number>();

  /**
   * Adds `scale * sum(x)` (x not disposed here) with weight `count` to task `task`: one fused
   * kernel on webgpu, where the sum and the addition would be two or three.
   */
  addSum(task: number, x: tf.Tensor, scale: number, count: number): void {
    const prev = this.sums.get(task);
    this.sums.set(task, tf.keep(accumulateSum(prev, x, scale)));
    prev?.dispose();
    this.counts.set(task, (this.counts.get(task) ?? 0) + count);
  }

  /** The tasks seen, ascending. */
  get tasks(): number[] {
    return [...this.sums.keys()].sort((a, b) => a - b);
  }

  /** Sum / count of each (scalar) task sum, still on the device. */
  pendingMeans(): PendingTaskResult[] {
    return this.tasks.map((task) => {
      const count = this.counts.get(task)!;
      return { task, tensor: this.sums.get(task)!, finish: (data: Float32Array) => data[0] / count };
    });
  }

  /** Forgets everything and frees the tensors. */
  reset(): void {
    for (const s of this.sums.values()) s.dispose();
    this.sums.clear();
    this.counts.clear();
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
