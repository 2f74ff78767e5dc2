/**
 * Avalanche's dynamic modules: `IncrementalClassifier` (an output layer that grows when new classes
 * arrive) and `MultiHeadClassifier` (a head per task label, created when the task is first seen),
 * adapted by the strategies before each experience (`model.adaptation(dataset)`), and routed by each
 * sample's task label in `forward`, as Avalanche's `avalanche_forward` does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendCapabilities } from '../backend/backends';
import { selectRows } from '../ops/select';
import { ClassificationDataset } from '../data/dataset';
import { Random, makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { Linear } from './linear';
import type { TaskLabels } from './model';
import { Layer, Module, copyState } from './module';

/** Options of the dynamic classifiers (Avalanche's names, in camelCase). */
export interface IncrementalClassifierOptions {
  /** Input features. */
  inFeatures: number;
  /** Outputs before any adaptation (default 2, as Avalanche). */
  initialOutFeatures?: number;
  /** Seed of the initial weights and of the units added later (default: from the global generator). */
  seed?: number | null;
}

const CLASSIFIER_OPTIONS = ['inFeatures', 'initialOutFeatures', 'seed'];

/** The largest class id in a data set, -1 when it is empty. */
function maxClass(dataset: ClassificationDataset): number {
  let max = -1;
  for (const t of dataset.targets) if (t > max) max = t;
  return max;
}

/**
 * A linear output layer that adds units whenever an experience brings a class id beyond its outputs
 * (Avalanche's `IncrementalClassifier`): the old units keep their weights, the new ones are
 * initialised as PyTorch's `nn.Linear`. Used in class-incremental benchmarks.
 */
export class IncrementalClassifier extends Module {
  readonly inFeatures: number;
  private linear: Linear;
  private readonly random: Random;

  constructor(options: IncrementalClassifierOptions) {
    super();
    checkKnownOptions('IncrementalClassifier', options, CLASSIFIER_OPTIONS);
    this.inFeatures = checkInteger('inFeatures', options?.inFeatures, 1);
    const initial = checkInteger('initialOutFeatures', options.initialOutFeatures ?? 2, 1);
    this.random = makeRandom(options.seed);
    this.linear = new Linear({ inFeatures: this.inFeatures, outFeatures: initial, name: 'classifier' }, this.random);
  }

  /** Current number of outputs. */
  get outFeatures(): number {
    return this.linear.outFeatures;
  }

  namedLayers(): [string, Layer][] {
    return [['classifier', this.linear]];
  }

  /** Grows the outputs to cover every class id of `dataset`. */
  override adaptation(dataset: ClassificationDataset): void {
    this.growTo(maxClass(dataset) + 1);
  }

  /** Grows to `outFeatures` outputs (never shrinks). */
  growTo(outFeatures: number): void {
    if (outFeatures <= this.linear.outFeatures) return;
    const old = this.linear;
    this.linear = old.widened(outFeatures, this.random);
    old.dispose();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.linear.apply(x);
  }

  clone(): IncrementalClassifier {
    const copy = new IncrementalClassifier({ inFeatures: this.inFeatures, initialOutFeatures: this.outFeatures, seed: this.random.nextSeed() });
    copyState(this, copy);
    return copy;
  }
}

/**
 * A head per task label (Avalanche's `MultiHeadClassifier`), each an `IncrementalClassifier`: a
 * new task's head is created by `adaptation` before its first experience, and a head also grows when
 * its task brings new classes (Avalanche 0.1 grew only new heads). `forward` routes each sample to
 * its task's head; a batch that mixes tasks whose heads differ in width gets its narrower outputs
 * padded with -1e4 (no probability), where Avalanche fails.
 */
export class MultiHeadClassifier extends Module {
  readonly inFeatures: number;
  readonly initialOutFeatures: number;
  /** Task label → head. */
  readonly classifiers = new Map<number, IncrementalClassifier>();
  private readonly random: Random;

  constructor(options: IncrementalClassifierOptions) {
    super();
    checkKnownOptions('MultiHeadClassifier', options, CLASSIFIER_OPTIONS);
    this.inFeatures = checkInteger('inFeatures', options?.inFeatures, 1);
    this.initialOutFeatures = checkInteger('initialOutFeatures', options.initialOutFeatures ?? 2, 1);
    this.random = makeRandom(options.seed);
    // A first head, as Avalanche (optimizers need parameters before any adaptation).
    this.addHead(0);
  }

  /** The task labels with a head, ascending. */
  get tasks(): number[] {
    return [...this.classifiers.keys()].sort((a, b) => a - b);
  }

  namedLayers(): [string, Layer][] {
    return this.tasks.map((t) => [`classifiers.${t}`, this.classifiers.get(t)!]);
  }

  /** Creates the heads of the data set's new task labels and grows each head to its task's classes. */
  override adaptation(dataset: ClassificationDataset): void {
    const maxByTask = new Map<number, number>();
    const { targets, taskLabels } = dataset;
    for (let i = 0; i < targets.length; i++) {
      const t = taskLabels[i];
      if ((maxByTask.get(t) ?? -1) < targets[i]) maxByTask.set(t, targets[i]);
    }
    for (const [task, max] of maxByTask) this.ensureHead(task, max + 1);
  }

  /** Makes sure task `task` has a head of at least `outFeatures` outputs. */
  ensureHead(task: number, outFeatures: number): void {
    (this.classifiers.get(task) ?? this.addHead(task)).growTo(outFeatures);
  }

  /** The output of task `task`'s head. */
  forwardSingleTask(x: tf.Tensor, task: number): tf.Tensor {
    const head = this.classifiers.get(task);
    if (!head) {
      throw new Error(`MultiHeadClassifier: no head for task ${task} (heads: ${this.tasks.join(', ')}); heads are created by model.adaptation(dataset), which the strategies call before each experience`);
    }
    return head.forward(x);
  }

  /** The output of every head, by task label (Avalanche's `forward_all_tasks`; LwF distils each). */
  forwardAllTasks(x: tf.Tensor): Map<number, tf.Tensor> {
    return new Map(this.tasks.map((t) => [t, this.forwardSingleTask(x, t)]));
  }

  forward(x: tf.Tensor, taskLabels?: TaskLabels): tf.Tensor {
    const labels = resolveTaskLabels(taskLabels, x.shape[0], 'MultiHeadClassifier');
    if (typeof labels === 'number') return this.forwardSingleTask(x, labels);
    const tasks = [...new Set(labels)].sort((a, b) => a - b);
    if (tasks.length === 1) return this.forwardSingleTask(x, tasks[0]);
    return tf.tidy(() => {
      // Rows grouped by task, each group through its head, then put back in batch order.
      const rowsByTask = tasks.map((t) => Int32Array.from(labels.flatMap((l, i) => (l === t ? [i] : []))));
      const outs = tasks.map((t, k) => this.forwardSingleTask(selectRows(x, rowsByTask[k]), t));
      const width = Math.max(...outs.map((o) => o.shape[1] as number));
      const padded = outs.map((o) => (o.shape[1] === width ? o : tf.pad(o, [[0, 0], [0, width - (o.shape[1] as number)]], -1e4)));
      const order = new Int32Array(labels.length);
      let at = 0;
      rowsByTask.forEach((rows) => rows.forEach((row) => (order[row] = at++)));
      return selectRows(tf.concat(padded, 0), order);
    });
  }

  clone(): MultiHeadClassifier {
    const copy = new MultiHeadClassifier({ inFeatures: this.inFeatures, initialOutFeatures: this.initialOutFeatures, seed: this.random.nextSeed() });
    for (const [task, head] of this.classifiers) copy.ensureHead(task, head.outFeatures);
    copyState(this, copy);
    return copy;
  }

  override dispose(): void {
    super.dispose();
    this.classifiers.clear();
  }

  private addHead(task: number): IncrementalClassifier {
    const head = new IncrementalClassifier({ inFeatures: this.inFeatures, initialOutFeatures: this.initialOutFeatures, seed: this.random.nextSeed() });
    this.classifiers.set(task, head);
    return head;
  }
}

/**
 * Task labels as one number (whole batch) or one per sample. A tensor is read synchronously, which
 * backends without synchronous reads (webgpu) refuse: pass the host labels there (strategies do).
 */
export function resolveTaskLabels(taskLabels: TaskLabels | undefined, batch: number, where: string): number | number[] {
  if (taskLabels === undefined || taskLabels === null) {
    throw new Error(`${where}.forward(x, taskLabels): a multi-head model needs the task label of each sample (a number for the whole batch, or one per sample)`);
  }
  if (typeof taskLabels === 'number') return taskLabels;
  let values: ArrayLike<number>;
  if (taskLabels instanceof tf.Tensor) {
    if (!backendCapabilities().syncReads) throw new Error(`${where}.forward: task labels given as a tensor cannot be read synchronously on this backend; pass a number or a host array`);
    values = taskLabels.dataSync();
  } else values = taskLabels;
  if (values.length !== batch) throw new Error(`${where}.forward: ${values.length} task labels for a batch of ${batch}`);
  return Array.from(values);
}
