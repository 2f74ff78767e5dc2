/**
 * `PluginMetric`: a metric that follows the strategy's events, as Avalanche's `GenericPluginMetric`:
 * it resets at one granularity (iteration, epoch, experience, stream), updates after each iteration
 * of its phase, and emits values at a granularity.
 */
import type { BaseStrategy } from '../training/template';
import { MetricValue, metricName } from './metricValue';

/** When a metric resets or emits. */
export type MetricGranularity = 'iteration' | 'epoch' | 'experience' | 'stream';

/** Something that accumulates per-task values from mini-batches. */
export interface TaskAccumulator {
  /** Adds the current mini-batch. */
  update(strategy: BaseStrategy): void;
  /** The value of each task label so far. */
  result(): Map<number, number>;
  /** Forgets everything. */
  reset(): void;
}

/** Configuration of a `PluginMetric`. */
export interface PluginMetricConfig {
  /** Name prefix, e.g. `Top1_Acc_Epoch`. */
  name: string;
  /** Phase the metric observes. */
  mode: 'train' | 'eval';
  resetAt: MetricGranularity;
  emitAt: MetricGranularity;
}

/** A metric plugged into the evaluation plugin; its hooks return the values they emit. */
export class PluginMetric {
  readonly name: string;
  readonly mode: 'train' | 'eval';
  readonly resetAt: MetricGranularity;
  readonly emitAt: MetricGranularity;
  readonly accumulator: TaskAccumulator;

  constructor(config: PluginMetricConfig, accumulator: TaskAccumulator) {
    this.name = config.name;
    this.mode = config.mode;
    this.resetAt = config.resetAt;
    this.emitAt = config.emitAt;
    this.accumulator = accumulator;
  }

  toString(): string {
    return this.name;
  }

  /** Called by the evaluation plugin at each event; returns the values emitted there. */
  onEvent(event: string, strategy: BaseStrategy): MetricValue[] {
    const phase = event.includes('Eval') ? 'eval' : 'train';
    if (phase !== this.mode) return [];
    const level = EVENT_LEVEL[event];
    if (!level) return [];
    if (level.reset && level.reset === this.resetAt) this.accumulator.reset();
    if (level.update) this.accumulator.update(strategy);
    if (level.emit && level.emit === this.emitAt) return this.emit(strategy);
    return [];
  }

  private emit(strategy: BaseStrategy): MetricValue[] {
    const values: MetricValue[] = [];
    for (const [task, value] of this.accumulator.result()) {
      values.push({ name: metricName(this.name, strategy, task, this.emitAt === 'experience'), value, xPlot: strategy.clock.trainIterations });
    }
    return values;
  }
}

/** What each event means to a metric: reset a granularity, update, emit a granularity. */
const EVENT_LEVEL: Record<string, { reset?: MetricGranularity; update?: boolean; emit?: MetricGranularity }> = {
  beforeTraining: { reset: 'stream' },
  beforeTrainingExp: { reset: 'experience' },
  beforeTrainingEpoch: { reset: 'epoch' },
  beforeTrainingIteration: { reset: 'iteration' },
  afterTrainingIteration: { update: true, emit: 'iteration' },
  afterTrainingEpoch: { emit: 'epoch' },
  afterTrainingExp: { emit: 'experience' },
  afterTraining: { emit: 'stream' },
  beforeEval: { reset: 'stream' },
  beforeEvalExp: { reset: 'experience' },
  beforeEvalIteration: { reset: 'iteration' },
  afterEvalIteration: { update: true, emit: 'iteration' },
  afterEvalExp: { emit: 'experience' },
  afterEval: { emit: 'stream' },
};
