/**
 * `ClassificationDataset`: a labelled image data set held as flat typed arrays (one array of pixels,
 * one of targets, one of task labels), never as per-sample objects or nested views.
 */
import { Random, makeRandom } from '../utils/random';
import { Transform, transformBatch, transformedShape } from './transforms';

/** Per-channel normalisation applied when samples are turned into tensors: (x/255 - mean) / std. */
export interface Normalization {
  mean: number;
  std: number;
}

/** The fields of a `ClassificationDataset`. */
export interface ClassificationDatasetInit {
  /** Pixels, 0-255, `length * sampleSize` bytes, sample after sample. */
  images: Uint8Array;
  /** Class label of each sample. */
  targets: Int32Array;
  /** Task label of each sample (default: all 0). */
  taskLabels?: Int32Array;
  /** Index of each sample in the data set it was first taken from (default: 0..length-1). */
  sampleIds?: Int32Array;
  /** Experience each sample came from (default: all -1, unknown). */
  experienceIds?: Int32Array;
  /** Shape of one sample, e.g. [28, 28]. */
  sampleShape: number[];
  /** Normalisation applied by data loaders when no transform is active (default: none, x/255). */
  normalization?: Normalization;
  /** Transforms of the 'train' and 'eval' groups, as Avalanche's transform groups (default: none). */
  transforms?: TransformGroups;
  /** The active group (default 'train'). */
  transformGroup?: TransformGroupName;
}

/** The names of the transform groups (Avalanche's `train` / `eval`). */
export const TRANSFORM_GROUPS = ['train', 'eval'] as const;
/** One of `TRANSFORM_GROUPS`. */
export type TransformGroupName = (typeof TRANSFORM_GROUPS)[number];
/** A transform per group; a missing or null one means the plain normalisation. */
export type TransformGroups = Partial<Record<TransformGroupName, Transform | null>>;

/** A data set of labelled images in flat typed arrays, as Avalanche's `AvalancheDataset` of images. */
export class ClassificationDataset {
  /** Pixels, 0-255, sample after sample. */
  readonly images: Uint8Array;
  /** Class label of each sample (Avalanche's `targets`). */
  readonly targets: Int32Array;
  /** Task label of each sample (Avalanche's `targets_task_labels`). */
  readonly taskLabels: Int32Array;
  /** Index of each sample in the original data set. */
  readonly sampleIds: Int32Array;
  /** Experience each sample came from (-1 when unknown). */
  readonly experienceIds: Int32Array;
  /** Shape of one sample, e.g. [28, 28]. */
  readonly sampleShape: number[];
  /** Number of values in one sample (the product of `sampleShape`). */
  readonly sampleSize: number;
  /** Normalisation applied by data loaders when no transform is active. */
  readonly normalization: Normalization;
  /** The transforms of each group. */
  readonly transforms: TransformGroups;
  /** The active group: the strategies train on `dataset.train()` and evaluate on `dataset.eval()`. */
  readonly transformGroup: TransformGroupName;
  /** Shape of one model input (the sample after the active transform). */
  readonly inputShape: number[];
  /** Number of values in one model input. */
  readonly inputSize: number;

  constructor(init: ClassificationDatasetInit) {
    const n = init.targets.length;
    this.sampleShape = [...init.sampleShape];
    this.sampleSize = this.sampleShape.reduce((a, b) => a * b, 1);
    if (init.images.length !== n * this.sampleSize) {
      throw new Error(
        `ClassificationDataset: images holds ${init.images.length} values, expected ${n} samples x ${this.sampleSize} = ${n * this.sampleSize}`,
      );
    }
    const taskLabels = init.taskLabels ?? new Int32Array(n);
    const sampleIds = init.sampleIds ?? Int32Array.from({ length: n }, (_, i) => i);
    if (taskLabels.length !== n) throw new Error(`ClassificationDataset: taskLabels has ${taskLabels.length} entries, expected ${n}`);
    if (sampleIds.length !== n) throw new Error(`ClassificationDataset: sampleIds has ${sampleIds.length} entries, expected ${n}`);
    const experienceIds = init.experienceIds ?? new Int32Array(n).fill(-1);
    if (experienceIds.length !== n) throw new Error(`ClassificationDataset: experienceIds has ${experienceIds.length} entries, expected ${n}`);
    this.experienceIds = experienceIds;
    const normalization = init.normalization ?? { mean: 0, std: 1 };
    if (!(normalization.std > 0)) throw new Error(`ClassificationDataset: normalization.std must be > 0, got ${normalization.std}`);
    this.images = init.images;
    this.targets = init.targets;
    this.taskLabels = taskLabels;
    this.sampleIds = sampleIds;
    this.normalization = normalization;
    this.transforms = { ...init.transforms };
    const group = init.transformGroup ?? 'train';
    if (!TRANSFORM_GROUPS.includes(group)) throw new Error(`ClassificationDataset: transformGroup must be one of ${TRANSFORM_GROUPS.join(', ')}, got ${JSON.stringify(group)}`);
    this.transformGroup = group;
    // Both groups must give the model inputs of one shape, or a model could not take both.
    const shapes = TRANSFORM_GROUPS.map((g) => {
      const t = this.transforms[g];
      return t ? transformedShape(t, this.sampleShape, `ClassificationDataset: transforms.${g}`) : this.sampleShape;
    });
    if (n > 0 && shapes[0].join('x') !== shapes[1].join('x')) {
      throw new Error(`ClassificationDataset: the train transform gives inputs of shape [${shapes[0]}] but the eval transform [${shapes[1]}]; a model takes one shape (add a Resize or crop to the eval transform)`);
    }
    this.inputShape = shapes[group === 'train' ? 0 : 1];
    this.inputSize = this.inputShape.reduce((a, b) => a * b, 1);
  }

  /** The transform of the active group, or null (plain normalisation). */
  get transform(): Transform | null {
    return this.transforms[this.transformGroup] ?? null;
  }

  /** The same samples with the 'train' transforms active (Avalanche's `dataset.train()`). */
  train(): ClassificationDataset {
    return this.transformGroup === 'train' ? this : this.withFormat({ transformGroup: 'train' });
  }

  /** The same samples with the 'eval' transforms active (Avalanche's `dataset.eval()`). */
  eval(): ClassificationDataset {
    return this.transformGroup === 'eval' ? this : this.withFormat({ transformGroup: 'eval' });
  }

  /** The same samples with other transforms (groups not named keep theirs; null removes one). */
  withTransforms(transforms: TransformGroups): ClassificationDataset {
    return this.withFormat({ transforms: { ...this.transforms, ...transforms } });
  }

  private withFormat(format: { transforms?: TransformGroups; transformGroup?: TransformGroupName }): ClassificationDataset {
    return new ClassificationDataset({ ...this.fields(), ...format });
  }

  /** The fields that describe the samples' format, shared by subsets, relabelled copies and concatenations. */
  private format(): Pick<ClassificationDatasetInit, 'sampleShape' | 'normalization' | 'transforms' | 'transformGroup'> {
    return { sampleShape: this.sampleShape, normalization: this.normalization, transforms: this.transforms, transformGroup: this.transformGroup };
  }

  private fields(): ClassificationDatasetInit {
    return { images: this.images, targets: this.targets, taskLabels: this.taskLabels, sampleIds: this.sampleIds, experienceIds: this.experienceIds, ...this.format() };
  }

  /** Number of samples. */
  get length(): number {
    return this.targets.length;
  }

  /** The distinct class labels, ascending. */
  get classes(): number[] {
    return distinctSorted(this.targets);
  }

  /** The distinct task labels, ascending. */
  get distinctTaskLabels(): number[] {
    return distinctSorted(this.taskLabels);
  }

  /**
   * Indices of the samples of each group, groups ascending: by class target, task label or
   * experience id.
   */
  indicesBy(field: 'class' | 'task' | 'experience'): Map<number, Int32Array> {
    const values = field === 'class' ? this.targets : field === 'task' ? this.taskLabels : this.experienceIds;
    const counts = new Map<number, number>();
    for (let i = 0; i < values.length; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
    const groups = new Map<number, Int32Array>();
    const fill = new Map<number, number>();
    for (const key of [...counts.keys()].sort((a, b) => a - b)) {
      groups.set(key, new Int32Array(counts.get(key)!));
      fill.set(key, 0);
    }
    for (let i = 0; i < values.length; i++) {
      const k = values[i];
      const pos = fill.get(k)!;
      groups.get(k)![pos] = i;
      fill.set(k, pos + 1);
    }
    return groups;
  }

  /** A new data set holding copies of the samples at `indices`, in that order. */
  subset(indices: ArrayLike<number>): ClassificationDataset {
    const n = indices.length;
    const size = this.sampleSize;
    const images = new Uint8Array(n * size);
    const targets = new Int32Array(n);
    const taskLabels = new Int32Array(n);
    const sampleIds = new Int32Array(n);
    const experienceIds = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      if (!(i >= 0 && i < this.length)) throw new Error(`subset: index ${i} out of range [0, ${this.length})`);
      images.set(this.images.subarray(i * size, (i + 1) * size), k * size);
      targets[k] = this.targets[i];
      taskLabels[k] = this.taskLabels[i];
      sampleIds[k] = this.sampleIds[i];
      experienceIds[k] = this.experienceIds[i];
    }
    return new ClassificationDataset({ images, targets, taskLabels, sampleIds, experienceIds, ...this.format() });
  }

  /** The same samples with other targets, task labels or experience ids (pixels are shared, not copied). */
  withLabels(labels: { targets?: Int32Array; taskLabels?: Int32Array; experienceIds?: Int32Array }): ClassificationDataset {
    return new ClassificationDataset({
      ...this.fields(),
      targets: labels.targets ?? this.targets,
      taskLabels: labels.taskLabels ?? this.taskLabels,
      experienceIds: labels.experienceIds ?? this.experienceIds,
    });
  }

  /**
   * Writes the model inputs of the samples `indices[start..end)` into `out` (row after row), the
   * step that turns stored bytes into a batch: through the active transform when there is one
   * (random choices drawn from `random`; when none is given, from a generator seeded by the global one), else through the
   * normalisation table.
   */
  gatherInputs(indices: ArrayLike<number>, start: number, end: number, out: Float32Array, random?: Random): void {
    const transform = this.transform;
    if (transform) {
      transformBatch(transform, this.images, this.sampleShape, indices, start, end, out, random ?? makeRandom());
      return;
    }
    const size = this.sampleSize;
    const lut = normalizationTable(this.normalization);
    const images = this.images;
    for (let k = start, row = 0; k < end; k++, row++) {
      const src = indices[k] * size;
      const dst = row * size;
      for (let j = 0; j < size; j++) out[dst + j] = lut[images[src + j]];
    }
  }

  /** An empty data set with the sample shape, normalisation and transforms of `like`. */
  static empty(like: { sampleShape: number[]; normalization: Normalization; transforms?: TransformGroups; transformGroup?: TransformGroupName }): ClassificationDataset {
    return new ClassificationDataset({
      images: new Uint8Array(0),
      targets: new Int32Array(0),
      sampleShape: like.sampleShape,
      normalization: like.normalization,
      transforms: like.transforms,
      transformGroup: like.transformGroup,
    });
  }

  /** Concatenates data sets of the same sample shape and normalisation into a new one. */
  static concat(datasets: ClassificationDataset[]): ClassificationDataset {
    if (datasets.length === 0) throw new Error('ClassificationDataset.concat: datasets must not be empty');
    const first = datasets[0];
    for (const d of datasets) {
      if (d.sampleSize !== first.sampleSize) {
        throw new Error(`ClassificationDataset.concat: sample shapes differ ([${d.sampleShape}] vs [${first.sampleShape}])`);
      }
      for (const g of TRANSFORM_GROUPS) {
        if (!sameTransform(d.transforms[g] ?? null, first.transforms[g] ?? null)) {
          throw new Error(`ClassificationDataset.concat: the data sets' ${g} transforms differ; give them the same ones (dataset.withTransforms(...)) before concatenating`);
        }
      }
    }
    const n = datasets.reduce((a, d) => a + d.length, 0);
    const images = new Uint8Array(n * first.sampleSize);
    const targets = new Int32Array(n);
    const taskLabels = new Int32Array(n);
    const sampleIds = new Int32Array(n);
    const experienceIds = new Int32Array(n);
    let offset = 0;
    for (const d of datasets) {
      images.set(d.images, offset * first.sampleSize);
      targets.set(d.targets, offset);
      taskLabels.set(d.taskLabels, offset);
      sampleIds.set(d.sampleIds, offset);
      experienceIds.set(d.experienceIds, offset);
      offset += d.length;
    }
    return new ClassificationDataset({ images, targets, taskLabels, sampleIds, experienceIds, ...first.format() });
  }
}

/** The same transform: the same object, or built-ins with equal descriptions. */
function sameTransform(a: Transform | null, b: Transform | null): boolean {
  if (a === b) return true;
  if (!a || !b || !a.spec || !b.spec) return false;
  return JSON.stringify(a.spec) === JSON.stringify(b.spec);
}

const tables = new Map<string, Float32Array>();

/** The 256 normalised values of the byte values 0..255. */
export function normalizationTable(n: Normalization): Float32Array {
  const key = `${n.mean}/${n.std}`;
  let table = tables.get(key);
  if (!table) {
    table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - n.mean) / n.std;
    tables.set(key, table);
  }
  return table;
}

function distinctSorted(values: Int32Array): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) seen.add(values[i]);
  return [...seen].sort((a, b) => a - b);
}
