/**
 * `EvaluationPlugin`, as Avalanche's: runs the metrics at every strategy event, keeps the last
 * value of each metric name (and, with `collectAll`, every value), keeps the accuracy matrix, and
 * hands the values to the loggers. The device values of one event are read in one transfer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { STRATEGY_EVENTS, StrategyEvent } from '../training/events';
import type { BaseStrategy, Evaluator } from '../training/template';
import { checkKnownOptions } from '../utils/validate';
import { AccuracyMatrix } from './accuracyMatrix';
import type { StrategyLogger } from './loggers/logger';
import { InteractiveLogger } from './loggers/interactiveLogger';
import { accuracyMetrics } from './metrics/accuracy';
import { lossMetrics } from './metrics/loss';
import type { MetricEmission, MetricResult, MetricValue } from './metricValue';
import { PluginMetric } from './pluginMetric';

/** Options of `EvaluationPlugin` (its last argument). */
export interface EvaluationPluginOptions {
  /** Loggers that receive the values (default: none). */
  loggers?: StrategyLogger[];
  /** Keep every value of every metric for `getAllMetrics` (default true). */
  collectAll?: boolean;
}

/** Every value of a metric: steps, values, and the last trained experience when each was emitted. */
export interface MetricHistory {
  x: number[];
  values: MetricResult[];
  /** Index of the last trained experience at each value (null before any training). */
  trainedExperience: (number | null)[];
}

/** The evaluation plugin: pass it to a strategy as `evaluator`. */
export class EvaluationPlugin implements Evaluator {
  readonly metrics: PluginMetric[];
  readonly loggers: StrategyLogger[];
  readonly collectAll: boolean;
  /** Accuracy on experience j after training experience i, from the `Top1_Acc_Exp` values. */
  readonly accuracyMatrix = new AccuracyMatrix();
  private lastMetrics: Record<string, MetricResult> = {};
  private lastMeta: Record<string, MetricValue['meta']> = {};
  private allMetrics: Record<string, MetricHistory> = {};

  /** `new EvaluationPlugin(accuracyMetrics({...}), lossMetrics({...}), { loggers: [...] })`. */
  constructor(...args: Array<PluginMetric | PluginMetric[] | EvaluationPluginOptions>) {
    const metrics: PluginMetric[] = [];
    let options: EvaluationPluginOptions = {};
    args.forEach((arg, i) => {
      if (arg instanceof PluginMetric) metrics.push(arg);
      else if (Array.isArray(arg)) {
        arg.forEach((m, j) => {
          if (!(m instanceof PluginMetric)) throw new Error(`EvaluationPlugin: argument ${i}[${j}] is not a metric`);
          metrics.push(m);
        });
      } else if (i === args.length - 1 && arg && typeof arg === 'object') {
        checkKnownOptions('EvaluationPlugin', arg, ['loggers', 'collectAll']);
        options = arg;
      } else {
        throw new Error(`EvaluationPlugin: argument ${i} must be a metric, a list of metrics, or (last) the options { loggers, collectAll }`);
      }
    });
    this.metrics = metrics;
    this.loggers = options.loggers ?? [];
    this.loggers.forEach((l, i) => {
      if (l == null || typeof l !== 'object') throw new Error(`EvaluationPlugin: loggers[${i}] must be a logger object, got ${l}`);
    });
    this.collectAll = options.collectAll ?? true;
    for (const event of STRATEGY_EVENTS) {
      (this as unknown as Record<string, unknown>)[event] = (strategy: BaseStrategy) => this.handle(event, strategy);
    }
  }

  /** The last value of every metric name. */
  getLastMetrics(): Record<string, MetricResult> {
    return { ...this.lastMetrics };
  }

  /** Extra facts of the last value of a metric (e.g. a confusion matrix's class names). */
  getLastMeta(name: string): MetricValue['meta'] {
    return this.lastMeta[name];
  }

  /** Every value of every metric name (`collectAll`), with its step. */
  getAllMetrics(): Record<string, MetricHistory> {
    if (!this.collectAll) throw new Error('getAllMetrics: this EvaluationPlugin was created with collectAll: false');
    const out: Record<string, MetricHistory> = {};
    for (const [k, v] of Object.entries(this.allMetrics)) out[k] = { x: [...v.x], values: [...v.values], trainedExperience: [...v.trainedExperience] };
    return out;
  }

  /** Frees the tensors the metrics hold and closes the loggers' files (the collected values stay readable). */
  dispose(): void {
    for (const m of this.metrics) m.dispose();
    this.close();
  }

  /** Closes the files the loggers opened (text, CSV and TensorBoard loggers given a path). */
  close(): void {
    for (const logger of this.loggers) logger.close?.();
  }

  /** Forgets the collected values and the accuracy matrix. */
  reset(): void {
    this.lastMetrics = {};
    this.lastMeta = {};
    this.allMetrics = {};
    this.accuracyMatrix.clear();
  }

  /**
   * Runs the metrics for `event`, records their values and calls the loggers. Asynchronous only when
   * a value must be read from the device (one read for all of them) or a logger is asynchronous.
   */
  private handle(event: StrategyEvent, strategy: BaseStrategy): void | Promise<void> {
    const emissions: MetricEmission[] = [];
    for (const metric of this.metrics) emissions.push(...metric.onEvent(event, strategy));
    if (emissions.some((e) => e.tensor)) return resolveEmissions(emissions).then((values) => this.dispatch(event, strategy, values));
    return this.dispatch(event, strategy, finishAll(emissions, new Map()));
  }

  private dispatch(event: StrategyEvent, strategy: BaseStrategy, values: MetricValue[]): void | Promise<void> {
    for (const v of values) {
      this.lastMetrics[v.name] = v.value;
      if (v.meta) this.lastMeta[v.name] = v.meta;
      if (this.collectAll) {
        const h = (this.allMetrics[v.name] ??= { x: [], values: [], trainedExperience: [] });
        h.x.push(v.xPlot);
        h.values.push(v.value);
        h.trainedExperience.push(strategy.lastTrainedExperience);
      }
      this.accuracyMatrix.record(v, strategy);
    }
    const pending: Promise<void>[] = [];
    for (const logger of this.loggers) {
      if (logger.logSingleMetric) values.forEach((v) => logger.logSingleMetric!(v, strategy));
      const hook = logger[event];
      const result = hook ? hook.call(logger, strategy, values) : undefined;
      if (result && typeof (result as Promise<void>).then === 'function') pending.push(result as Promise<void>);
    }
    if (pending.length) return Promise.all(pending).then(() => undefined);
  }
}

/**
 * Turns emissions into values, reading every pending device tensor in one asynchronous transfer
 * (the WebGPU backend has no synchronous read in Node). A `finish` that returns null drops the value
 * (a metric that only needed the number to update its state).
 */
export async function resolveEmissions(emissions: MetricEmission[]): Promise<MetricValue[]> {
  const tensors: tf.Tensor[] = [];
  for (const e of emissions) if (e.tensor && !tensors.includes(e.tensor)) tensors.push(e.tensor);
  const data = new Map<tf.Tensor, Float32Array>();
  if (tensors.length) {
    const flatTensor = tf.tidy(() => tf.concat(tensors.map((t) => tf.cast(tf.reshape(t, [-1]), 'float32'))));
    const flat = (await flatTensor.data()) as Float32Array;
    flatTensor.dispose();
    let offset = 0;
    for (const t of tensors) {
      data.set(t, flat.subarray(offset, offset + t.size));
      offset += t.size;
    }
  }
  return finishAll(emissions, data);
}

function finishAll(emissions: MetricEmission[], data: Map<tf.Tensor, Float32Array>): MetricValue[] {
  const values: MetricValue[] = [];
  for (const e of emissions) {
    let value: MetricResult | null;
    if (e.tensor) value = e.finish ? e.finish(data.get(e.tensor)!) : data.get(e.tensor)![0];
    else if (e.value !== undefined) value = e.value;
    else throw new Error(`metric ${e.name} emitted neither a value nor a tensor`);
    if (value === null) continue;
    values.push(e.meta ? { name: e.name, value, xPlot: e.xPlot, meta: e.meta } : { name: e.name, value, xPlot: e.xPlot });
  }
  return values;
}

/** Avalanche's default evaluator: accuracy and loss per epoch, experience and stream, with an `InteractiveLogger`. */
export function defaultEvaluator(): EvaluationPlugin {
  return new EvaluationPlugin(
    accuracyMetrics({ epoch: true, experience: true, stream: true }),
    lossMetrics({ epoch: true, experience: true, stream: true }),
    { loggers: [new InteractiveLogger()] },
  );
}
