/**
 * `TextLogger`, as Avalanche's: phase and experience banners, then the values emitted since the last
 * print at the end of each training epoch, evaluated experience and evaluation. Writes to a file
 * (appending, never truncating), a file descriptor or a stream.
 */
import type { BaseStrategy } from '../../training/template';
import type { MetricResult, MetricValue } from '../metricValue';
import { LogTarget, StrategyLogger, openLogTarget } from './logger';

/** Prints metric values as text. `new TextLogger('log.txt')` appends to log.txt. */
export class TextLogger implements StrategyLogger {
  /** Writes text to the target. */
  protected readonly write: (text: string) => void;
  /** The file written to, when the target is a path. */
  readonly path?: string;
  private readonly closeTarget: () => void;
  private pending = new Map<string, MetricValue>();

  /** @param target a file path (appended to), a file descriptor, or a stream (default: stdout). */
  constructor(target: LogTarget = process.stdout) {
    const opened = openLogTarget(this.constructor.name, target);
    this.write = opened.write;
    this.path = opened.path;
    this.closeTarget = opened.close;
  }

  /** Closes the file opened for a path (a descriptor or stream given by the caller stays open). */
  close(): void {
    this.closeTarget();
  }

  protected line(text: string): void {
    this.write(`${text}\n`);
  }

  logSingleMetric(value: MetricValue): void {
    this.pending.set(value.name, value);
  }

  /** Prints the values received since the last print, sorted by name, and forgets them. */
  protected printCurrentMetrics(): void {
    for (const v of [...this.pending.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      this.line(`\t${v.name} = ${formatValue(v.value)}`);
    }
    this.pending.clear();
  }

  beforeTraining(): void {
    this.line('-- >> Start of training phase << --');
  }

  beforeTrainingExp(strategy: BaseStrategy): void {
    const exp = strategy.experience!;
    this.line(`-- Starting training on experience ${exp.currentExperience} (Task ${exp.taskLabel}) from ${exp.originStream.name} stream --`);
  }

  afterTrainingEpoch(strategy: BaseStrategy): void {
    this.line(`Epoch ${strategy.epoch} ended.`);
    this.printCurrentMetrics();
  }

  afterTraining(): void {
    this.line('-- >> End of training phase << --');
  }

  beforeEval(): void {
    this.line('-- >> Start of eval phase << --');
  }

  beforeEvalExp(strategy: BaseStrategy): void {
    const exp = strategy.experience!;
    this.line(`-- Starting eval on experience ${exp.currentExperience} (Task ${exp.taskLabel}) from ${exp.originStream.name} stream --`);
  }

  afterEvalExp(strategy: BaseStrategy): void {
    const exp = strategy.experience!;
    this.line(`> Eval on experience ${exp.currentExperience} (Task ${exp.taskLabel}) from ${exp.originStream.name} stream ended.`);
    this.printCurrentMetrics();
  }

  afterEval(): void {
    this.line('-- >> End of eval phase << --');
    this.printCurrentMetrics();
  }
}

/** A value as text: 4 decimals, or a matrix on the following lines. */
export function formatValue(value: MetricResult): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  const cells = value.map((row) => row.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(4))));
  const width = Math.max(...cells.flat().map((c) => c.length));
  return '\n' + cells.map((row) => `\t  [${row.map((c) => c.padStart(width)).join(' ')}]`).join('\n');
}
