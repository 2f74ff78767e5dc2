/** The logger interface: event hooks that receive the metric values emitted at that event. */
import type { StrategyEvent } from '../../training/events';
import type { BaseStrategy } from '../../training/template';
import type { MetricValue } from '../metricValue';

/** A logger hook: the strategy and the values emitted at this event. */
export type LoggerHook = (strategy: BaseStrategy, values: MetricValue[]) => void | Promise<void>;

/** A logger, as Avalanche's `StrategyLogger`: any event hooks, plus a hook for every value. */
export type StrategyLogger = { [E in StrategyEvent]?: LoggerHook } & {
  /** Called with every emitted value, before the event hook. */
  logSingleMetric?(value: MetricValue): void;
};
