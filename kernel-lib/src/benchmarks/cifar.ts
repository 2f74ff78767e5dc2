/** Class-incremental CIFAR benchmarks: Avalanche's `SplitCIFAR10`, `SplitCIFAR100`, `SplitCIFAR110`. */
import { initBackend } from '../backend/backends';
import { ArchiveLoadOptions, ARCHIVE_SOURCES } from '../data/archiveDataset';
import { loadCIFAR10, loadCIFAR100 } from '../data/cifar';
import { ClassificationDataset } from '../data/dataset';
import { RawDataset } from '../data/idxDatasets';
import { Compose, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor, Transform } from '../data/transforms';
import { makeRandom } from '../utils/random';
import { NCBenchmark, classesPerExperience } from './ncBenchmark';
import { SPLIT_BASE_OPTION_NAMES, SplitBaseOptions, splitArgs, splitBenchmarkOptions } from './splitOptions';

/** Options shared by the split vision benchmarks (Avalanche's, in camelCase). */
export interface SplitVisionOptions extends SplitBaseOptions {
  /** Transform of the training data (default: the data set's, as Avalanche's). */
  trainTransform?: Transform | null;
  /** Transform of the evaluation data (default: the data set's, as Avalanche's). */
  evalTransform?: Transform | null;
  /** 'auto' (default): the folder, then a download; 'folder': never download; 'download'. */
  source?: (typeof ARCHIVE_SOURCES)[number];
}

/** Options of `SplitCIFAR10` / `SplitCIFAR100`. */
export interface SplitCIFAROptions extends SplitVisionOptions {
  /** A first experience with half the classes, the rest split evenly (default false). */
  firstExpWithHalfClasses?: boolean;
}

/** The option names of `SplitVisionOptions`. */
export const VISION_OPTION_NAMES = [...SPLIT_BASE_OPTION_NAMES, 'trainTransform', 'evalTransform'];

/** CIFAR-10's channel means and standard deviations, as Avalanche's default transforms. */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD = [0.2023, 0.1994, 0.201];
/** CIFAR-100's, as Avalanche's default transforms (also SplitCIFAR110's). */
export const CIFAR100_MEAN = [0.5071, 0.4865, 0.4409];
export const CIFAR100_STD = [0.2673, 0.2564, 0.2762];

/** Avalanche's CIFAR training transform: random crop with padding 4, horizontal flip, normalisation. */
export function cifarTrainTransform(mean: number[], std: number[]): Transform {
  return new Compose([new RandomCrop(32, { padding: 4 }), new RandomHorizontalFlip(), new ToTensor(), new Normalize(mean, std)]);
}

/** Avalanche's CIFAR evaluation transform: normalisation only. */
export function cifarEvalTransform(mean: number[], std: number[]): Transform {
  return new Compose([new ToTensor(), new Normalize(mean, std)]);
}


/** A raw split as a data set. */
export function rawToDataset(split: RawDataset['train']): ClassificationDataset {
  return new ClassificationDataset({ images: split.images, targets: split.labels, sampleShape: split.sampleShape });
}

/** The load options of a benchmark's options. */
export function archiveOptions(options: SplitVisionOptions): ArchiveLoadOptions {
  return { datasetRoot: options.datasetRoot, source: options.source, mirrors: options.mirrors };
}

/** A split benchmark of a loaded data set with Avalanche's defaults for the options not given. */
export function splitOf(
  raw: RawDataset | { train: ClassificationDataset; test: ClassificationDataset; classNames: string[]; source: string },
  options: SplitVisionOptions,
  extra: { perExpClasses?: Record<number, number> | null; train: Transform; eval: Transform },
): NCBenchmark {
  const asDataset = (d: ClassificationDataset | RawDataset['train']) => (d instanceof ClassificationDataset ? d : rawToDataset(d));
  return new NCBenchmark(
    asDataset(raw.train),
    asDataset(raw.test),
    {
      ...splitBenchmarkOptions(options),
      perExpClasses: extra.perExpClasses,
      trainTransform: options.trainTransform === undefined ? extra.train : options.trainTransform,
      evalTransform: options.evalTransform === undefined ? extra.eval : options.evalTransform,
    },
    { classNames: raw.classNames, dataSource: raw.source },
  );
}

/**
 * Class-incremental CIFAR-10, as Avalanche's `SplitCIFAR10`: `await SplitCIFAR10(5)` or
 * `await SplitCIFAR10({ nExperiences: 5, seed: 1 })`. Reads torchvision's folder
 * (`~/.avalanche/data/cifar10/cifar-10-batches-py`, or `datasetRoot`), else downloads it.
 */
export async function SplitCIFAR10(nExperiencesOrOptions?: number | SplitCIFAROptions, options?: SplitCIFAROptions): Promise<NCBenchmark> {
  const opts = splitArgs('SplitCIFAR10', [...VISION_OPTION_NAMES, 'firstExpWithHalfClasses'], nExperiencesOrOptions, options);
  const perExpClasses = opts.firstExpWithHalfClasses ? { 0: 5 } : null;
  classesPerExperience(10, opts.nExperiences ?? 5, perExpClasses);
  await initBackend();
  return splitOf(await loadCIFAR10(archiveOptions(opts)), opts, { perExpClasses, train: cifarTrainTransform(CIFAR10_MEAN, CIFAR10_STD), eval: cifarEvalTransform(CIFAR10_MEAN, CIFAR10_STD) });
}

/** Class-incremental CIFAR-100 (fine labels), as Avalanche's `SplitCIFAR100` (options as `SplitCIFAR10`). */
export async function SplitCIFAR100(nExperiencesOrOptions?: number | SplitCIFAROptions, options?: SplitCIFAROptions): Promise<NCBenchmark> {
  const opts = splitArgs('SplitCIFAR100', [...VISION_OPTION_NAMES, 'firstExpWithHalfClasses'], nExperiencesOrOptions, options);
  const perExpClasses = opts.firstExpWithHalfClasses ? { 0: 50 } : null;
  classesPerExperience(100, opts.nExperiences ?? 5, perExpClasses);
  await initBackend();
  return splitOf(await loadCIFAR100(archiveOptions(opts)), opts, { perExpClasses, train: cifarTrainTransform(CIFAR100_MEAN, CIFAR100_STD), eval: cifarEvalTransform(CIFAR100_MEAN, CIFAR100_STD) });
}

/** Options of `SplitCIFAR110`. */
export interface SplitCIFAR110Options {
  /** Number of experiences (default 5 as the others; the first holds CIFAR-10, the rest CIFAR-100 evenly). */
  nExperiences?: number;
  /** Seed of CIFAR-100's class order. */
  seed?: number | null;
  /** A fixed order of CIFAR-100's classes (0..99), placed after CIFAR-10's. */
  fixedClassOrder?: number[] | null;
  classIdsFromZeroFromFirstExp?: boolean;
  trainTransform?: Transform | null;
  evalTransform?: Transform | null;
  /** CIFAR-10's folder (default `~/.avalanche/data/cifar10`). */
  datasetRootCifar10?: string;
  /** CIFAR-100's folder (default `~/.avalanche/data/cifar100`). */
  datasetRootCifar100?: string;
  source?: (typeof ARCHIVE_SOURCES)[number];
}

/**
 * CIFAR-10 then CIFAR-100, as Avalanche's `SplitCIFAR110`: classes 0-9 are CIFAR-10's and form the
 * first experience; CIFAR-100's classes are 10-109, in a seeded order, split over the others.
 * Avalanche draws that order with Python's `random.sample`; ours draws it with the library's
 * generator, so a seed gives another (equally random) order than Avalanche's.
 */
export async function SplitCIFAR110(nExperiencesOrOptions?: number | SplitCIFAR110Options, options?: SplitCIFAR110Options): Promise<NCBenchmark> {
  const names = ['nExperiences', 'seed', 'fixedClassOrder', 'classIdsFromZeroFromFirstExp', 'trainTransform', 'evalTransform', 'datasetRootCifar10', 'datasetRootCifar100', 'source'];
  const opts = splitArgs('SplitCIFAR110', names, nExperiencesOrOptions as SplitVisionOptions, options as SplitVisionOptions) as SplitCIFAR110Options;
  const nExperiences = opts.nExperiences ?? 5;
  classesPerExperience(110, nExperiences, { 0: 10 });
  let order100: number[];
  if (opts.fixedClassOrder != null) {
    const given = [...opts.fixedClassOrder];
    if (given.length !== 100 || given.some((c) => !Number.isInteger(c) || c < 0 || c > 99) || new Set(given).size !== 100) {
      throw new Error(`SplitCIFAR110: fixedClassOrder must be a permutation of CIFAR-100's classes 0..99, got ${given.length} values`);
    }
    order100 = given;
  } else order100 = Array.from(makeRandom(opts.seed).permutation(100));
  await initBackend();
  const c10 = await loadCIFAR10({ datasetRoot: opts.datasetRootCifar10, source: opts.source });
  const c100 = await loadCIFAR100({ datasetRoot: opts.datasetRootCifar100, source: opts.source });
  const joined = (a: RawDataset['train'], b: RawDataset['train']) =>
    ClassificationDataset.concat([rawToDataset(a), rawToDataset({ ...b, labels: b.labels.map((c) => c + 10) })]);
  return new NCBenchmark(
    joined(c10.train, c100.train),
    joined(c10.test, c100.test),
    {
      nExperiences,
      taskLabels: false,
      fixedClassOrder: [...Array.from({ length: 10 }, (_, i) => i), ...order100.map((c) => c + 10)],
      classIdsFromZeroFromFirstExp: opts.classIdsFromZeroFromFirstExp,
      perExpClasses: { 0: 10 },
      trainTransform: opts.trainTransform === undefined ? cifarTrainTransform(CIFAR100_MEAN, CIFAR100_STD) : opts.trainTransform,
      evalTransform: opts.evalTransform === undefined ? cifarEvalTransform(CIFAR100_MEAN, CIFAR100_STD) : opts.evalTransform,
    },
    { classNames: [...c10.classNames, ...c100.classNames], dataSource: c10.source },
  );
}
