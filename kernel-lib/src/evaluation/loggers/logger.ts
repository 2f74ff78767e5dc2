/** The logger interface, and where text loggers write. */
import * as fs from 'fs';
import type { StrategyEvent } from '../../training/events';
import type { BaseStrategy } from '../../training/template';
import type { MetricValue } from '../metricValue';

/** A logger hook: the strategy and the values emitted at this event. */
export type LoggerHook = (strategy: BaseStrategy, values: MetricValue[]) => void | Promise<void>;

/** A logger, as Avalanche's `StrategyLogger`: any event hooks, plus a hook for every value. */
export type StrategyLogger = { [E in StrategyEvent]?: LoggerHook } & {
  /** Called with every emitted value, before the event hook. */
  logSingleMetric?(value: MetricValue, strategy: BaseStrategy): void;
};

/** Where a text logger writes: a file path (opened for appending), a file descriptor, or a stream. */
export type LogTarget = string | number | { write(text: string): unknown };

/**
 * A write function for a target. A path is opened for appending now, so that an unwritable path
 * fails at construction, never mid-training; files are never truncated.
 */
export function openLogTarget(where: string, target: LogTarget): { write: (text: string) => void; path?: string } {
  if (typeof target === 'string') {
    let fd: number;
    try {
      fd = fs.openSync(target, 'a');
    } catch (error) {
      throw new Error(`${where}: cannot open '${target}' for appending (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return { write: (text) => void fs.writeSync(fd, text), path: target };
  }
  if (typeof target === 'number') return { write: (text) => void fs.writeSync(target, text) };
  if (target && typeof target.write === 'function') return { write: (text) => void target.write(text) };
  throw new Error(`${where}: the target must be a file path, a file descriptor or an object with write(text); got ${String(target)}`);
}
