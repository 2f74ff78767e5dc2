/** The options every split benchmark shares (Avalanche's `SplitMNIST`, `SplitCIFAR10`, ... in camelCase). */
import { checkKnownOptions } from '../utils/validate';
import { NCBenchmarkOptions } from './ncBenchmark';

/** How the classes are ordered, split and numbered, and where the data set's folder is. */
export interface SplitBaseOptions {
  /** Number of experiences (default 5, 10 for Tiny ImageNet); must split the classes evenly. */
  nExperiences?: number;
  /** Give each experience its index as task label (default false). */
  returnTaskId?: boolean;
  /** Seed of the class order (default: drawn from the global generator). */
  seed?: number | null;
  /** A fixed class order, a permutation of the classes (overrides `shuffle`). */
  fixedClassOrder?: number[] | null;
  /** Shuffle the class order (default true). */
  shuffle?: boolean;
  /** Remap the classes of each experience to 0..k-1 (default: true with `returnTaskId`, as Avalanche 0.1; else false). */
  classIdsFromZeroInEachExp?: boolean;
  /** Remap the classes to 0..n-1 in class order (default false). */
  classIdsFromZeroFromFirstExp?: boolean;
  /** The data set's folder (default: `~/.avalanche/data/<name>`, where Avalanche keeps it). */
  datasetRoot?: string;
  /** Base URLs to download from instead of the data set's own, tried in order. */
  mirrors?: string[];
}

/** The names of `SplitBaseOptions` plus `source`, for the unknown-option check. */
export const SPLIT_BASE_OPTION_NAMES = [
  'nExperiences',
  'returnTaskId',
  'seed',
  'fixedClassOrder',
  'shuffle',
  'classIdsFromZeroInEachExp',
  'classIdsFromZeroFromFirstExp',
  'datasetRoot',
  'source',
  'mirrors',
];

/** `(n, options)` or `(options)` as one options object; option names not in `names` are refused. */
export function splitArgs<T extends SplitBaseOptions>(where: string, names: string[], first?: number | T, second?: T): T {
  checkKnownOptions(where, typeof first === 'number' ? second : first, names);
  return (typeof first === 'number' ? { ...second, nExperiences: first } : { ...first }) as T;
}

/** The `ncBenchmark` options of a split benchmark's options, with Avalanche's defaults. */
export function splitBenchmarkOptions(options: SplitBaseOptions): NCBenchmarkOptions {
  return {
    nExperiences: options.nExperiences ?? 5,
    taskLabels: options.returnTaskId ?? false,
    seed: options.seed,
    fixedClassOrder: options.fixedClassOrder,
    shuffle: options.shuffle,
    // Avalanche 0.1's split benchmarks relabel from 0 in each experience when they return task
    // labels (each task then has its own small head in a multi-head model).
    classIdsFromZeroInEachExp: options.classIdsFromZeroInEachExp ?? (Boolean(options.returnTaskId) && !options.classIdsFromZeroFromFirstExp),
    classIdsFromZeroFromFirstExp: options.classIdsFromZeroFromFirstExp,
  };
}
