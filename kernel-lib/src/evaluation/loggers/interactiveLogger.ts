/**
 * `InteractiveLogger`, as Avalanche's: a progress bar per training epoch and per evaluated
 * experience, then the metric values emitted at the end of each epoch, experience and stream.
 * Readable in a terminal and in a notebook (the bar redraws in place with `\r`).
 */
import type { BaseStrategy } from '../../training/template';
import type { MetricValue } from '../metricValue';
import { ProgressBar } from './progressBar';
import type { StrategyLogger } from './logger';

/** Options of `InteractiveLogger`. */
export interface InteractiveLoggerOptions {
  /** Where to write (default: process.stdout). */
  write?: (text: string) => void;
  /** Show progress bars (default true). */
  progressBar?: boolean;
}

/** Prints training and evaluation progress and metric values. */
export class InteractiveLogger implements StrategyLogger {
  private readonly write: (text: string) => void;
  private readonly showBar: boolean;
  private bar: ProgressBar | null = null;

  constructor(options: InteractiveLoggerOptions = {}) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
    this.showBar = options.progressBar ?? true;
  }

  private line(text: string): void {
    this.write(`${text}\n`);
  }

  private printMetrics(values: MetricValue[]): void {
    for (const v of [...values].sort((a, b) => a.name.localeCompare(b.name))) {
      this.line(`\t${v.name} = ${formatValue(v.value)}`);
    }
  }

  private startBar(strategy: BaseStrategy): void {
    if (this.showBar) this.bar = new ProgressBar(strategy.dataloader?.length, { write: this.write });
  }

  private endBar(): void {
    this.bar?.close();
    this.bar = null;
  }

  beforeTraining(): void {
    this.line('-- >> Start of training phase << --');
  }

  beforeTrainingExp(strategy: BaseStrategy): void {
    const exp = strategy.experience!;
    this.line(`-- Starting training on experience ${exp.currentExperience} (Task ${exp.taskLabel}) from ${exp.originStream.name} stream --`);
  }

  beforeTrainingEpoch(strategy: BaseStrategy): void {
    this.startBar(strategy);
  }

  afterTrainingIteration(): void {
    this.bar?.update();
  }

  afterTrainingEpoch(strategy: BaseStrategy, values: MetricValue[]): void {
    this.endBar();
    this.line(`Epoch ${strategy.epoch} ended.`);
    this.printMetrics(values);
  }

  afterTrainingExp(_strategy: BaseStrategy, values: MetricValue[]): void {
    this.printMetrics(values);
  }

  afterTraining(_strategy: BaseStrategy, values: MetricValue[]): void {
    this.printMetrics(values);
    this.line('-- >> End of training phase << --');
  }

  beforeEval(): void {
    this.line('-- >> Start of eval phase << --');
  }

  beforeEvalExp(strategy: BaseStrategy): void {
    const exp = strategy.experience!;
    this.line(`-- Starting eval on experience ${exp.currentExperience} (Task ${exp.taskLabel}) from ${exp.originStream.name} stream --`);
    this.startBar(strategy);
  }

  afterEvalIteration(): void {
    this.bar?.update();
  }

  afterEvalExp(strategy: BaseStrategy, values: MetricValue[]): void {
    this.endBar();
    const exp = strategy.experience!;
    this.line(`> Eval on experience ${exp.currentExperience} (Task ${exp.taskLabel}) from ${exp.originStream.name} stream ended.`);
    this.printMetrics(values);
  }

  afterEval(_strategy: BaseStrategy, values: MetricValue[]): void {
    this.line('-- >> End of eval phase << --');
    this.printMetrics(values);
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
