/**
 * Metrics plugged into the evaluation plugin. `PluginMetric` is the interface (a hook per event that
 * returns the values emitted there); `GenericPluginMetric` is Avalanche's generic one: it resets at
 * one granularity (iteration, epoch, experience, stream), updates after each iteration of its phase
 * and emits at a granularity.
 */
import type { StrategyEvent } from '../training/events';
import type { BaseStrategy } from '../training/template';
import { MetricEmission, metricName } from './metricValue';

/** When a metric resets or emits. */
export type MetricGranularity = 'iteration' | 'epoch' | 'experience' | 'stream';

/** A metric: told every event, returns the values it emits there. */
export abstract class PluginMetric {
  /** The metric's own name, e.g. `Top1_Acc_Epoch`. */
  abstract readonly name: string;

  /** Called by the evaluation plugin at each event; returns the values emitted there. */
  abstract onEvent(event: StrategyEvent, strategy: BaseStrategy): MetricEmission[];

  /** Frees the tensors the metric holds (its running sums). */
  dispose(): void {}

  toString(): string {
    return this.name;
  }
}

/** A per-task result of an accumulator: ready, or still on the device. */
export interface AccumulatorResult {
  /** Task label for the name, or null for none. */
  task: number | null;
  /** Suffix added to the name (e.g. `/3` for class 3). */
  suffix?: string;
  value?: number | number[][];
  tensor?: MetricEmission['tensor'];
  finish?: MetricEmission['finish'];
}

/** Something that accumulates per-task values from mini-batches. */
export interface TaskAccumulator {
  /** Adds the current mini-batch. */
  update(strategy: BaseStrategy): void;
  /** The results so far. */
  results(strategy: BaseStrategy): AccumulatorResult[];
  /** Forgets everything (and frees its tensors). */
  reset(strategy?: BaseStrategy): void;
}

/** Configuration of a `GenericPluginMetric`. */
export interface GenericMetricConfig {
  /** Name prefix, e.g. `Top1_Acc_Epoch`. */
  name: string;
  /** Phase the metric observes. */
  mode: 'train' | 'eval';
  resetAt: MetricGranularity;
  emitAt: MetricGranularity;
}

/** What each event means to a generic metric: reset a granularity, update, emit a granularity. */
export const EVENT_ROLES: Partial<Record<StrategyEvent, { phase: 'train' | 'eval'; reset?: MetricGranularity; update?: boolean; emit?: MetricGranularity; start?: boolean }>> = {
  beforeTraining: { phase: 'train', reset: 'stream' },
  beforeTrainingExp: { phase: 'train', reset: 'experience' },
  beforeTrainingEpoch: { phase: 'train', reset: 'epoch' },
  beforeTrainingIteration: { phase: 'train', reset: 'iteration', start: true },
  afterTrainingIteration: { phase: 'train', update: true, emit: 'iteration' },
  afterTrainingEpoch: { phase: 'train', emit: 'epoch' },
  afterTrainingExp: { phase: 'train', emit: 'experience' },
  afterTraining: { phase: 'train', emit: 'stream' },
  beforeEval: { phase: 'eval', reset: 'stream' },
  beforeEvalExp: { phase: 'eval', reset: 'experience' },
  beforeEvalIteration: { phase: 'eval', reset: 'iteration', start: true },
  afterEvalIteration: { phase: 'eval', update: true, emit: 'iteration' },
  afterEvalExp: { phase: 'eval', emit: 'experience' },
  afterEval: { phase: 'eval', emit: 'stream' },
};

/** Avalanche's `GenericPluginMetric`: an accumulator driven by reset/update/emit events. */
export class GenericPluginMetric extends PluginMetric {
  readonly name: string;
  readonly mode: 'train' | 'eval';
  readonly resetAt: MetricGranularity;
  readonly emitAt: MetricGranularity;
  readonly accumulator: TaskAccumulator;

  constructor(config: GenericMetricConfig, accumulator: TaskAccumulator) {
    super();
    this.name = config.name;
    this.mode = config.mode;
    this.resetAt = config.resetAt;
    this.emitAt = config.emitAt;
    this.accumulator = accumulator;
  }

  onEvent(event: StrategyEvent, strategy: BaseStrategy): MetricEmission[] {
    const role = EVENT_ROLES[event];
    if (!role || role.phase !== this.mode) return [];
    if (role.reset && role.reset === this.resetAt) this.accumulator.reset(strategy);
    if (role.update) this.accumulator.update(strategy);
    if (role.emit && role.emit === this.emitAt) return this.emit(strategy);
    return [];
  }

  override dispose(): void {
    this.accumulator.reset();
  }

  private emit(strategy: BaseStrategy): MetricEmission[] {
    return this.accumulator.results(strategy).map((r) => ({
      name: metricName(this.name, strategy, r.task, this.emitAt === 'experience') + (r.suffix ?? ''),
      xPlot: strategy.clock.trainIterations,
      value: r.value,
      tensor: r.tensor,
      finish: r.finish,
    }));
  }
}

/** The granularity flags shared by most metric families. */
export interface GranularityOptions {
  minibatch?: boolean;
  epoch?: boolean;
  epochRunning?: boolean;
  experience?: boolean;
  stream?: boolean;
}

/** The (name suffix, mode, reset, emit) of each granularity flag, as Avalanche. */
export const GRANULARITIES: Record<keyof GranularityOptions, { suffix: string; mode: 'train' | 'eval'; resetAt: MetricGranularity; emitAt: MetricGranularity }> = {
  minibatch: { suffix: 'MB', mode: 'train', resetAt: 'iteration', emitAt: 'iteration' },
  epoch: { suffix: 'Epoch', mode: 'train', resetAt: 'epoch', emitAt: 'epoch' },
  epochRunning: { suffix: 'Epoch', mode: 'train', resetAt: 'epoch', emitAt: 'iteration' },
  experience: { suffix: 'Exp', mode: 'eval', resetAt: 'experience', emitAt: 'experience' },
  stream: { suffix: 'Stream', mode: 'eval', resetAt: 'stream', emitAt: 'stream' },
};

/**
 * Builds the generic metrics selected by granularity flags.
 * @param family e.g. 'accuracyMetrics', for errors
 * @param names the name of each granularity's metric
 * @param make a new accumulator
 */
export function selectMetrics(
  family: string,
  options: GranularityOptions | undefined,
  allowed: readonly (keyof GranularityOptions)[],
  names: Partial<Record<keyof GranularityOptions, string>>,
  make: (granularity: keyof GranularityOptions) => TaskAccumulator,
): GenericPluginMetric[] {
  const metrics: GenericPluginMetric[] = [];
  for (const g of allowed) {
    if (!options?.[g]) continue;
    const spec = GRANULARITIES[g];
    metrics.push(new GenericPluginMetric({ name: names[g]!, mode: spec.mode, resetAt: spec.resetAt, emitAt: spec.emitAt }, make(g)));
  }
  return metrics;
}

/** Throws when a metric family's options select nothing. */
export function checkSelected(family: string, selected: unknown[], flags: readonly string[]): void {
  if (selected.length === 0) {
    throw new Error(`${family}: the options select no metric; set at least one of ${flags.map((f) => `${f}: true`).join(', ')}`);
  }
}
