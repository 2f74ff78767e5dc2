/** Avalanche's other vision benchmarks: `SplitTinyImageNet`, `SplitOmniglot` and `CORe50`. */
import { initBackend } from '../backend/backends';
import { ARCHIVE_SOURCES } from '../data/archiveDataset';
import { CORE50_N_BATCHES, CORE50_SCENARIOS, CORe50Scenario, loadCORe50 } from '../data/core50';
import { ClassificationDataset } from '../data/dataset';
import { loadOmniglot, readOmniglotImages } from '../data/omniglot';
import { loadTinyImageNet } from '../data/tinyImageNet';
import { Compose, Normalize, RandomHorizontalFlip, ToTensor, Transform } from '../data/transforms';
import { checkInteger, checkKnownOptions, checkOneOf } from '../utils/validate';
import { CIFAR10_MEAN, CIFAR10_STD, SplitVisionOptions, VISION_OPTION_NAMES, archiveOptions, splitOf } from './cifar';
import { splitArgs } from './splitOptions';
import { DatasetBenchmark } from './datasetBenchmark';
import { NCBenchmark, classesPerExperience } from './ncBenchmark';

const SPLIT_NAMES = VISION_OPTION_NAMES;

/**
 * Class-incremental Tiny ImageNet (200 classes of 64x64 images), as Avalanche's
 * `SplitTinyImageNet`: 10 experiences and seed 0 by default, and Avalanche's transforms (a
 * horizontal flip for training, and CIFAR-10's normalisation constants, which Avalanche uses here).
 */
export async function SplitTinyImageNet(nExperiencesOrOptions?: number | SplitVisionOptions, options?: SplitVisionOptions): Promise<NCBenchmark> {
  const opts = splitArgs('SplitTinyImageNet', SPLIT_NAMES, nExperiencesOrOptions, options);
  const withDefaults = { ...opts, nExperiences: opts.nExperiences ?? 10, seed: opts.seed === undefined ? 0 : opts.seed };
  await initBackend();
  const raw = await loadTinyImageNet(archiveOptions(opts));
  classesPerExperience(raw.classNames.length, withDefaults.nExperiences, null);
  return splitOf(raw, withDefaults, {
    train: new Compose([new RandomHorizontalFlip(), new ToTensor(), new Normalize(CIFAR10_MEAN, CIFAR10_STD)]),
    eval: new Compose([new ToTensor(), new Normalize(CIFAR10_MEAN, CIFAR10_STD)]),
  });
}

/** Options of `SplitOmniglot`. */
export interface SplitOmniglotOptions extends SplitVisionOptions {
  /** Drawings of each character kept for testing (default 5 of its 20: drawers 16-20). */
  testDrawingsPerClass?: number;
}

/** Omniglot's mean and standard deviation, as Avalanche's default transforms. */
export const OMNIGLOT_MEAN = 0.9221;
export const OMNIGLOT_STD = 0.2681;

/**
 * Class-incremental Omniglot over the 964 characters of `images_background` (Avalanche's
 * `SplitOmniglot` classes), 105x105 grey images, Avalanche's normalisation. Each character's
 * drawings are split: the last `testDrawingsPerClass` (default 5 of 20) are its test samples.
 * Avalanche tests on `images_evaluation` instead, whose 659 characters are other characters than
 * the training ones under the same label numbers, so its test accuracy is not measured on the
 * classes it trained; this split tests the classes that were trained.
 */
export async function SplitOmniglot(nExperiencesOrOptions?: number | SplitOmniglotOptions, options?: SplitOmniglotOptions): Promise<NCBenchmark> {
  const opts = splitArgs('SplitOmniglot', [...SPLIT_NAMES, 'testDrawingsPerClass'], nExperiencesOrOptions, options);
  const nTest = checkInteger('testDrawingsPerClass', opts.testDrawingsPerClass ?? 5, 1);
  await initBackend();
  const files = await loadOmniglot(archiveOptions(opts));
  const set = files.background;
  classesPerExperience(set.characters.length, opts.nExperiences ?? 5, null);
  const byClass = new Map<number, number[]>();
  set.labels.forEach((c, i) => byClass.set(c, [...(byClass.get(c) ?? []), i]));
  const train: number[] = [];
  const test: number[] = [];
  for (const [c, indices] of byClass) {
    if (indices.length <= nTest) throw new Error(`SplitOmniglot: character ${set.characters[c]} has ${indices.length} drawings; testDrawingsPerClass (${nTest}) must leave some for training`);
    train.push(...indices.slice(0, indices.length - nTest));
    test.push(...indices.slice(indices.length - nTest));
  }
  const dataset = (indices: number[]) =>
    new ClassificationDataset({ images: readOmniglotImages(set, indices), targets: Int32Array.from(indices, (i) => set.labels[i]), sampleShape: [105, 105] });
  const normalize = () => new Compose([new ToTensor(), new Normalize(OMNIGLOT_MEAN, OMNIGLOT_STD)]);
  return splitOf({ train: dataset(train), test: dataset(test), classNames: set.characters, source: 'folder' }, opts, { train: normalize(), eval: normalize() });
}

/** Options of `CORe50` (Avalanche's, in camelCase). */
export interface CORe50Options {
  /** 'ni', 'nc', 'nic', 'nicv2_79', 'nicv2_196' or 'nicv2_391' (default, as Avalanche). */
  scenario?: CORe50Scenario;
  /** Which of the 10 predefined runs (0-9, default 0). */
  run?: number;
  /** 50 objects (default true) or 10 categories. */
  objectLvl?: boolean;
  /** The 32x32 images instead of 128x128 (default false). */
  mini?: boolean;
  trainTransform?: Transform | null;
  evalTransform?: Transform | null;
  /** CORe50's folder (default `~/.avalanche/data/core50`). */
  datasetRoot?: string;
  source?: (typeof ARCHIVE_SOURCES)[number];
  mirrors?: string[];
}

/** ImageNet's channel statistics, Avalanche's CORe50 normalisation. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * CORe50, as Avalanche's `CORe50` benchmark: one experience per training batch of the scenario's
 * file lists, and one test experience with the whole test set (Avalanche's
 * `complete_test_set_only`). Avalanche's transforms: a horizontal flip for training and ImageNet's
 * normalisation. The images are held in memory: 164,866 at 128x128 are 8 GB, so `mini: true`
 * (32x32, 0.5 GB) is the size for a laptop.
 */
export async function CORe50(options: CORe50Options = {}): Promise<DatasetBenchmark> {
  checkKnownOptions('CORe50', options, ['scenario', 'run', 'objectLvl', 'mini', 'trainTransform', 'evalTransform', 'datasetRoot', 'source', 'mirrors']);
  const scenario = checkOneOf('scenario', options.scenario ?? 'nicv2_391', CORE50_SCENARIOS);
  const run = options.run ?? 0;
  if (!Number.isInteger(run) || run < 0 || run > 9) throw new Error(`CORe50: run must be one of the 10 predefined runs, 0..9; got ${JSON.stringify(run)}`);
  await initBackend();
  const sel = { scenario, run, objectLvl: options.objectLvl ?? true, mini: options.mini ?? false };
  const data = await loadCORe50(sel, { datasetRoot: options.datasetRoot, source: options.source, mirrors: options.mirrors });
  const transforms = {
    train: options.trainTransform === undefined ? new Compose([new ToTensor(), new RandomHorizontalFlip(), new Normalize(IMAGENET_MEAN, IMAGENET_STD)]) : options.trainTransform,
    eval: options.evalTransform === undefined ? new Compose([new ToTensor(), new Normalize(IMAGENET_MEAN, IMAGENET_STD)]) : options.evalTransform,
  };
  const dataset = (split: { images: Uint8Array; labels: Int32Array }, group: 'train' | 'eval') =>
    new ClassificationDataset({ images: split.images, targets: split.labels, sampleShape: data.sampleShape, transforms, transformGroup: group });
  if (data.train.length !== CORE50_N_BATCHES[scenario]) throw new Error(`CORe50: scenario '${scenario}' has ${CORE50_N_BATCHES[scenario]} batches, read ${data.train.length}`);
  return new DatasetBenchmark(
    data.train.map((s) => dataset(s, 'train')),
    [dataset(data.test, 'eval')],
    { taskLabels: false, completeTestSetOnly: true, nClasses: sel.objectLvl ? 50 : 10, dataSource: 'folder' },
  );
}
