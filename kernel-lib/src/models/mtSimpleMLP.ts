/** `MTSimpleMLP`: Avalanche's multi-task MLP, `SimpleMLP`'s hidden layers with a `MultiHeadClassifier`. */
import * as tf from '@tensorflow/tfjs-core';
import { Random, makeRandom } from '../utils/random';
import type { ClassificationDataset } from '../data/dataset';
import { Dropout } from './dropout';
import { MultiHeadClassifier } from './dynamicModules';
import { MLPFeatures } from './mlpFeatures';
import type { TaskLabels } from './model';
import { Layer, Module, copyState } from './module';
import { SimpleMLPOptions, mlpOptions } from './simpleMLP';

/** Options of `MTSimpleMLP`: those of `SimpleMLP` less `numClasses` (each head grows to its task's classes). */
export type MTSimpleMLPOptions = Omit<SimpleMLPOptions, 'numClasses'> & {
  /** Outputs of a new head before it adapts to its task's classes (default 2). */
  initialOutFeatures?: number;
};

const MT_OPTIONS = ['inputSize', 'hiddenSize', 'hiddenLayers', 'dropRate', 'seed', 'initialOutFeatures'];

/**
 * Avalanche's `MTSimpleMLP(input_size=784, hidden_size=512)` for task-incremental benchmarks: shared
 * hidden layers (ReLU, dropout 0.5) and one head per task label, created when the task first appears.
 */
export class MTSimpleMLP extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly classifier: MultiHeadClassifier;
  private readonly body: MLPFeatures;
  private readonly options: MTSimpleMLPOptions;

  constructor(options: MTSimpleMLPOptions = {}) {
    super();
    const o = mlpOptions('MTSimpleMLP', options, MT_OPTIONS);
    this.options = { ...options };
    this.inputSize = o.inputSize;
    this.hiddenSize = o.hiddenSize;
    const random = makeRandom(options.seed);
    const layers = MLPFeatures.hiddenLayers(o, random);
    this.classifier = new MultiHeadClassifier({ inFeatures: o.hiddenSize, initialOutFeatures: options.initialOutFeatures, seed: random.nextSeed() });
    this.body = new MLPFeatures(o.inputSize, layers, new Dropout(o.dropRate, new Random(random.nextSeed())));
  }

  namedLayers(): [string, Layer][] {
    return [...this.body.namedLayers(), ['classifier', this.classifier]];
  }

  override adaptation(dataset: ClassificationDataset): void {
    this.classifier.adaptation(dataset);
  }

  getFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.body.apply(x, this.training, 'MTSimpleMLP'));
  }

  forward(x: tf.Tensor, taskLabels?: TaskLabels): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(this.getFeatures(x), taskLabels));
  }

  /** The output of every head on the same features, by task label. */
  forwardAllTasks(x: tf.Tensor): Map<number, tf.Tensor> {
    const features = this.getFeatures(x);
    const out = this.classifier.forwardAllTasks(features);
    features.dispose();
    return out;
  }

  clone(): MTSimpleMLP {
    const copy = new MTSimpleMLP(this.options);
    for (const [task, head] of this.classifier.classifiers) copy.classifier.ensureHead(task, head.outFeatures);
    copyState(this, copy);
    return copy;
  }

  override dispose(): void {
    super.dispose();
    this.body.dispose();
  }
}
