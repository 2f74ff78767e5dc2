/**
 * The feature extractor of Avalanche's MLPs (`SimpleMLP`, `MTSimpleMLP`): (Linear, ReLU, Dropout) x
 * hiddenLayers on flattened inputs, with the fast hand-written dense gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../utils/random';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { Layer } from './module';

/** Options of the MLP feature extractor. */
export interface MLPFeaturesOptions {
  inputSize: number;
  hiddenSize: number;
  hiddenLayers: number;
}

/**
 * Avalanche's `SimpleMLP` puts its first hidden layer in `features` (a Sequential: `features.0`) and
 * each further one in a Sequential added as `fc1`, `fc2`, ...: `features.fc1.0`.
 */
function hiddenLayerName(i: number): string {
  return i === 0 ? 'features.0' : `features.fc${i}.0`;
}

/** Hidden layers with ReLU and dropout; `apply` flattens its input first. */
export class MLPFeatures {
  readonly inputSize: number;
  readonly layers: Linear[];
  readonly dropout: Dropout;

  /**
   * @param layers the hidden layers (`MLPFeatures.hiddenLayers`); @param dropout applied after each.
   * Two steps, so that a model draws its classifier's weights between them, as `SimpleMLP` always has.
   */
  constructor(inputSize: number, layers: Linear[], dropout: Dropout) {
    this.inputSize = inputSize;
    this.layers = layers;
    this.dropout = dropout;
  }

  /** The hidden layers, initialised from `random`. */
  static hiddenLayers(options: MLPFeaturesOptions, random: Random): Linear[] {
    return Array.from(
      { length: options.hiddenLayers },
      (_, i) =>
        new Linear(
          // The first layer is fed with data: no gradient with respect to its input.
          { inFeatures: i === 0 ? options.inputSize : options.hiddenSize, outFeatures: options.hiddenSize, activation: 'relu', inputGradient: i > 0, name: hiddenLayerName(i) },
          random,
        ),
    );
  }

  /** The layers by PyTorch's names in Avalanche's MLPs: `features.0`, `features.fc1.0`, `features.fc2.0`, ... */
  namedLayers(): [string, Layer][] {
    return this.layers.map((l, i) => [hiddenLayerName(i), l]);
  }

  /** Features `[B, hiddenSize]` of inputs `[B, inputSize]` (or any shape with `inputSize` values per sample). */
  apply(x: tf.Tensor, training: boolean, where: string): tf.Tensor {
    let h = flattenInput(x, this.inputSize, where);
    for (const layer of this.layers) h = this.dropout.apply(layer.apply(h), training);
    return h;
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
    this.dropout.dispose();
  }
}

/** `x` as `[B, inputSize]`, with clear errors for anything else. */
export function flattenInput(x: tf.Tensor, inputSize: number, where: string): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    const got = Array.isArray(x) ? 'a plain Array' : x === null ? 'null' : typeof x === 'object' ? `a ${(x as object).constructor?.name ?? 'object'}` : typeof x;
    throw new Error(`${where}: x must be a tf.Tensor of shape [batch, ${inputSize}] (or [batch, 28, 28]); got ${got}: wrap it with tf.tensor2d(rows)`);
  }
  const batch = x.shape[0];
  if (x.rank < 2) {
    throw new Error(`${where}: x must be a batch of samples, shape [batch, ${inputSize}] (or [batch, 28, 28]); got shape [${x.shape}]: for one sample use x.expandDims(0)`);
  }
  if (x.size !== batch * inputSize) {
    throw new Error(`${where}: each sample of x must hold ${inputSize} values (inputSize); got shape [${x.shape}], ${x.size / batch} values per sample`);
  }
  return x.rank === 2 ? x : tf.reshape(x, [batch, inputSize]);
}
