/**
 * Balanced data loaders, as Avalanche's `GroupBalancedDataLoader`, `TaskBalancedDataLoader` and
 * `ReplayDataLoader`. Batch sizes follow current Avalanche: `batchSize` is the total of a batch,
 * split evenly over the groups with the remainder to the first groups. (Avalanche 0.1, the
 * tutorial's version, gave `batch_size` samples to each group.)
 */
import { ClassificationDataset } from '../data/dataset';
import { Random, makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { MiniBatchSource } from './dataLoader';
import { GroupSampler, splitBatchSize } from './groupSampler';
import { BatchParts, gatherAhead } from './prefetch';
import { MiniBatch } from './miniBatch';

/** Options of `GroupBalancedDataLoader`. */
export interface GroupBalancedOptions {
  /** Samples per batch over all groups (default 32). */
  batchSize?: number;
  /** Restart exhausted groups until the largest group ends (default false: they drop out). */
  oversampleSmallGroups?: boolean;
  /** Random order within each group, new every epoch (default false). */
  shuffle?: boolean;
  /** Seed of the shuffling. */
  seed?: number | null;
}

const GROUP_OPTIONS = ['batchSize', 'oversampleSmallGroups', 'shuffle', 'seed'];

function checkDatasets(where: string, datasets: ClassificationDataset[]): void {
  if (!Array.isArray(datasets) || datasets.length === 0) throw new Error(`${where}: datasets must be a non-empty list of datasets`);
  datasets.forEach((d, i) => {
    if (!(d instanceof ClassificationDataset)) throw new Error(`${where}: datasets[${i}] is not a ClassificationDataset`);
  });
}

/**
 * Yields `[x, y, t]` batches with an equal share of every group (data set) in each batch. An epoch
 * lasts as many batches as the longest group needs.
 */
export class GroupBalancedDataLoader implements MiniBatchSource {
  readonly datasets: ClassificationDataset[];
  readonly batchSize: number;
  readonly oversampleSmallGroups: boolean;
  /** Samples each group contributes to a batch. */
  readonly groupBatchSizes: number[];
  private readonly samplers: GroupSampler[];
  /** Draws the order and the data sets' random transforms. */
  private readonly random: Random;

  constructor(datasets: ClassificationDataset[], options: GroupBalancedOptions = {}) {
    checkKnownOptions('GroupBalancedDataLoader', options, GROUP_OPTIONS);
    checkDatasets('GroupBalancedDataLoader', datasets);
    this.datasets = datasets;
    this.batchSize = checkInteger('batchSize', options.batchSize ?? 32, 1);
    if (this.batchSize < datasets.length) {
      throw new Error(`batchSize (${this.batchSize}) must be at least the number of groups (${datasets.length}): each group needs a sample per batch`);
    }
    this.oversampleSmallGroups = options.oversampleSmallGroups ?? false;
    this.groupBatchSizes = splitBatchSize(this.batchSize, datasets.length);
    const random = makeRandom(options.seed);
    this.random = random;
    this.samplers = datasets.map((d, i) => new GroupSampler(d, this.groupBatchSizes[i], options.shuffle ?? false, random));
  }

  /** Batches per epoch: those of the longest group. */
  get length(): number {
    return Math.max(...this.samplers.map((s) => s.length));
  }

  *[Symbol.iterator](): Iterator<MiniBatch> {
    yield* gatherAhead(this.batchParts(), this.random);
  }

  private *batchParts(): Generator<BatchParts> {
    this.samplers.forEach((s) => s.restart());
    const active = this.samplers.map(() => true);
    for (let b = 0; b < this.length; b++) {
      const parts: BatchParts = [];
      this.samplers.forEach((s, i) => {
        if (!active[i]) return;
        const indices = this.oversampleSmallGroups ? s.nextCycling() : s.next();
        if (indices && indices.length) parts.push({ dataset: s.dataset, indices });
        else if (!this.oversampleSmallGroups) active[i] = false;
      });
      if (parts.length === 0) return;
      yield parts;
    }
  }
}

/** Options of `TaskBalancedDataLoader`. */
export interface TaskBalancedOptions extends Omit<GroupBalancedOptions, 'oversampleSmallGroups'> {
  /** Restart exhausted tasks until the largest task ends (default false). */
  oversampleSmallTasks?: boolean;
}

/** A `GroupBalancedDataLoader` over the task labels of one data set. */
export class TaskBalancedDataLoader extends GroupBalancedDataLoader {
  constructor(dataset: ClassificationDataset, options: TaskBalancedOptions = {}) {
    checkKnownOptions('TaskBalancedDataLoader', options, ['batchSize', 'oversampleSmallTasks', 'shuffle', 'seed']);
    if (!(dataset instanceof ClassificationDataset)) throw new Error('TaskBalancedDataLoader: dataset must be a ClassificationDataset');
    const { oversampleSmallTasks, ...rest } = options;
    super([...dataset.indicesBy('task').values()].map((idx) => dataset.subset(idx)), { ...rest, oversampleSmallGroups: oversampleSmallTasks });
  }
}

/** Options of `ReplayDataLoader`. */
export interface ReplayDataLoaderOptions {
  /**
   * With `batchSizeMem`: samples of the current data per batch. Without it: the whole batch, split
   * evenly between the current data and the memory (the memory's tasks when `taskBalancedDataloader`),
   * remainder to the current data, as the tutorial's Avalanche 0.1 did. Default 32.
   */
  batchSize?: number;
  /** Samples of the memory per batch (current Avalanche); default: share `batchSize` (see there). */
  batchSizeMem?: number;
  /**
   * Accepted for Avalanche compatibility (the tutorial passes it). The current data is read by one
   * loader whose pass sets the epoch, so there is no smaller task to oversample; the memory is always
   * cycled.
   */
  oversampleSmallTasks?: boolean;
  /** Balance the memory's share over its task labels (default false). */
  taskBalancedDataloader?: boolean;
  /** Random order, new every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling. */
  seed?: number | null;
}

/**
 * Batches of the current data joined with batches of the memory, as Avalanche's `ReplayDataLoader`.
 * The epoch length is set by the current data alone (Avalanche issue 1274); the memory is cycled.
 */
export class ReplayDataLoader implements MiniBatchSource {
  readonly data: ClassificationDataset;
  readonly memory: ClassificationDataset;
  /** Current-data samples per batch. */
  readonly dataBatchSize: number;
  /** Memory samples per batch, per memory group (one group, or one per task). */
  readonly memoryBatchSizes: number[];
  private readonly dataSampler: GroupSampler;
  private readonly memorySamplers: GroupSampler[];

  /** Draws the order and the data sets' random transforms. */
  private readonly random: Random;
  constructor(data: ClassificationDataset, memory: ClassificationDataset, options: ReplayDataLoaderOptions = {}) {
    checkKnownOptions('ReplayDataLoader', options, ['batchSize', 'batchSizeMem', 'oversampleSmallTasks', 'taskBalancedDataloader', 'shuffle', 'seed']);
    if (!(data instanceof ClassificationDataset)) throw new Error('ReplayDataLoader: data must be a ClassificationDataset');
    if (!(memory instanceof ClassificationDataset)) throw new Error('ReplayDataLoader: memory must be a ClassificationDataset (e.g. storagePolicy.buffer)');
    if (data.length === 0) throw new Error('ReplayDataLoader: data must not be empty');
    this.data = data;
    this.memory = memory;
    const batchSize = checkInteger('batchSize', options.batchSize ?? 32, 1);
    const batchSizeMem = options.batchSizeMem === undefined ? undefined : checkInteger('batchSizeMem', options.batchSizeMem, 1);
    const shuffle = options.shuffle ?? true;
    const random = makeRandom(options.seed);
    const memoryGroups = memory.length === 0 ? [] : options.taskBalancedDataloader ? [...memory.indicesBy('task').values()] : [null];
    if (batchSizeMem === undefined) {
      if (batchSize < 1 + memoryGroups.length) {
        throw new Error(`batchSize (${batchSize}) must be at least the number of groups it is split over (current data + ${memoryGroups.length} memory groups)`);
      }
      const sizes = splitBatchSize(batchSize, 1 + memoryGroups.length);
      this.dataBatchSize = sizes[0];
      this.memoryBatchSizes = sizes.slice(1);
    } else {
      if (batchSizeMem < memoryGroups.length) {
        throw new Error(`batchSizeMem (${batchSizeMem}) must be at least the number of tasks in the memory (${memoryGroups.length})`);
      }
      this.dataBatchSize = batchSize;
      this.memoryBatchSizes = memoryGroups.length ? splitBatchSize(batchSizeMem, memoryGroups.length) : [];
    }
    this.random = random;
    this.dataSampler = new GroupSampler(data, this.dataBatchSize, shuffle, random);
    this.memorySamplers = memoryGroups.map(
      (idx, i) => new GroupSampler(idx === null ? memory : memory.subset(idx), this.memoryBatchSizes[i], shuffle, random),
    );
  }

  /** Batches per epoch: those of the current data. */
  get length(): number {
    return this.dataSampler.length;
  }

  *[Symbol.iterator](): Iterator<MiniBatch> {
    yield* gatherAhead(this.batchParts(), this.random);
  }

  private *batchParts(): Generator<BatchParts> {
    [this.dataSampler, ...this.memorySamplers].forEach((s) => s.restart());
    for (let b = 0; b < this.length; b++) {
      const parts: BatchParts = [];
      const indices = this.dataSampler.next();
      if (indices && indices.length) parts.push({ dataset: this.data, indices });
      for (const s of this.memorySamplers) {
        const memIndices = s.nextCycling();
        if (memIndices && memIndices.length) parts.push({ dataset: s.dataset, indices: memIndices });
      }
      yield parts;
    }
  }
}
