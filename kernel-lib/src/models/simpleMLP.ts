/** `SimpleMLP`, Avalanche's multi-layer perceptron: (Linear, ReLU, Dropout) x hiddenLayers, then a Linear classifier. */
import * as tf from '@tensorflow/tfjs-core';
import { Random, makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { MLPFeatures } from './mlpFeatures';
import { Layer, Module, copyState } from './module';

/** Options of `SimpleMLP` (Avalanche's names, in camelCase). */
export interface SimpleMLPOptions {
  /** Number of output classes (default 10). */
  numClasses?: number;
  /** Input features (default 784 = 28x28). */
  inputSize?: number;
  /** Units per hidden layer (default 512). */
  hiddenSize?: number;
  /** Number of hidden layers (default 1). */
  hiddenLayers?: number;
  /** Dropout probability after each hidden layer, while training (default 0.5). */
  dropRate?: number;
  /** Seed of the initial weights and of the dropout masks (default: from the global generator). */
  seed?: number | null;
}

const SIMPLE_MLP_OPTIONS = ['numClasses', 'inputSize', 'hiddenSize', 'hiddenLayers', 'dropRate', 'seed'];

/** The options of an MLP, checked and with Avalanche's defaults. */
export function mlpOptions(where: string, options: SimpleMLPOptions, known: string[]): Required<Omit<SimpleMLPOptions, 'seed'>> {
  checkKnownOptions(where, options, known);
  return {
    numClasses: checkInteger('numClasses', options.numClasses ?? 10, 1),
    inputSize: checkInteger('inputSize', options.inputSize ?? 784, 1),
    hiddenSize: checkInteger('hiddenSize', options.hiddenSize ?? 512, 1),
    hiddenLayers: checkInteger('hiddenLayers', options.hiddenLayers ?? 1, 1),
    dropRate: options.dropRate ?? 0.5,
  };
}

/** Avalanche's `SimpleMLP`, with PyTorch's initialisation and fast hand-written dense gradients. */
export class SimpleMLP extends Module {
  readonly numClasses: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly dropRate: number;
  /** The hidden layers (`features` in Avalanche). */
  readonly features: Linear[];
  /** The output layer. */
  readonly classifier: Linear;
  private readonly body: MLPFeatures;
  private readonly options: SimpleMLPOptions;

  constructor(options: SimpleMLPOptions = {}) {
    super();
    const o = mlpOptions('SimpleMLP', options, SIMPLE_MLP_OPTIONS);
    this.options = { ...options };
    this.numClasses = o.numClasses;
    this.inputSize = o.inputSize;
    this.hiddenSize = o.hiddenSize;
    this.dropRate = o.dropRate;
    const random = makeRandom(options.seed);
    // Draw order (hidden weights, classifier weights, dropout seed) fixes the values a seed gives.
    this.features = MLPFeatures.hiddenLayers(o, random);
    this.classifier = new Linear({ inFeatures: this.hiddenSize, outFeatures: this.numClasses, name: 'classifier' }, random);
    this.body = new MLPFeatures(this.inputSize, this.features, new Dropout(o.dropRate, new Random(random.nextSeed())));
  }

  namedLayers(): [string, Layer][] {
    return [...this.body.namedLayers(), ['classifier', this.classifier]];
  }

  getFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.body.apply(x, this.training, 'SimpleMLP'));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.apply(this.getFeatures(x)));
  }

  clone(): SimpleMLP {
    const copy = new SimpleMLP(this.options);
    copyState(this, copy);
    return copy;
  }

  override dispose(): void {
    super.dispose();
    this.body.dispose();
  }
}
