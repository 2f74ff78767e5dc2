/** The classic benchmarks of the tutorial: SplitMNIST and SplitFMNIST. */
import { initBackend } from '../backend/backends';
import { ClassificationDataset, Normalization } from '../data/dataset';
import { DATA_SOURCES, LoadDatasetOptions, RawDataset, RawSplit } from '../data/idxDatasets';
import { loadFashionMNIST, loadMNIST } from '../data/mnist';
import { NCBenchmark } from './ncBenchmark';
import { SPLIT_BASE_OPTION_NAMES, SplitBaseOptions, splitArgs, splitBenchmarkOptions } from './splitOptions';

/** Options of `SplitMNIST` / `SplitFMNIST` (Avalanche's, in camelCase); the folder holds the four IDX files. */
export interface SplitOptions extends SplitBaseOptions {
  /** Where the data may come from: 'auto' (default), 'folder', 'download' or 'bundled' (MNIST only). */
  source?: (typeof DATA_SOURCES)[number];
}

const SPLIT_OPTION_NAMES = SPLIT_BASE_OPTION_NAMES;

/** Avalanche's default MNIST normalisation. */
export const MNIST_NORMALIZATION: Normalization = { mean: 0.1307, std: 0.3081 };
/** The usual Fashion-MNIST normalisation (Avalanche's SplitFMNIST default transform). */
export const FMNIST_NORMALIZATION: Normalization = { mean: 0.2860, std: 0.3530 };

function toDataset(split: RawSplit, normalization: Normalization): ClassificationDataset {
  return new ClassificationDataset({ images: split.images, targets: split.labels, sampleShape: split.sampleShape, normalization });
}

function buildSplit(raw: RawDataset, options: SplitOptions, normalization: Normalization): NCBenchmark {
  return new NCBenchmark(
    toDataset(raw.train, normalization),
    toDataset(raw.test, normalization),
    splitBenchmarkOptions(options),
    { classNames: raw.classNames, dataSource: raw.source },
  );
}

function normalizeArgs(where: string, first?: number | SplitOptions, second?: SplitOptions): SplitOptions {
  return splitArgs(where, SPLIT_OPTION_NAMES, first, second);
}

function loadOptions(options: SplitOptions): LoadDatasetOptions {
  return { datasetRoot: options.datasetRoot, source: options.source, mirrors: options.mirrors };
}

/**
 * Class-incremental MNIST: 10 classes split into `nExperiences` experiences, as Avalanche's
 * `SplitMNIST`. Call as `await SplitMNIST({ nExperiences: 5 })` or `await SplitMNIST(5, { returnTaskId: true })`.
 * Async because the data may have to be read or downloaded; it also starts the tensor backend
 * (`initBackend`), so that data loaders and models can be used right after.
 */
export async function SplitMNIST(nExperiencesOrOptions?: number | SplitOptions, options?: SplitOptions): Promise<NCBenchmark> {
  const opts = normalizeArgs('SplitMNIST', nExperiencesOrOptions, options);
  // Validate the split before loading any data.
  validateSplit(opts);
  await initBackend();
  return buildSplit(await loadMNIST(loadOptions(opts)), opts, MNIST_NORMALIZATION);
}

/** Class-incremental Fashion-MNIST, as Avalanche's `SplitFMNIST` (same options as `SplitMNIST`). */
export async function SplitFMNIST(nExperiencesOrOptions?: number | SplitOptions, options?: SplitOptions): Promise<NCBenchmark> {
  const opts = normalizeArgs('SplitFMNIST', nExperiencesOrOptions, options);
  validateSplit(opts);
  await initBackend();
  return buildSplit(await loadFashionMNIST(loadOptions(opts)), opts, FMNIST_NORMALIZATION);
}

/** Checks the split options against the 10 classes of (Fashion-)MNIST before data is loaded. */
function validateSplit(options: SplitOptions): void {
  const classes = Array.from({ length: 10 }, (_, i) => i);
  const images = new Uint8Array(10);
  const probe = new ClassificationDataset({ images, targets: Int32Array.from(classes), sampleShape: [1] });
  // Building a tiny benchmark runs every check of NCBenchmark (nExperiences, fixedClassOrder, ...).
  buildSplit(
    { name: 'probe', train: { images, labels: probe.targets, sampleShape: [1] }, test: { images, labels: probe.targets, sampleShape: [1] }, source: 'bundled', classNames: [] },
    { ...options, seed: options.seed ?? 0 },
    { mean: 0, std: 1 },
  );
}
