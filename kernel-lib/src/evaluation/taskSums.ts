/**
 * Running sums kept on the device, per task label: adding a batch costs tensor ops but no device
 * read; the values are read once, when a metric is emitted.
 */
import * as tf from '@tensorflow/tfjs';

/** Per-task running sums (a device scalar each) with host-side counts. */
export class TaskSums {
  private sums = new Map<number, tf.Scalar>();
  private counts = new Map<number, number>();

  /** Adds `value` (a scalar tensor, not disposed here) with weight `count` to task `task`. */
  add(task: number, value: tf.Scalar, count: number): void {
    const prev = this.sums.get(task);
    this.sums.set(task, tf.keep(prev ? tf.add(prev, value) : tf.clone(value)) as tf.Scalar);
    prev?.dispose();
    this.counts.set(task, (this.counts.get(task) ?? 0) + count);
  }

  /** True when nothing was added since the last reset. */
  get empty(): boolean {
    return this.counts.size === 0;
  }

  /** Sum / count per task, read from the device in one transfer. */
  means(): Map<number, number> {
    const tasks = [...this.sums.keys()].sort((a, b) => a - b);
    const out = new Map<number, number>();
    if (tasks.length === 0) return out;
    const values = tf.tidy(() => tf.stack(tasks.map((t) => this.sums.get(t)!)).dataSync());
    tasks.forEach((t, i) => out.set(t, values[i] / this.counts.get(t)!));
    return out;
  }

  /** Forgets everything and frees the tensors. */
  reset(): void {
    for (const s of this.sums.values()) s.dispose();
    this.sums.clear();
    this.counts.clear();
  }
}

/** Host task labels of the current mini-batch (read from the device only if the loader gave none). */
export function hostTaskLabels(batch: { taskLabelsHost?: Int32Array; 2: tf.Tensor }): Int32Array {
  return batch.taskLabelsHost ?? Int32Array.from(batch[2].dataSync());
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
