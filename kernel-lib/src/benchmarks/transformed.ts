/**
 * Domain-incremental MNIST, as Avalanche 0.1's `PermutedMNIST` and `RotatedMNIST`
 * (`benchmarks/classic/cmnist.py`): every experience holds all ten classes, its images transformed by
 * one fixed pixel permutation or rotation drawn from the seed (the same for its train and test data;
 * experience 0 is transformed too), with the experience index as task label. The transformed pixels
 * are computed once, when the benchmark is built, never per batch.
 */
import { initBackend } from '../backend/backends';
import { ClassificationDataset } from '../data/dataset';
import { DATA_SOURCES, RawDataset, RawSplit } from '../data/idxDatasets';
import { loadMNIST } from '../data/mnist';
import { Random, makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { MNIST_NORMALIZATION } from './classic';
import { DatasetBenchmark } from './datasetBenchmark';

/** Options of `PermutedMNIST` and `RotatedMNIST` (Avalanche's, in camelCase). */
export interface TransformedMNISTOptions {
  /** Number of experiences, one permutation or rotation each (default 5 here; Avalanche requires it). */
  nExperiences?: number;
  /** Seed of the permutations or angles (default: drawn from the global generator). */
  seed?: number | null;
  /** RotatedMNIST only: the angle of each experience in degrees, in [-180, 180] (overrides `seed`). */
  rotationsList?: number[] | null;
  /** Folder holding the four IDX files (see `SplitMNIST`). */
  datasetRoot?: string;
  /** Where the data may come from: 'auto' (default), 'folder', 'download' or 'bundled'. */
  source?: (typeof DATA_SOURCES)[number];
  /** Download mirrors, tried in order. */
  mirrors?: string[];
}

const COMMON = ['nExperiences', 'seed', 'datasetRoot', 'source', 'mirrors'];

function args(where: string, first: number | TransformedMNISTOptions | undefined, second: TransformedMNISTOptions | undefined, known: string[]): TransformedMNISTOptions {
  const given = typeof first === 'number' ? second ?? {} : first ?? {};
  checkKnownOptions(where, given, known);
  const options = typeof first === 'number' ? { ...given, nExperiences: first } : { ...given };
  checkInteger('nExperiences', options.nExperiences ?? 5, 1);
  return options;
}

/** Builds the benchmark with `transform(split images, experience)` per experience. */
async function build(options: TransformedMNISTOptions, transforms: ((images: Uint8Array, size: number) => Uint8Array)[]): Promise<DatasetBenchmark> {
  await initBackend();
  const raw: RawDataset = await loadMNIST({ datasetRoot: options.datasetRoot, source: options.source, mirrors: options.mirrors });
  const size = raw.train.sampleShape.reduce((a, b) => a * b, 1);
  const make = (split: RawSplit, transform: (images: Uint8Array, size: number) => Uint8Array) =>
    new ClassificationDataset({ images: transform(split.images, size), targets: split.labels, sampleShape: split.sampleShape, normalization: MNIST_NORMALIZATION });
  return new DatasetBenchmark(
    transforms.map((t) => make(raw.train, t)),
    transforms.map((t) => make(raw.test, t)),
    { taskLabels: true, classNames: raw.classNames, dataSource: raw.source },
  );
}

/** Applies pixel permutation `perm` (output pixel j = input pixel perm[j]) to every image. */
export function permutePixels(images: Uint8Array, size: number, perm: Int32Array): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let s = 0; s < images.length; s += size) {
    for (let j = 0; j < size; j++) out[s + j] = images[s + perm[j]];
  }
  return out;
}

/**
 * Rotates every `height x width` image by `degrees` counter-clockwise about its centre, nearest
 * neighbour, zeros outside, as torchvision's `RandomRotation((a, a))` does on PIL images (its
 * default): PIL's inverse affine map, rounded as PIL rounds it (matrix to 15 decimals, then 16.16
 * fixed point), so that the pixels match PIL's exactly.
 */
export function rotateImages(images: Uint8Array, height: number, width: number, degrees: number): Uint8Array {
  const angle = (-(((degrees % 360) + 360) % 360) * Math.PI) / 180;
  const round15 = (v: number) => Math.round(v * 1e15) / 1e15;
  const [a0, a1, a3, a4] = [round15(Math.cos(angle)), round15(Math.sin(angle)), round15(-Math.sin(angle)), round15(Math.cos(angle))];
  const cx = width / 2;
  const cy = height / 2;
  const a2 = a0 * -cx + a1 * -cy + cx;
  const a5 = a3 * -cx + a4 * -cy + cy;
  const fix = (v: number) => Math.floor(v * 65536 + 0.5);
  const [f0, f1, f3, f4] = [fix(a0), fix(a1), fix(a3), fix(a4)];
  let rowX = fix(a2 + a0 * 0.5 + a1 * 0.5);
  let rowY = fix(a5 + a3 * 0.5 + a4 * 0.5);
  const source = new Int32Array(width * height).fill(-1);
  for (let y = 0; y < height; y++) {
    let xx = rowX;
    let yy = rowY;
    for (let x = 0; x < width; x++) {
      const xi = xx >> 16;
      const yi = yy >> 16;
      if (xi >= 0 && xi < width && yi >= 0 && yi < height) source[y * width + x] = yi * width + xi;
      xx += f0;
      yy += f3;
    }
    rowX += f1;
    rowY += f4;
  }
  const size = width * height;
  const out = new Uint8Array(images.length);
  for (let s = 0; s < images.length; s += size) {
    for (let j = 0; j < size; j++) if (source[j] >= 0) out[s + j] = images[s + source[j]];
  }
  return out;
}

/**
 * Permuted MNIST: `nExperiences` experiences of all ten digits, each with its own fixed random pixel
 * permutation (experience 0 included), task label = experience index. The classic benchmark of EWC.
 * `await PermutedMNIST({ nExperiences: 5, seed: 1 })` or `await PermutedMNIST(5, { seed: 1 })`.
 */
export async function PermutedMNIST(
  nExperiencesOrOptions?: number | TransformedMNISTOptions,
  maybeOptions?: TransformedMNISTOptions,
): Promise<DatasetBenchmark & { permutations: Int32Array[] }> {
  const options = args('PermutedMNIST', nExperiencesOrOptions, maybeOptions, COMMON);
  const random = makeRandom(options.seed);
  const n = options.nExperiences ?? 5;
  const perms = Array.from({ length: n }, () => random.permutation(784));
  const benchmark = await build(options, perms.map((perm) => (images: Uint8Array, size: number) => permutePixels(images, size, perm)));
  return Object.assign(benchmark, { permutations: perms });
}

/**
 * Rotated MNIST: `nExperiences` experiences of all ten digits, each rotated by its own angle (an
 * integer in [-180, 180] drawn from the seed, or `rotationsList`), task label = experience index.
 */
export async function RotatedMNIST(
  nExperiencesOrOptions?: number | TransformedMNISTOptions,
  maybeOptions?: TransformedMNISTOptions,
): Promise<DatasetBenchmark & { rotations: number[] }> {
  const options = args('RotatedMNIST', nExperiencesOrOptions, maybeOptions, [...COMMON, 'rotationsList']);
  const n = options.nExperiences ?? 5;
  let angles: number[];
  if (options.rotationsList != null) {
    const list = options.rotationsList;
    if (!Array.isArray(list) || list.length !== n) {
      throw new Error(`rotationsList must hold one angle per experience (${n}), got ${Array.isArray(list) ? `${list.length} angles` : typeof list}`);
    }
    const bad = list.find((a) => typeof a !== 'number' || !Number.isFinite(a) || a < -180 || a > 180);
    if (bad !== undefined) throw new Error(`rotationsList: every angle must be a number of degrees in [-180, 180], got ${bad}`);
    angles = [...list];
  } else {
    const random: Random = makeRandom(options.seed);
    angles = Array.from({ length: n }, () => random.int(361) - 180);
  }
  const benchmark = await build(options, angles.map((a) => (images: Uint8Array) => rotateImages(images, 28, 28, a)));
  return Object.assign(benchmark, { rotations: angles });
}
