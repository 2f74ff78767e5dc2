/** Replay (rehearsal): `ReplayPlugin`, as Avalanche's (the `Replay` strategy wraps it). */
import { ReplayDataLoader } from '../../loaders/balancedLoaders';
import { ExperienceBalancedBuffer } from '../../storage/balanced';
import { ExemplarsBuffer, checkBufferSize } from '../../storage/exemplarsBuffer';
import { checkInteger, checkKnownOptions } from '../../utils/validate';
import { StrategyPlugin } from './strategyPlugin';
import type { BaseStrategy } from '../template';

/** Options of `ReplayPlugin`. */
export interface ReplayPluginOptions {
  /** Memory size (default 200). */
  memSize?: number;
  /** The buffer (default: an `ExperienceBalancedBuffer` of `memSize`). */
  storagePolicy?: ExemplarsBuffer;
  /** Current-data samples per batch (default: the strategy's `trainMbSize`). */
  batchSize?: number;
  /** Memory samples per batch (default: the strategy's `trainMbSize`, as Avalanche's ReplayPlugin). */
  batchSizeMem?: number;
  /** Balance the memory's share of a batch over its tasks (default false). */
  taskBalancedDataloader?: boolean;
  /** Seed of the default buffer (default: drawn from the global generator); `Replay` passes one derived from its own `seed`. */
  seed?: number | null;
}

/**
 * Rehearsal: after each experience the storage policy is updated; before each experience (from the
 * second on) the strategy's data loader is replaced by a `ReplayDataLoader` joining current data and
 * memory.
 */
export class ReplayPlugin extends StrategyPlugin {
  readonly storagePolicy: ExemplarsBuffer;
  readonly batchSize?: number;
  readonly batchSizeMem?: number;
  readonly taskBalancedDataloader: boolean;

  constructor(options: ReplayPluginOptions = {}) {
    super();
    checkKnownOptions('ReplayPlugin', options, ['memSize', 'storagePolicy', 'batchSize', 'batchSizeMem', 'taskBalancedDataloader', 'seed']);
    const memSize = checkBufferSize('memSize', options.memSize ?? options.storagePolicy?.maxSize ?? 200);
    if (options.storagePolicy) {
      if (typeof options.storagePolicy.update !== 'function') throw new Error('storagePolicy must be an ExemplarsBuffer (e.g. new ReservoirSamplingBuffer(200))');
      if (options.memSize !== undefined && options.storagePolicy.maxSize !== memSize) {
        throw new Error(`memSize (${memSize}) differs from storagePolicy.maxSize (${options.storagePolicy.maxSize}); give one of them`);
      }
      if (options.seed != null) throw new Error('ReplayPlugin: seed seeds the default buffer; with storagePolicy, give the seed to that buffer instead');
    }
    this.storagePolicy = options.storagePolicy ?? new ExperienceBalancedBuffer({ maxSize: memSize, adaptiveSize: true, seed: options.seed });
    if (options.batchSize !== undefined) this.batchSize = checkInteger('batchSize', options.batchSize, 1);
    if (options.batchSizeMem !== undefined) this.batchSizeMem = checkInteger('batchSizeMem', options.batchSizeMem, 1);
    this.taskBalancedDataloader = options.taskBalancedDataloader ?? false;
  }

  override beforeTrainingExp(strategy: BaseStrategy): void {
    if (this.storagePolicy.buffer.length === 0) return;
    strategy.dataloader = new ReplayDataLoader(strategy.adaptedDataset!, this.storagePolicy.buffer, {
      oversampleSmallTasks: true,
      batchSize: this.batchSize ?? strategy.trainMbSize,
      batchSizeMem: this.batchSizeMem ?? strategy.trainMbSize,
      taskBalancedDataloader: this.taskBalancedDataloader,
      shuffle: true,
      seed: strategy.makeSeed(),
    });
  }

  override async afterTrainingExp(strategy: BaseStrategy): Promise<void> {
    await this.storagePolicy.update(strategy);
  }
}
