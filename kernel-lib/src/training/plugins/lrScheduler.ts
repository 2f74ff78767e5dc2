/** `LRSchedulerPlugin`, as Avalanche's: steps a scheduler after each training epoch, resets it after each experience. */
import { checkKnownOptions } from '../../utils/validate';
import { LRScheduler } from '../lrSchedulers';
import type { BaseStrategy } from '../template';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `LRSchedulerPlugin` (Avalanche's names, in camelCase). */
export interface LRSchedulerPluginOptions {
  /** Reset the scheduler to epoch 0 after each experience (default true). */
  resetScheduler?: boolean;
  /** Set the optimizer's learning rate back to the scheduler's base after each experience (default true). */
  resetLr?: boolean;
}

/** `new Naive(model, opt, crit, { plugins: [new LRSchedulerPlugin(new StepLR(opt, { stepSize: 2 }))] })`. */
export class LRSchedulerPlugin extends StrategyPlugin {
  readonly scheduler: LRScheduler;
  readonly resetScheduler: boolean;
  readonly resetLr: boolean;

  constructor(scheduler: LRScheduler, options: LRSchedulerPluginOptions = {}) {
    super();
    if (!(scheduler instanceof LRScheduler)) throw new Error('LRSchedulerPlugin: scheduler must be an LRScheduler (e.g. new StepLR(optimizer, { stepSize: 2 }))');
    checkKnownOptions('LRSchedulerPlugin', options, ['resetScheduler', 'resetLr']);
    this.scheduler = scheduler;
    this.resetScheduler = options.resetScheduler ?? true;
    this.resetLr = options.resetLr ?? true;
  }

  override beforeTraining(strategy: BaseStrategy): void {
    if (strategy.optimizer !== this.scheduler.optimizer) throw new Error("LRSchedulerPlugin: the scheduler was made for another optimizer than the strategy's");
  }

  override afterTrainingEpoch(): void {
    this.scheduler.step();
  }

  override afterTrainingExp(): void {
    if (this.resetLr) this.scheduler.optimizer.lr = this.scheduler.baseLr;
    if (this.resetScheduler) this.scheduler.reset();
  }
}
