/**
 * Benchmarks given as one data set per experience (Avalanche's `dataset_benchmark`, and
 * `nc_benchmark(..., one_dataset_per_exp=True)` which PermutedMNIST and RotatedMNIST use): each
 * experience holds all its data set's classes, with the experience index as task label.
 */
import { ClassificationDataset } from '../data/dataset';
import { Benchmark, ExperienceStream, newStream, pushExperience } from './ncBenchmark';

/** Options of `DatasetBenchmark`. */
export interface DatasetBenchmarkOptions {
  /** Task label = experience index (default true, as Avalanche's PermutedMNIST); else 0 everywhere. */
  taskLabels?: boolean;
  classNames?: string[];
  dataSource?: string;
  /**
   * One test data set for every experience (Avalanche's `complete_test_set_only`): the test stream
   * then has one experience holding all classes.
   */
  completeTestSetOnly?: boolean;
  /** Number of classes, when the data hold fewer than the benchmark has (CORe50: 50 objects). */
  nClasses?: number;
}

/** A benchmark with one train and one test data set per experience. */
export class DatasetBenchmark implements Benchmark {
  readonly trainStream: ExperienceStream;
  readonly testStream: ExperienceStream;
  readonly nClasses: number;
  readonly classesInExp: number[][];
  readonly classNames: string[];
  readonly dataSource: string;

  constructor(train: ClassificationDataset[], test: ClassificationDataset[], options: DatasetBenchmarkOptions = {}) {
    if (!Array.isArray(train) || train.length === 0) throw new Error('DatasetBenchmark: train must be a non-empty list of data sets');
    const expected = options.completeTestSetOnly ? 1 : train.length;
    if (!Array.isArray(test) || test.length !== expected) {
      throw new Error(
        `DatasetBenchmark: test must hold ${options.completeTestSetOnly ? 'one data set (completeTestSetOnly)' : `one data set per train data set (${train.length})`}, got ${Array.isArray(test) ? test.length : typeof test}`,
      );
    }
    const taskLabels = options.taskLabels ?? true;
    this.classesInExp = train.map((d) => [...new Set(d.targets)].sort((a, b) => a - b));
    const all = new Set(this.classesInExp.flat());
    this.nClasses = options.nClasses ?? all.size;
    this.classNames = options.classNames ?? [...all].sort((a, b) => a - b).map(String);
    this.dataSource = options.dataSource ?? 'unknown';
    this.trainStream = this.makeStream('train', train, taskLabels, this.classesInExp);
    const testClasses = options.completeTestSetOnly ? [[...new Set(test[0].targets)].sort((a, b) => a - b)] : this.classesInExp;
    this.testStream = this.makeStream('test', test, taskLabels, testClasses);
  }

  get nExperiences(): number {
    return this.trainStream.length;
  }

  private makeStream(name: string, datasets: ClassificationDataset[], taskLabels: boolean, classesInExp: number[][]): ExperienceStream {
    const stream = newStream(name);
    datasets.forEach((data, e) => {
      if (!(data instanceof ClassificationDataset)) throw new Error(`DatasetBenchmark: ${name}[${e}] must be a ClassificationDataset`);
      const task = taskLabels ? e : 0;
      const dataset = data.withLabels({ taskLabels: new Int32Array(data.length).fill(task), experienceIds: new Int32Array(data.length).fill(e) });
      pushExperience(stream, this, classesInExp, e, dataset, task);
    });
    return stream;
  }
}
