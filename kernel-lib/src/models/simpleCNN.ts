/**
 * `SimpleCNN`, Avalanche's small convolutional network (`models/simple_cnn.py`): two blocks of
 * (conv, ReLU, conv, ReLU, 2x2 max pool, dropout 0.25), a 1x1 convolution, a global max pool and a
 * linear classifier on the 64 features.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeRandom, Random } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { Conv2d } from './conv2d';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { asImages } from './images';
import { Layer, Module, copyState } from './module';

/** Options of `SimpleCNN`. */
export interface SimpleCNNOptions {
  /** Number of output classes (default 10). */
  numClasses?: number;
  /** Input channels (default 1, for MNIST-like data; Avalanche's is fixed at 3, for CIFAR). */
  inChannels?: number;
  /** Height and width of the (square) input images (default 28). */
  imageSize?: number;
  /** Seed of the initial weights and the dropout masks (default: from the global generator). */
  seed?: number | null;
}

/** The convolutions' places in Avalanche's `features` Sequential (ReLUs, pools and dropouts between them). */
const CONV_NAMES = ['features.0', 'features.2', 'features.6', 'features.8', 'features.12'];

/** Avalanche's `SimpleCNN` on tfjs convolutions (NHWC); inputs `[B, size*size*channels]` or images. */
export class SimpleCNN extends Module {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly imageSize: number;
  readonly convs: Conv2d[];
  readonly classifier: Linear;
  private readonly dropout: Dropout;
  private readonly options: SimpleCNNOptions;

  constructor(options: SimpleCNNOptions = {}) {
    super();
    checkKnownOptions('SimpleCNN', options, ['numClasses', 'inChannels', 'imageSize', 'seed']);
    this.options = { ...options };
    this.numClasses = checkInteger('numClasses', options.numClasses ?? 10, 1);
    this.inChannels = checkInteger('inChannels', options.inChannels ?? 1, 1);
    this.imageSize = checkInteger('imageSize', options.imageSize ?? 28, 8);
    const random = makeRandom(options.seed);
    const spec: [number, number, number, number][] = [
      [this.inChannels, 32, 3, 1],
      [32, 32, 3, 0],
      [32, 64, 3, 1],
      [64, 64, 3, 0],
      [64, 64, 1, 0],
    ];
    this.convs = spec.map(([inC, outC, k, p], i) => new Conv2d({ inChannels: inC, outChannels: outC, kernelSize: k, padding: p, name: CONV_NAMES[i] }, random));
    this.classifier = new Linear({ inFeatures: 64, outFeatures: this.numClasses, name: 'classifier.0' }, random);
    this.dropout = new Dropout(0.25, new Random(random.nextSeed()));
  }

  namedLayers(): [string, Layer][] {
    return [...this.convs.map((c, i) => [CONV_NAMES[i], c] as [string, Layer]), ['classifier.0', this.classifier]];
  }

  /** The 64 features after the global max pool. */
  getFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const relu = (t: tf.Tensor4D) => tf.relu(t) as tf.Tensor4D;
      let h = asImages(x, this.imageSize, this.inChannels, 'SimpleCNN');
      const [c0, c1, c2, c3, c4] = this.convs;
      h = relu(c1.apply(relu(c0.apply(h))));
      h = this.dropout.apply(tf.maxPool(h, 2, 2, 'valid'), this.training) as tf.Tensor4D;
      h = relu(c3.apply(relu(c2.apply(h))));
      h = this.dropout.apply(tf.maxPool(h, 2, 2, 'valid'), this.training) as tf.Tensor4D;
      h = relu(c4.apply(h));
      // The global max pool as a pool over the whole map: as PyTorch's AdaptiveMaxPool2d(1), its gradient
      // goes to one position per channel (tf.max's goes to every tied one), through the pooling kernel.
      const [b, ht, wd, ch] = h.shape;
      return this.dropout.apply(tf.reshape(tf.maxPool(h, [ht, wd], 1, 'valid'), [b, ch]), this.training);
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.apply(this.getFeatures(x)));
  }

  clone(): SimpleCNN {
    const copy = new SimpleCNN(this.options);
    copyState(this, copy);
    return copy;
  }

  override dispose(): void {
    super.dispose();
    this.dropout.dispose();
  }
}
