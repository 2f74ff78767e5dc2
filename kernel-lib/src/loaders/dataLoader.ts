/** `DataLoader`: mini-batches of a `ClassificationDataset`, in (seeded) random or file order. */
import { ClassificationDataset } from '../data/dataset';
import { Random, makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { MiniBatch, gatherMiniBatch } from './miniBatch';
import { BatchParts, gatherAhead } from './prefetch';

/** Options of `DataLoader` (PyTorch's names, in camelCase). */
export interface DataLoaderOptions {
  /** Samples per batch (default 1, as PyTorch). */
  batchSize?: number;
  /** New random order every epoch (default false, as PyTorch). */
  shuffle?: boolean;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
  /** Seed of the shuffling (default: drawn from the global generator). */
  seed?: number | null;
}

/** Anything a strategy can iterate for mini-batches (a `DataLoader`, a replay loader, a user's). */
export interface MiniBatchSource extends Iterable<MiniBatch> {
  /** Number of batches per epoch, when known. */
  readonly length?: number;
}

const DATA_LOADER_OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'seed'];

/**
 * Yields `[x, y, t]` mini-batches gathered from the data set's typed arrays into fresh tensors.
 * The caller owns each batch (the strategies dispose them after the iteration).
 */
export class DataLoader implements MiniBatchSource {
  readonly dataset: ClassificationDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly random: Random;

  constructor(dataset: ClassificationDataset, options: DataLoaderOptions = {}) {
    checkKnownOptions('DataLoader', options, DATA_LOADER_OPTIONS);
    if (!(dataset instanceof ClassificationDataset)) {
      const got = dataset == null ? String(dataset) : Array.isArray(dataset) ? 'an Array' : `a ${(dataset as object).constructor?.name ?? typeof dataset}`;
      const hint = (dataset as { dataset?: unknown })?.dataset instanceof ClassificationDataset ? ' (an experience: pass experience.dataset)' : '';
      throw new Error(`DataLoader: dataset must be a ClassificationDataset (e.g. experience.dataset), got ${got}${hint}`);
    }
    this.dataset = dataset;
    this.batchSize = checkInteger('batchSize', options.batchSize ?? 1, 1);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.random = makeRandom(options.seed);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<MiniBatch> {
    const n = this.dataset.length;
    const order = this.shuffle ? this.random.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    const batches = this.length;
    if (this.dataset.transform) {
      const parts = function* (this: DataLoader): Generator<BatchParts> {
        for (let b = 0; b < batches; b++) {
          const from = b * this.batchSize;
          yield [{ dataset: this.dataset, indices: order.slice(from, Math.min(from + this.batchSize, n)) }];
        }
      };
      yield* gatherAhead(parts.call(this), this.random);
      return;
    }
    for (let b = 0; b < batches; b++) {
      const start = b * this.batchSize;
      yield gatherMiniBatch(this.dataset, order, start, Math.min(start + this.batchSize, n), this.random);
    }
  }
}
