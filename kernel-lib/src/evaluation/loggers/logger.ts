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
  /** Closes the files the logger opened (called by `EvaluationPlugin.close()` and `strategy.dispose()`). */
  close?(): void;
};

/** Where a text logger writes: a file path (opened for appending), a file descriptor, or a stream. */
export type LogTarget = string | number | { write(text: string): unknown };

/** An opened log target: `write` appends text; `close` closes a file the logger opened itself. */
export interface OpenedLogTarget {
  write: (text: string) => void;
  /** Closes the file opened for a path (idempotent); a descriptor or stream given by the caller stays open. */
  close: () => void;
  path?: string;
}

/**
 * A write function for a target. A path is opened for appending now, so that an unwritable path
 * fails at construction, never mid-training; files are never truncated.
 */
export function openLogTarget(where: string, target: LogTarget): OpenedLogTarget {
  if (typeof target === 'string') {
    let fd: number | null;
    try {
      fd = fs.openSync(target, 'a');
    } catch (error) {
      throw new Error(`${where}: cannot open '${target}' for appending (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return {
      write: (text) => {
        if (fd === null) throw new Error(`${where}: '${target}' was closed by close(); create a new logger to write again`);
        fs.writeSync(fd, text);
      },
      close: () => {
        if (fd !== null) fs.closeSync(fd);
        fd = null;
      },
      path: target,
    };
  }
  if (typeof target === 'number') return { write: (text) => void fs.writeSync(target, text), close: () => {} };
  if (target && typeof target.write === 'function') return { write: (text) => void target.write(text), close: () => {} };
  throw new Error(`${where}: the target must be a file path, a file descriptor or an object with write(text); got ${String(target)}`);
}
