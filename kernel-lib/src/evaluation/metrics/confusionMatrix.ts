/** The confusion matrix of a stream, as Avalanche's `confusion_matrix_metrics`. */
import * as tf from '@tensorflow/tfjs-core';
import type { StrategyEvent } from '../../training/events';
import type { BaseStrategy } from '../../training/template';
import { checkInteger, checkKnownOptions, checkOneOf } from '../../utils/validate';
import { MetricEmission, metricName } from '../metricValue';
import { PluginMetric, checkSelected } from '../pluginMetric';
import { hostTargets } from '../taskSums';

/** How to normalise the matrix (as scikit-learn and Avalanche): by true class rows, predicted columns, or all. */
export type ConfusionNormalization = 'true' | 'pred' | 'all' | null;

/** Options of `confusionMatrixMetrics`. */
export interface ConfusionMatrixOptions {
  /** Number of classes (required): the matrix is numClasses x numClasses. */
  numClasses: number;
  /** Normalise rows ('true'), columns ('pred') or everything ('all'); default null (counts). */
  normalize?: ConfusionNormalization;
  /** Ask loggers that draw (TensorBoard) to store the matrix as an image too (default true, as Avalanche). */
  saveImage?: boolean;
  /** The matrix over each evaluated stream (`ConfusionMatrix_Stream/eval_phase/test_stream`). */
  stream?: boolean;
  /** Names of the classes, for images and plots (default: the class ids). */
  classNames?: string[];
}

/** Rows: true class; columns: predicted class. Accumulated on the device, read at the end of the stream. */
export class StreamConfusionMatrix extends PluginMetric {
  readonly name = 'ConfusionMatrix_Stream';
  readonly numClasses: number;
  readonly normalize: ConfusionNormalization;
  readonly saveImage: boolean;
  readonly classNames: string[];
  private matrix: tf.Tensor2D | null = null;

  constructor(options: ConfusionMatrixOptions) {
    super();
    this.numClasses = checkInteger('confusionMatrixMetrics: numClasses', options.numClasses, 1);
    this.normalize = checkOneOf('normalize', options.normalize ?? null, ['true', 'pred', 'all', null] as const);
    this.saveImage = options.saveImage ?? true;
    this.classNames = options.classNames ?? Array.from({ length: this.numClasses }, (_, i) => String(i));
    if (this.classNames.length !== this.numClasses) {
      throw new Error(`confusionMatrixMetrics: classNames has ${this.classNames.length} names, numClasses is ${this.numClasses}`);
    }
  }

  override dispose(): void {
    this.matrix?.dispose();
    this.matrix = null;
  }

  onEvent(event: StrategyEvent, strategy: BaseStrategy): MetricEmission[] {
    if (event === 'beforeEval') {
      this.matrix?.dispose();
      this.matrix = null;
    } else if (event === 'afterEvalIteration') {
      this.update(strategy);
    } else if (event === 'afterEval' && this.matrix) {
      const n = this.numClasses;
      return [{
        name: metricName(this.name, strategy, null, false),
        xPlot: strategy.clock.trainIterations,
        tensor: this.matrix,
        finish: (data) => this.toRows(data, n),
        meta: { classNames: this.classNames, saveImage: this.saveImage },
      }];
    }
    return [];
  }

  private update(strategy: BaseStrategy): void {
    const targets = hostTargets(strategy.mbatch!);
    for (let i = 0; i < targets.length; i++) {
      if (targets[i] >= this.numClasses || targets[i] < 0) {
        throw new Error(`confusionMatrixMetrics: numClasses is ${this.numClasses} but a target of class ${targets[i]} was seen; numClasses must exceed every class id`);
      }
    }
    const outputs = strategy.mbOutput!.shape[1] as number;
    if (outputs > this.numClasses) {
      throw new Error(`confusionMatrixMetrics: numClasses is ${this.numClasses} but the model predicts ${outputs} classes; numClasses must be at least ${outputs}`);
    }
    const update = tf.tidy(() => {
      // onehot(labels)^T @ onehot(predictions), in float32 (the wasm backend has no int32 matMul).
      const labels = tf.cast(tf.oneHot(tf.cast(strategy.mbY, 'int32') as tf.Tensor1D, this.numClasses), 'float32');
      const predictions = tf.cast(tf.oneHot(tf.cast(tf.argMax(strategy.mbOutput!, 1), 'int32') as tf.Tensor1D, this.numClasses), 'float32');
      return tf.matMul(tf.transpose(labels) as tf.Tensor2D, predictions as tf.Tensor2D) as tf.Tensor2D;
    });
    if (this.matrix) {
      const sum = tf.add(this.matrix, update) as tf.Tensor2D;
      tf.dispose([this.matrix, update]);
      this.matrix = sum;
    } else {
      this.matrix = update;
    }
  }

  private toRows(data: Float32Array, n: number): number[][] {
    const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * n, (i + 1) * n)));
    if (this.normalize === 'true') return rows.map((r) => divide(r, r.reduce((a, b) => a + b, 0)));
    if (this.normalize === 'pred') {
      const cols = rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0));
      return rows.map((r) => r.map((v, j) => (cols[j] ? v / cols[j] : 0)));
    }
    if (this.normalize === 'all') {
      const total = rows.flat().reduce((a, b) => a + b, 0);
      return rows.map((r) => divide(r, total));
    }
    return rows;
  }
}

function divide(row: number[], by: number): number[] {
  return row.map((v) => (by ? v / by : 0));
}

/** The confusion matrix metric (Avalanche's `confusion_matrix_metrics(num_classes=..., stream=True)`). */
export function confusionMatrixMetrics(options: ConfusionMatrixOptions): PluginMetric[] {
  if (options == null || options.numClasses === undefined) {
    throw new Error('confusionMatrixMetrics: numClasses is required (e.g. { numClasses: scenario.nClasses, stream: true })');
  }
  checkKnownOptions('confusionMatrixMetrics', options, ['numClasses', 'normalize', 'saveImage', 'stream', 'classNames']);
  const metrics: PluginMetric[] = options.stream ? [new StreamConfusionMatrix(options)] : [];
  checkSelected('confusionMatrixMetrics', metrics, ['stream']);
  return metrics;
}
