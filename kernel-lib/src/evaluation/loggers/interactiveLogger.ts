/**
 * `InteractiveLogger`, as Avalanche's: a `TextLogger` on stdout plus a progress bar per training
 * epoch and per evaluated experience. Readable in a terminal and in a notebook (the bar redraws in
 * place with `\r`).
 */
import type { BaseStrategy } from '../../training/template';
import { ProgressBar } from './progressBar';
import { TextLogger } from './textLogger';

/** Options of `InteractiveLogger`. */
export interface InteractiveLoggerOptions {
  /** Where to write (default: process.stdout). */
  write?: (text: string) => void;
  /** Show progress bars (default true). */
  progressBar?: boolean;
}

/** Prints training and evaluation progress and metric values. */
export class InteractiveLogger extends TextLogger {
  private readonly showBar: boolean;
  private bar: ProgressBar | null = null;

  constructor(options: InteractiveLoggerOptions = {}) {
    super(options.write ? { write: options.write } : process.stdout);
    this.showBar = options.progressBar ?? true;
  }

  private startBar(strategy: BaseStrategy): void {
    if (this.showBar) this.bar = new ProgressBar(strategy.dataloader?.length, { write: this.write });
  }

  private endBar(): void {
    this.bar?.close();
    this.bar = null;
  }

  beforeTrainingEpoch(strategy: BaseStrategy): void {
    this.startBar(strategy);
  }

  afterTrainingIteration(): void {
    this.bar?.update();
  }

  override afterTrainingEpoch(strategy: BaseStrategy): void {
    this.endBar();
    super.afterTrainingEpoch(strategy);
  }

  override beforeEvalExp(strategy: BaseStrategy): void {
    super.beforeEvalExp(strategy);
    this.startBar(strategy);
  }

  afterEvalIteration(): void {
    this.bar?.update();
  }

  override afterEvalExp(strategy: BaseStrategy): void {
    this.endBar();
    super.afterEvalExp(strategy);
  }
}
