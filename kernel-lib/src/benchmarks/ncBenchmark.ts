/**
 * New-classes (class-incremental) benchmarks, as Avalanche's `nc_benchmark`: the classes are split
 * into experiences; each experience holds the samples of its classes.
 */
import { ClassificationDataset } from '../data/dataset';
import { Transform } from '../data/transforms';
import { makeRandom } from '../utils/random';
import { checkInteger, describe } from '../utils/validate';

/** One experience of a stream: the data of some classes, as Avalanche's `NCExperience`. */
export interface Experience {
  /** The stream this experience belongs to. */
  readonly originStream: ExperienceStream;
  /** The benchmark it belongs to. */
  readonly benchmark: Benchmark;
  /** Index of this experience in its stream. */
  readonly currentExperience: number;
  /** Class ids of this experience, ascending. */
  readonly classesInThisExperience: number[];
  /** Class ids of the earlier experiences, ascending, each once. */
  readonly previousClasses: number[];
  /** Class ids of this and the earlier experiences, ascending, each once. */
  readonly classesSeenSoFar: number[];
  /** Class ids of the later experiences, ascending, each once. */
  readonly futureClasses: number[];
  /** The samples. */
  readonly dataset: ClassificationDataset;
  /** Task label of this experience (its index when the benchmark returns task ids, else 0). */
  readonly taskLabel: number;
  /** All task labels in the experience (one here). */
  readonly taskLabels: number[];
}

/** A stream of experiences: an array with the stream's name ('train' or 'test'). */
export type ExperienceStream = Experience[] & { readonly name: string };

/** What every benchmark has (Avalanche's scenario): a train and a test stream of aligned experiences. */
export interface Benchmark {
  readonly trainStream: ExperienceStream;
  readonly testStream: ExperienceStream;
  /** Number of classes over all experiences. */
  readonly nClasses: number;
  /** Class ids (after remapping) of each experience, ascending. */
  readonly classesInExp: number[][];
  /** Names of the original classes, when known. */
  readonly classNames: string[];
  /** Where the data came from (e.g. 'bundled', 'folder'). */
  readonly dataSource: string;
  /** Number of experiences. */
  readonly nExperiences: number;
}

/** An empty stream named `name` ('train' or 'test'). */
export function newStream(name: string): ExperienceStream {
  const stream = [] as unknown as ExperienceStream;
  Object.defineProperty(stream, 'name', { value: name, enumerable: false });
  return stream;
}

/** Class ids as Avalanche's experiences list them (`list(set(...))` of small ints): each once, ascending. */
function classSet(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/**
 * Appends experience `e` to `stream`: its data set and task label, and its class timeline (previous,
 * seen so far, future) from the classes of every experience. Every benchmark kind builds its
 * experiences this way.
 */
export function pushExperience(stream: ExperienceStream, benchmark: Benchmark, classesInExp: number[][], e: number, dataset: ClassificationDataset, task: number): void {
  const previous = classesInExp.slice(0, e).flat();
  const current = classesInExp[e];
  stream.push({
    originStream: stream,
    benchmark,
    currentExperience: e,
    classesInThisExperience: current,
    previousClasses: classSet(previous),
    classesSeenSoFar: classSet([...previous, ...current]),
    futureClasses: classSet(classesInExp.slice(e + 1).flat()),
    dataset,
    taskLabel: task,
    taskLabels: [task],
  });
}

/** Options of `ncBenchmark` (the names of Avalanche's `nc_benchmark`, in camelCase). */
export interface NCBenchmarkOptions {
  /** Number of experiences; must divide the number of classes. */
  nExperiences: number;
  /** Task label = experience index (multi-task); default false (task label 0 everywhere). */
  taskLabels?: boolean;
  /** Seed of the class order shuffle; default: drawn from the global generator. */
  seed?: number | null;
  /** A fixed class order (overrides `shuffle`); must be a permutation of the classes. */
  fixedClassOrder?: number[] | null;
  /** Shuffle the class order (default true). */
  shuffle?: boolean;
  /** Remap the classes of each experience to 0..k-1. */
  classIdsFromZeroInEachExp?: boolean;
  /** Remap the classes to 0..n-1 in class order. */
  classIdsFromZeroFromFirstExp?: boolean;
  /**
   * Classes of some experiences, by experience index (e.g. `{ 0: 50 }`: 50 classes first); the
   * other classes are split evenly over the other experiences (Avalanche's `per_exp_classes`).
   */
  perExpClasses?: Record<number, number> | null;
  /** Transform of the training data (Avalanche's `train_transform`; default: the data sets' own). */
  trainTransform?: Transform | null;
  /** Transform of the evaluation data (Avalanche's `eval_transform`; default: the data sets' own). */
  evalTransform?: Transform | null;
}

/** A class-incremental benchmark with a train and a test stream. */
export class NCBenchmark implements Benchmark {
  /** Experiences of training data. */
  readonly trainStream: ExperienceStream;
  /** Experiences of test data (same classes as the train experience of the same index). */
  readonly testStream: ExperienceStream;
  /** Number of classes. */
  readonly nClasses: number;
  /** The order in which the original classes are assigned to experiences. */
  readonly classesOrder: number[];
  /** Original class ids of each experience, in class order. */
  readonly originalClassesInExp: number[][];
  /** Class ids (after remapping) of each experience, ascending. */
  readonly classesInExp: number[][];
  /** Names of the original classes, when known. */
  readonly classNames: string[];
  /** Where the data came from (e.g. 'bundled', 'folder'). */
  readonly dataSource: string;

  constructor(
    train: ClassificationDataset,
    test: ClassificationDataset,
    options: NCBenchmarkOptions,
    meta: { classNames?: string[]; dataSource?: string } = {},
  ) {
    const classes = train.classes;
    const nExperiences = options.nExperiences;
    const sizes = classesPerExperience(classes.length, nExperiences, options.perExpClasses ?? null);
    if (options.classIdsFromZeroInEachExp && options.classIdsFromZeroFromFirstExp) {
      throw new Error('classIdsFromZeroInEachExp and classIdsFromZeroFromFirstExp cannot both be true');
    }
    let order: number[];
    if (options.fixedClassOrder != null) {
      if (!Array.isArray(options.fixedClassOrder) && !ArrayBuffer.isView(options.fixedClassOrder)) {
        throw new Error(`fixedClassOrder must be an array of class ids, got ${typeof options.fixedClassOrder}`);
      }
      order = [...options.fixedClassOrder];
      const notIds = order.filter((c) => typeof c !== 'number' || !Number.isInteger(c));
      if (notIds.length) {
        const shown = notIds.slice(0, 3).map((c) => (typeof c === 'string' ? `'${c}' (a string)` : `${String(c)} (${typeof c})`));
        throw new Error(`fixedClassOrder must hold integer class ids (numbers) from [${classes.join(', ')}]; got ${shown.join(', ')}${notIds.length > 3 ? ', ...' : ''}`);
      }
      const unknown = order.filter((c) => !classes.includes(c));
      const repeated = order.filter((c, i) => order.indexOf(c) !== i);
      if (unknown.length || repeated.length || order.length !== classes.length) {
        throw new Error(
          `fixedClassOrder must be a permutation of the classes [${classes.join(', ')}]; got [${order.join(', ')}]` +
            (unknown.length ? `; unknown classes: ${unknown.join(', ')}` : '') +
            (repeated.length ? `; repeated classes: ${[...new Set(repeated)].join(', ')}` : '') +
            (!unknown.length && !repeated.length ? `; missing classes: ${classes.filter((c) => !order.includes(c)).join(', ')}` : ''),
        );
      }
    } else if (options.shuffle ?? true) {
      order = Array.from(makeRandom(options.seed).permutation(classes.length), (i) => classes[i]);
    } else {
      order = [...classes];
    }
    this.nClasses = classes.length;
    this.classesOrder = order;
    this.classNames = meta.classNames ?? classes.map(String);
    this.dataSource = meta.dataSource ?? 'unknown';
    const starts = sizes.map((_, e) => sizes.slice(0, e).reduce((a, b) => a + b, 0));
    this.originalClassesInExp = sizes.map((size, e) => order.slice(starts[e], starts[e] + size));

    // Class remapping, as Avalanche: none by default.
    const maxClass = Math.max(...classes) + 1;
    const remap = Int32Array.from({ length: maxClass }, (_, c) => c);
    const expOfClass = new Int32Array(maxClass).fill(-1);
    this.originalClassesInExp.forEach((cls, e) =>
      cls.forEach((c, k) => {
        expOfClass[c] = e;
        if (options.classIdsFromZeroInEachExp) remap[c] = k;
        else if (options.classIdsFromZeroFromFirstExp) remap[c] = starts[e] + k;
      }),
    );
    this.classesInExp = this.originalClassesInExp.map((cls) => cls.map((c) => remap[c]).sort((a, b) => a - b));
    const taskOf = (e: number) => (options.taskLabels ? e : 0);
    // Both streams carry both transforms; training data starts in the train group, test data in the eval group.
    const withTransforms = (data: ClassificationDataset, group: 'train' | 'eval') => {
      if (options.trainTransform === undefined && options.evalTransform === undefined) return group === 'train' ? data.train() : data.eval();
      const groups = { train: options.trainTransform === undefined ? data.transforms.train : options.trainTransform, eval: options.evalTransform === undefined ? data.transforms.eval : options.evalTransform };
      const out = data.withTransforms(groups);
      return group === 'train' ? out.train() : out.eval();
    };
    this.trainStream = this.makeStream('train', withTransforms(train, 'train'), expOfClass, remap, taskOf);
    this.testStream = this.makeStream('test', withTransforms(test, 'eval'), expOfClass, remap, taskOf);
  }

  private makeStream(
    name: string,
    data: ClassificationDataset,
    expOfClass: Int32Array,
    remap: Int32Array,
    taskOf: (e: number) => number,
  ): ExperienceStream {
    const n = this.originalClassesInExp.length;
    const members: number[][] = Array.from({ length: n }, () => []);
    for (let i = 0; i < data.length; i++) {
      const c = data.targets[i];
      const e = c < expOfClass.length ? expOfClass[c] : -1;
      if (e >= 0) members[e].push(i);
    }
    const stream = newStream(name);
    for (let e = 0; e < n; e++) {
      const subset = data.subset(members[e]);
      const targets = subset.targets.map((c) => remap[c]);
      const taskLabels = new Int32Array(subset.length).fill(taskOf(e));
      const experienceIds = new Int32Array(subset.length).fill(e);
      const dataset = subset.withLabels({ targets, taskLabels, experienceIds });
      pushExperience(stream, this, this.classesInExp, e, dataset, taskOf(e));
    }
    return stream;
  }

  /** Number of experiences. */
  get nExperiences(): number {
    return this.trainStream.length;
  }
}

/**
 * The number of classes of each experience: `perExpClasses` where given, the rest split evenly
 * (an error, listing the allowed values, when they do not split evenly).
 */
export function classesPerExperience(nClasses: number, nExperiences: number, perExpClasses: Record<number, number> | null): number[] {
  const divisorError = () => {
    const divisors = Array.from({ length: nClasses }, (_, i) => i + 1).filter((d) => nClasses % d === 0);
    return new Error(`nExperiences must be a positive integer dividing the ${nClasses} classes; allowed values: ${divisors.join(', ')}; got ${describe(nExperiences)}`);
  };
  if (typeof nExperiences !== 'number' || !Number.isInteger(nExperiences) || nExperiences <= 0 || nExperiences > nClasses) {
    if (!perExpClasses || Object.keys(perExpClasses).length === 0) throw divisorError();
    throw new Error(`nExperiences must be a positive integer no larger than the ${nClasses} classes; got ${describe(nExperiences)}`);
  }
  const fixed = new Map<number, number>();
  for (const [key, value] of Object.entries(perExpClasses ?? {})) {
    const e = Number(key);
    if (!Number.isInteger(e) || e < 0 || e >= nExperiences) throw new Error(`perExpClasses: experience ${key} does not exist (allowed: 0..${nExperiences - 1})`);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`perExpClasses: experience ${key} must have a positive integer number of classes, got ${describe(value)}`);
    fixed.set(e, value);
  }
  const rest = nClasses - [...fixed.values()].reduce((a, b) => a + b, 0);
  const others = nExperiences - fixed.size;
  if (rest < 0 || (others === 0 && rest !== 0) || (others > 0 && (rest % others !== 0 || rest === 0))) {
    if (fixed.size === 0) throw divisorError();
    throw new Error(`perExpClasses ${JSON.stringify(perExpClasses)} leaves ${rest} classes for the other ${others} experiences, which does not split evenly`);
  }
  return Array.from({ length: nExperiences }, (_, e) => fixed.get(e) ?? rest / others);
}

/** Builds a class-incremental benchmark from a train and a test data set (Avalanche's `nc_benchmark`). */
export function ncBenchmark(train: ClassificationDataset, test: ClassificationDataset, options: NCBenchmarkOptions): NCBenchmark {
  checkInteger('nExperiences', options.nExperiences, 1);
  return new NCBenchmark(train, test, options);
}
