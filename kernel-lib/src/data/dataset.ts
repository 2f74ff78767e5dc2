/**
 * `ClassificationDataset`: a labelled image data set held as flat typed arrays (one array of pixels,
 * one of targets, one of task labels), never as per-sample objects or nested views.
 */

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
  /** Normalisation applied by data loaders (default: none, x/255). */
  normalization?: Normalization;
}

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
  /** Normalisation applied by data loaders. */
  readonly normalization: Normalization;

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
    return new ClassificationDataset({ images, targets, taskLabels, sampleIds, experienceIds, sampleShape: this.sampleShape, normalization: this.normalization });
  }

  /** The same samples with other targets, task labels or experience ids (pixels are shared, not copied). */
  withLabels(labels: { targets?: Int32Array; taskLabels?: Int32Array; experienceIds?: Int32Array }): ClassificationDataset {
    return new ClassificationDataset({
      images: this.images,
      targets: labels.targets ?? this.targets,
      taskLabels: labels.taskLabels ?? this.taskLabels,
      experienceIds: labels.experienceIds ?? this.experienceIds,
      sampleIds: this.sampleIds,
      sampleShape: this.sampleShape,
      normalization: this.normalization,
    });
  }

  /**
   * Writes the normalised pixels of the samples `indices[start..end)` into `out` (row after row),
   * the step that turns stored bytes into a model input batch.
   */
  gatherInputs(indices: ArrayLike<number>, start: number, end: number, out: Float32Array): void {
    const size = this.sampleSize;
    const lut = normalizationTable(this.normalization);
    const images = this.images;
    for (let k = start, row = 0; k < end; k++, row++) {
      const src = indices[k] * size;
      const dst = row * size;
      for (let j = 0; j < size; j++) out[dst + j] = lut[images[src + j]];
    }
  }

  /** An empty data set with the sample shape and normalisation of `like`. */
  static empty(like: { sampleShape: number[]; normalization: Normalization }): ClassificationDataset {
    return new ClassificationDataset({ images: new Uint8Array(0), targets: new Int32Array(0), sampleShape: like.sampleShape, normalization: like.normalization });
  }

  /** Concatenates data sets of the same sample shape and normalisation into a new one. */
  static concat(datasets: ClassificationDataset[]): ClassificationDataset {
    if (datasets.length === 0) throw new Error('ClassificationDataset.concat: datasets must not be empty');
    const first = datasets[0];
    for (const d of datasets) {
      if (d.sampleSize !== first.sampleSize) {
        throw new Error(`ClassificationDataset.concat: sample shapes differ ([${d.sampleShape}] vs [${first.sampleShape}])`);
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
    return new ClassificationDataset({ images, targets, taskLabels, sampleIds, experienceIds, sampleShape: first.sampleShape, normalization: first.normalization });
  }
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
