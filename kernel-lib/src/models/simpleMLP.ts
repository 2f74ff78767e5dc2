/** `SimpleMLP`, Avalanche's multi-layer perceptron: (Linear, ReLU, Dropout) x hiddenLayers, then a Linear classifier. */
import * as tf from '@tensorflow/tfjs';
import { backendCapabilities } from '../backend/backends';
import { bernoulliMaskPool, maskWindow } from '../ops/fusedOps';
import { Random, makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { Linear } from './linear';
import { CLModel } from './model';

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

/** Avalanche's `SimpleMLP`, with PyTorch's initialisation and fast hand-written dense gradients. */
export class SimpleMLP implements CLModel {
  readonly numClasses: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly dropRate: number;
  /** The hidden layers (`features` in Avalanche). */
  readonly features: Linear[];
  /** The output layer. */
  readonly classifier: Linear;
  training = true;
  private readonly dropoutRandom: Random;
  private pool: tf.Tensor1D | null = null;

  constructor(options: SimpleMLPOptions = {}) {
    checkKnownOptions('SimpleMLP', options, SIMPLE_MLP_OPTIONS);
    this.numClasses = checkInteger('numClasses', options.numClasses ?? 10, 1);
    this.inputSize = checkInteger('inputSize', options.inputSize ?? 784, 1);
    this.hiddenSize = checkInteger('hiddenSize', options.hiddenSize ?? 512, 1);
    const hiddenLayers = checkInteger('hiddenLayers', options.hiddenLayers ?? 1, 1);
    const dropRate = options.dropRate ?? 0.5;
    if (typeof dropRate !== 'number' || !(dropRate >= 0 && dropRate < 1)) {
      throw new Error(`dropRate must be a number in [0, 1), got ${dropRate}`);
    }
    this.dropRate = dropRate;
    const random = makeRandom(options.seed);
    this.features = [];
    for (let i = 0; i < hiddenLayers; i++) {
      this.features.push(
        new Linear(
          { inFeatures: i === 0 ? this.inputSize : this.hiddenSize, outFeatures: this.hiddenSize, activation: 'relu', inputGradient: i > 0, name: `features.${i}` },
          random,
        ),
      );
    }
    this.classifier = new Linear({ inFeatures: this.hiddenSize, outFeatures: this.numClasses, name: 'classifier' }, random);
    this.dropoutRandom = new Random(random.nextSeed());
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.features.flatMap((l) => l.variables), ...this.classifier.variables];
  }

  /** Number of trainable parameters. */
  get numParameters(): number {
    return [...this.features, this.classifier].reduce((n, l) => n + l.inFeatures * l.outFeatures + l.outFeatures, 0);
  }

  train(): void {
    this.training = true;
  }

  eval(): void {
    this.training = false;
  }

  getFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = this.flatten(x);
      for (const layer of this.features) {
        h = layer.apply(h);
        if (this.training && this.dropRate > 0) h = this.dropout(h);
      }
      return h;
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.classifier.apply(this.getFeatures(x)));
  }

  dispose(): void {
    for (const layer of [...this.features, this.classifier]) layer.dispose();
    this.pool?.dispose();
    this.pool = null;
  }

  /**
   * The device pool of dropout mask values (0, or 1/keep with probability keep), at least 16 masks
   * long: a mask is one slice of it.
   */
  private maskPool(maskSize: number): tf.Tensor1D {
    const size = Math.max(1 << 22, maskSize * 16);
    if (!this.pool || this.pool.size < maskSize * 2) {
      this.pool?.dispose();
      // Drawn on the device from a seed (one dispatch), not on the host and uploaded (16 MB, ~80 ms).
      this.pool = tf.keep(bernoulliMaskPool(size, 1 - this.dropRate, this.dropoutRandom.nextSeed()));
    }
    return this.pool;
  }

  private flatten(x: tf.Tensor): tf.Tensor {
    if (!(x instanceof tf.Tensor)) {
      const got = Array.isArray(x) ? 'a plain Array' : x === null ? 'null' : typeof x === 'object' ? `a ${(x as object).constructor?.name ?? 'object'}` : typeof x;
      throw new Error(`SimpleMLP: x must be a tf.Tensor of shape [batch, ${this.inputSize}] (or [batch, 28, 28]); got ${got}: wrap it with tf.tensor2d(rows)`);
    }
    const batch = x.shape[0];
    if (x.rank < 2) {
      throw new Error(`SimpleMLP: x must be a batch of samples, shape [batch, ${this.inputSize}] (or [batch, 28, 28]); got shape [${x.shape}]: for one sample use x.expandDims(0)`);
    }
    if (x.size !== batch * this.inputSize) {
      throw new Error(`SimpleMLP: each sample of x must hold ${this.inputSize} values (inputSize); got shape [${x.shape}], ${x.size / batch} values per sample`);
    }
    return x.rank === 2 ? x : x.reshape([batch, this.inputSize]);
  }

  /**
   * Inverted dropout with a seeded mask. On the host backends (wasm, cpu) the mask is drawn on the
   * host (cheaper than tfjs's random ops). On device backends (webgpu) a host mask costs a large
   * upload per step, so the mask is a window, at a seeded random offset, of a seeded pool of mask
   * values kept on the device: each unit is still kept with probability 1 - dropRate; masks of
   * different steps are different windows of the same pool.
   */
  private dropout(h: tf.Tensor): tf.Tensor {
    const keep = 1 - this.dropRate;
    if (backendCapabilities().deviceMemory) {
      const pool = this.maskPool(h.size);
      return maskWindow(h, pool, this.dropoutRandom.int(pool.size - h.size + 1));
    }
    const mask = new Float32Array(h.size);
    const scale = 1 / keep;
    for (let i = 0; i < mask.length; i++) mask[i] = this.dropoutRandom.next() < keep ? scale : 0;
    return tf.mul(h, tf.tensor(mask, h.shape));
  }
}
