/**
 * Learning-rate schedulers with PyTorch's rules (`torch.optim.lr_scheduler`): `StepLR` and
 * `CosineAnnealingLR`. `step()` advances one epoch and sets the optimizer's `lr`;
 * `LRSchedulerPlugin` calls it after each training epoch, as Avalanche's.
 */
import { checkInteger, checkKnownOptions, checkPositive } from '../utils/validate';
import type { Optimizer } from './optimizers';

/** A scheduler: the learning rate as a function of the epoch count. */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The optimizer's learning rate when the scheduler was made (PyTorch's `base_lrs[0]`). */
  readonly baseLr: number;
  /** Epochs stepped so far (PyTorch's `last_epoch`). */
  lastEpoch = 0;

  constructor(optimizer: Optimizer) {
    if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.lr !== 'number') {
      throw new Error('optimizer must be an Optimizer (e.g. new SGD({ lr: 0.1 }))');
    }
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
  }

  /** The learning rate at epoch `epoch`. */
  abstract lrAt(epoch: number): number;

  /** Advances one epoch and sets the optimizer's learning rate. */
  step(): void {
    this.lastEpoch += 1;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  /** Back to epoch 0 (the learning rate is left as it is; `LRSchedulerPlugin` resets it with `resetLr`). */
  reset(): void {
    this.lastEpoch = 0;
  }
}

/** `lr = baseLr * gamma ^ floor(epoch / stepSize)`, as `torch.optim.lr_scheduler.StepLR`. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  /** `new StepLR(optimizer, { stepSize: 10, gamma: 0.1 })`. */
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkKnownOptions('StepLR', options, ['stepSize', 'gamma']);
    this.stepSize = checkInteger('stepSize', options?.stepSize, 1);
    this.gamma = checkPositive('gamma', options.gamma ?? 0.1);
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** `lr = etaMin + (baseLr - etaMin) (1 + cos(pi epoch / tMax)) / 2`, as `torch.optim.lr_scheduler.CosineAnnealingLR`'s closed form. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  /** `new CosineAnnealingLR(optimizer, { tMax: 10, etaMin: 0 })`. */
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkKnownOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    this.tMax = checkInteger('tMax', options?.tMax, 1);
    this.etaMin = checkPositive('etaMin', options.etaMin ?? 0, true);
  }

  lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
