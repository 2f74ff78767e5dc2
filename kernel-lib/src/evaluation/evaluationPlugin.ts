/**
 * `EvaluationPlugin`, as Avalanche's: runs the metrics at every strategy event, keeps the last
 * value of each metric name (and, with `collectAll`, every value), and hands the values to the
 * loggers.
 */
import { STRATEGY_EVENTS, StrategyEvent } from '../training/events';
import type { BaseStrategy, Evaluator } from '../training/template';
import { checkKnownOptions } from '../utils/validate';
import type { StrategyLogger } from './loggers/logger';
import { InteractiveLogger } from './loggers/interactiveLogger';
import { accuracyMetrics } from './metrics/accuracy';
import { lossMetrics } from './metrics/loss';
import type { MetricValue } from './metricValue';
import { PluginMetric } from './pluginMetric';

/** Options of `EvaluationPlugin` (its last argument). */
export interface EvaluationPluginOptions {
  /** Loggers that receive the values (default: none). */
  loggers?: StrategyLogger[];
  /** Keep every value of every metric for `getAllMetrics` (default true). */
  collectAll?: boolean;
}

/** Every value of a metric: steps and values. */
export interface MetricHistory {
  x: number[];
  values: number[];
}

/** The evaluation plugin: pass it to a strategy as `evaluator`. */
export class EvaluationPlugin implements Evaluator {
  readonly metrics: PluginMetric[];
  readonly loggers: StrategyLogger[];
  readonly collectAll: boolean;
  private lastMetrics: Record<string, number> = {};
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
  getLastMetrics(): Record<string, number> {
    return { ...this.lastMetrics };
  }

  /** Every value of every metric name (`collectAll`), with its step. */
  getAllMetrics(): Record<string, MetricHistory> {
    if (!this.collectAll) throw new Error('getAllMetrics: this EvaluationPlugin was created with collectAll: false');
    const out: Record<string, MetricHistory> = {};
    for (const [k, v] of Object.entries(this.allMetrics)) out[k] = { x: [...v.x], values: [...v.values] };
    return out;
  }

  /** Forgets the collected values. */
  reset(): void {
    this.lastMetrics = {};
    this.allMetrics = {};
  }

  /** Runs the metrics for `event`, records their values and calls the loggers (async only if a logger is). */
  private handle(event: StrategyEvent, strategy: BaseStrategy): void | Promise<void> {
    const values: MetricValue[] = [];
    for (const metric of this.metrics) values.push(...metric.onEvent(event, strategy));
    for (const v of values) {
      this.lastMetrics[v.name] = v.value;
      if (this.collectAll) {
        const h = (this.allMetrics[v.name] ??= { x: [], values: [] });
        h.x.push(v.xPlot);
        h.values.push(v.value);
      }
    }
    const pending: Promise<void>[] = [];
    for (const logger of this.loggers) {
      if (logger.logSingleMetric) values.forEach((v) => logger.logSingleMetric!(v));
      const hook = logger[event];
      const result = hook ? hook.call(logger, strategy, values) : undefined;
      if (result && typeof (result as Promise<void>).then === 'function') pending.push(result as Promise<void>);
    }
    if (pending.length) return Promise.all(pending).then(() => undefined);
  }
}

/** Avalanche's default evaluator: accuracy and loss per epoch, experience and stream, with an `InteractiveLogger`. */
export function defaultEvaluator(): EvaluationPlugin {
  return new EvaluationPlugin(
    accuracyMetrics({ epoch: true, experience: true, stream: true }),
    lossMetrics({ epoch: true, experience: true, stream: true }),
    { loggers: [new InteractiveLogger()] },
  );
}
