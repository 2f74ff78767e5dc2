/** Replay (rehearsal): `ReplayPlugin` and the `Replay` strategy, as Avalanche's. */
import { defaultEvaluator } from '../evaluation/evaluationPlugin';
import { ReplayDataLoader } from '../loaders/balancedLoaders';
import { CLModel } from '../models/model';
import { ExperienceBalancedBuffer } from '../storage/balanced';
import { ExemplarsBuffer, checkBufferSize } from '../storage/exemplarsBuffer';
import { deriveSeed } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { Optimizer } from './optimizers';
import { StrategyPlugin } from './plugins';
import { BaseStrategy, CriterionLike, StrategyOptions } from './template';

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

/** Salt of the seed `Replay` derives for its buffer from its own. */
const REPLAY_BUFFER_SALT = 0x5eed;

/** Options of `Replay`: the strategy options plus the memory size. */
export interface ReplayOptions extends StrategyOptions {
  /** Memory size (default 200). */
  memSize?: number;
}

/**
 * Experience replay, as Avalanche's `Replay`: `Naive` plus a `ReplayPlugin` of `memSize`. Its `seed`
 * option also seeds the plugin's buffer.
 */
export class Replay extends BaseStrategy {
  readonly replayPlugin: ReplayPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: ReplayOptions = {}) {
    const { memSize, ...rest } = options;
    const replayPlugin = new ReplayPlugin({ memSize: memSize ?? 200, seed: deriveSeed(rest.seed, REPLAY_BUFFER_SALT) });
    super(model, optimizer, criterion, { ...rest, plugins: [...(rest.plugins ?? []), replayPlugin], evaluator: rest.evaluator ?? defaultEvaluator() });
    this.replayPlugin = replayPlugin;
  }
}
