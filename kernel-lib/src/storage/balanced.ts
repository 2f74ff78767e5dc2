/**
 * Buffers split into groups with their own quota, as Avalanche's `BalancedExemplarsBuffer` and its
 * subclasses `ExperienceBalancedBuffer`, `ClassBalancedBuffer` and `ParametricBuffer`.
 */
import { ClassificationDataset } from '../data/dataset';
import { MaybePromise, andThen, forEachInOrder, isPromise } from '../utils/maybePromise';
import { makeRandom } from '../utils/random';
import { checkKnownOptions, checkOneOf } from '../utils/validate';
import { BufferState, ExemplarsBuffer, checkBufferSize, experienceData } from './exemplarsBuffer';
import { ReservoirSamplingBuffer } from './reservoir';
import { ExemplarsSelectionStrategy, RandomExemplarsSelectionStrategy } from './selection';

/** Options of the balanced buffers. */
export interface BalancedBufferOptions {
  /** The most samples kept, over all groups. */
  maxSize: number;
  /** Split `maxSize` over the groups seen so far (default true); else a fixed share of `totalNumGroups`. */
  adaptiveSize?: boolean;
  /** Number of groups expected overall; required when `adaptiveSize` is false. */
  totalNumGroups?: number;
  /** Seed of the random choices (default: drawn from the global generator). */
  seed?: number | null;
}

/** A buffer made of per-group buffers, each with its quota. */
export abstract class BalancedExemplarsBuffer extends ExemplarsBuffer {
  /** Group id → the group's buffer (with its own `.buffer`). */
  readonly bufferGroups = new Map<number, ExemplarsBuffer>();
  readonly adaptiveSize: boolean;
  readonly totalNumGroups: number | null;
  /** Base seed of the groups' generators (the group id is added). */
  protected readonly seed: number;
  private cache: { parts: ClassificationDataset[]; data: ClassificationDataset } | null = null;
  /** The update still running (feature-based selection on webgpu reads features asynchronously). */
  private pending: Promise<void> | null = null;

  constructor(options: BalancedBufferOptions) {
    checkKnownOptions(new.target.name, options, ['maxSize', 'adaptiveSize', 'totalNumGroups', 'seed', ...new.target.extraOptions]);
    super(options.maxSize);
    this.adaptiveSize = options.adaptiveSize ?? true;
    if (!this.adaptiveSize) {
      if (typeof options.totalNumGroups !== 'number' || !Number.isInteger(options.totalNumGroups) || options.totalNumGroups <= 0) {
        throw new Error(`totalNumGroups must be a positive integer when adaptiveSize is false, got ${options.totalNumGroups}`);
      }
    }
    this.totalNumGroups = options.totalNumGroups ?? null;
    // Drawn once here (not per group later) so that setSeed before construction fixes every group.
    this.seed = options.seed ?? makeRandom().nextSeed();
  }

  /** The samples of every group, concatenated in group order. */
  override get buffer(): ClassificationDataset {
    this.checkNotPending('reading the buffer');
    const parts = [...this.bufferGroups.values()].map((g) => g.buffer).filter((b) => b.length > 0);
    if (parts.length === 0) return super.buffer;
    if (this.cache && this.cache.parts.length === parts.length && this.cache.parts.every((p, i) => p === parts[i])) return this.cache.data;
    const data = parts.length === 1 ? parts[0] : ClassificationDataset.concat(parts);
    this.cache = { parts, data };
    return data;
  }

  override set buffer(_data: ClassificationDataset) {
    throw new Error('the buffer of a balanced buffer is made of its groups: update or resize the groups instead');
  }

  /**
   * Quota of each of `numGroups` groups: `maxSize` split evenly, the remainder to the first groups
   * (adaptive); or `maxSize / totalNumGroups` each.
   */
  getGroupLengths(numGroups: number): number[] {
    if (numGroups <= 0) return [];
    if (!this.adaptiveSize) return new Array(numGroups).fill(Math.floor(this.maxSize / this.totalNumGroups!));
    const base = Math.floor(this.maxSize / numGroups);
    const rem = this.maxSize - base * numGroups;
    return Array.from({ length: numGroups }, (_, i) => base + (i < rem ? 1 : 0));
  }

  resize(state: BufferState, newSize: number): MaybePromise<void> {
    this.checkNotPending('resize');
    this.maxSize = checkBufferSize('newSize', newSize);
    return this.track(this.applyQuotas(state));
  }

  /** Options a subclass accepts beyond the balanced buffers' own. */
  static extraOptions: string[] = [];

  /** A reservoir for group `id`, seeded from the buffer's seed and the id. */
  protected newReservoir(id: number): ReservoirSamplingBuffer {
    return new ReservoirSamplingBuffer(this.maxSize, { seed: this.seed + id });
  }

  /** Gives each group its quota (groups in ascending id order). */
  protected applyQuotas(state: BufferState): MaybePromise<void> {
    const ids = [...this.bufferGroups.keys()].sort((a, b) => a - b);
    const lengths = this.getGroupLengths(ids.length);
    return forEachInOrder(ids, (id, i) => this.bufferGroups.get(id)!.resize(state, lengths[i]));
  }

  /** Marks the buffer busy until `work` (if a promise) settles; returns it. */
  protected track(work: MaybePromise<void>): MaybePromise<void> {
    if (!isPromise(work)) return work;
    const pending = work.finally(() => {
      this.pending = null;
    });
    this.pending = pending;
    return pending;
  }

  /** A clear error instead of a half-updated buffer when an asynchronous update was not awaited. */
  protected checkNotPending(what: string): void {
    if (this.pending) {
      throw new Error(`${this.constructor.name}: ${what} while an update is still running (feature-based selection reads features from the GPU asynchronously on webgpu): await buffer.update(strategy) first`);
    }
  }
}

/** One reservoir per experience, each with an equal share (Avalanche's `ExperienceBalancedBuffer`). */
export class ExperienceBalancedBuffer extends BalancedExemplarsBuffer {
  update(state: BufferState): void {
    const data = experienceData(state, 'ExperienceBalancedBuffer.update');
    const expId = state.experience?.currentExperience ?? this.bufferGroups.size;
    const group = this.newReservoir(expId);
    group.updateFromDataset(data);
    this.bufferGroups.set(expId, group);
    this.applyQuotas(state); // reservoir groups: synchronous
  }
}

/** One reservoir per class seen, each with an equal share (Avalanche's `ClassBalancedBuffer`). */
export class ClassBalancedBuffer extends BalancedExemplarsBuffer {
  update(state: BufferState): void {
    const data = experienceData(state, 'ClassBalancedBuffer.update');
    for (const [cls, indices] of data.indicesBy('class')) {
      let group = this.bufferGroups.get(cls) as ReservoirSamplingBuffer | undefined;
      if (!group) {
        group = this.newReservoir(cls);
        this.bufferGroups.set(cls, group);
      }
      group.updateFromDataset(data.subset(indices));
    }
    this.applyQuotas(state); // reservoir groups: synchronous
  }
}

/** A buffer whose samples are chosen by a selection strategy (one group of `ParametricBuffer`). */
export class ParametricSingleBuffer extends ExemplarsBuffer {
  readonly selectionStrategy: ExemplarsSelectionStrategy;

  constructor(maxSize: number, selectionStrategy: ExemplarsSelectionStrategy) {
    super(maxSize);
    this.selectionStrategy = selectionStrategy;
  }

  update(state: BufferState): MaybePromise<void> {
    return this.updateFromDataset(state, experienceData(state, 'ParametricSingleBuffer.update'));
  }

  /**
   * Adds `data` to the candidates and keeps the best `maxSize` by the selection strategy (a promise
   * when the selection reads features asynchronously, on webgpu).
   */
  updateFromDataset(state: BufferState, data: ClassificationDataset): MaybePromise<void> {
    this.stored = this.stored && this.stored.length ? ClassificationDataset.concat([this.stored, data]) : data;
    return this.resize(state, this.maxSize);
  }

  resize(state: BufferState, newSize: number): MaybePromise<void> {
    this.maxSize = checkBufferSize('newSize', newSize);
    const candidates = this.stored;
    if (!candidates) return;
    if (candidates.length <= newSize && candidates.length > 0 && newSize > 0 && this.selectionSkippable()) return;
    return andThen(this.selectionStrategy.makeSortedIndices(state, candidates, newSize), (order) => {
      this.stored = candidates.subset(order.slice(0, newSize));
    });
  }

  /** Random selection of everything keeps everything: no need to reorder. */
  private selectionSkippable(): boolean {
    return this.selectionStrategy instanceof RandomExemplarsSelectionStrategy;
  }
}

/** How `ParametricBuffer` groups samples. */
export type GroupBy = null | 'class' | 'task' | 'experience';

/** Allowed values of `groupby`. */
export const GROUP_BY_VALUES: readonly GroupBy[] = [null, 'class', 'task', 'experience'];

/** Options of `ParametricBuffer`. */
export interface ParametricBufferOptions {
  maxSize: number;
  /** Group samples by class, task or experience (each group gets a share), or not at all (null, default). */
  groupby?: GroupBy;
  /** How to choose the samples kept in each group (default random). */
  selectionStrategy?: ExemplarsSelectionStrategy;
  /** Seed of the default random selection. */
  seed?: number | null;
}

/**
 * A buffer split into groups by `groupby`, each group's samples chosen by `selectionStrategy`
 * (Avalanche's `ParametricBuffer`).
 */
export class ParametricBuffer extends BalancedExemplarsBuffer {
  readonly groupby: GroupBy;
  readonly selectionStrategy: ExemplarsSelectionStrategy;

  static override extraOptions = ['groupby', 'selectionStrategy'];

  constructor(options: ParametricBufferOptions) {
    super(options as BalancedBufferOptions);
    if ((options as BalancedBufferOptions).adaptiveSize === false) throw new Error('ParametricBuffer: adaptiveSize is always true here');
    this.groupby = checkOneOf('groupby', options.groupby ?? null, GROUP_BY_VALUES);
    const selection = options.selectionStrategy ?? new RandomExemplarsSelectionStrategy({ seed: options.seed });
    if (typeof selection?.makeSortedIndices !== 'function') {
      throw new Error('selectionStrategy must be an ExemplarsSelectionStrategy (e.g. new RandomExemplarsSelectionStrategy())');
    }
    this.selectionStrategy = selection;
  }

  /**
   * Adds the experience's samples and keeps each group's best by the selection strategy.
   * Synchronous, except with a feature-based selection on webgpu: it then returns a promise (await it;
   * reading the buffer before it settles is an error).
   */
  update(state: BufferState): MaybePromise<void> {
    this.checkNotPending('update');
    const data = experienceData(state, 'ParametricBuffer.update');
    const groups = [...this.makeGroups(state, data)];
    const ids = [...new Set([...this.bufferGroups.keys(), ...groups.map(([id]) => id)])].sort((a, b) => a - b);
    const lengths = this.getGroupLengths(ids.length);
    const added = forEachInOrder(groups, ([id, indices]) => {
      const quota = lengths[ids.indexOf(id)];
      let group = this.bufferGroups.get(id) as ParametricSingleBuffer | undefined;
      if (!group) {
        group = new ParametricSingleBuffer(quota, this.selectionStrategy);
        this.bufferGroups.set(id, group);
      }
      group.maxSize = quota;
      return group.updateFromDataset(state, indices === null ? data : data.subset(indices));
    });
    return this.track(andThen(added, () => this.applyQuotas(state)));
  }

  private makeGroups(state: BufferState, data: ClassificationDataset): Map<number, Int32Array | null> {
    if (this.groupby === null) return new Map([[0, null]]);
    if (this.groupby === 'experience' && state.experience?.currentExperience !== undefined) {
      return new Map([[state.experience.currentExperience, null]]);
    }
    return data.indicesBy(this.groupby);
  }
}
