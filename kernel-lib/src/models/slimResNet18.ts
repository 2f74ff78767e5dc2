/**
 * `SlimResNet18` and `MTSlimResNet18`: Avalanche's slimmed ResNet-18 (`models/slim_resnet18.py`, from
 * Lopez-Paz and Ranzato's GEM paper): a conv3x3 stem with batch norm, four stages of two residual
 * blocks with `nf`, 2`nf`, 4`nf`, 8`nf` channels (strides 1, 2, 2, 2), a 4x4 average pool and a linear
 * classifier (one head per task in the multi-task model). Parameter and buffer names are PyTorch's
 * (`conv1.weight`, `layer2.0.shortcut.1.running_mean`, `linear.bias`), so state dicts move both ways.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ClassificationDataset } from '../data/dataset';
import { makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { BatchNorm2d } from './batchNorm';
import { MultiHeadClassifier } from './dynamicModules';
import { Linear } from './linear';
import type { TaskLabels } from './model';
import { asImages } from './images';
import { Layer, Module, copyState } from './module';
import { BasicBlock, conv3x3, makeStage } from './resnetBlock';
import type { Conv2d } from './conv2d';

/** Options of `SlimResNet18`. */
export interface SlimResNet18Options {
  /** Number of output classes (default 10). */
  numClasses?: number;
  /** Channels of the first stage (default 20, Avalanche's). */
  nf?: number;
  /** Input channels (default 3, Avalanche's; 1 for MNIST-like data). */
  inChannels?: number;
  /** Height and width of the square input images (default 32, Avalanche's). */
  imageSize?: number;
  /** Seed of the initial weights (default: from the global generator). */
  seed?: number | null;
}

const OPTIONS = ['numClasses', 'nf', 'inChannels', 'imageSize', 'seed'];

/** The convolutional body both models share: stem and four stages, up to the pooled features. */
class SlimResNetBody {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly blocks: BasicBlock[];
  readonly featureSize: number;

  constructor(readonly where: string, readonly nf: number, readonly inChannels: number, readonly imageSize: number, random: ReturnType<typeof makeRandom>) {
    this.conv1 = conv3x3(inChannels, nf, 1, 'conv1', random);
    this.bn1 = new BatchNorm2d({ numFeatures: nf, name: 'bn1' });
    this.blocks = [
      ...makeStage(nf, nf, 2, 1, 'layer1', 'shortcut', random),
      ...makeStage(nf, 2 * nf, 2, 2, 'layer2', 'shortcut', random),
      ...makeStage(2 * nf, 4 * nf, 2, 2, 'layer3', 'shortcut', random),
      ...makeStage(4 * nf, 8 * nf, 2, 2, 'layer4', 'shortcut', random),
    ];
    // Three stride-2 stages (padding 1): ceil(size / 8) a side, then PyTorch's avg_pool2d(out, 4).
    const side = Math.floor(Math.ceil(imageSize / 8) / 4);
    if (side < 1) throw new Error(`${where}: imageSize ${imageSize} is too small (the last stage's maps must be at least 4x4: imageSize >= 25)`);
    this.featureSize = 8 * nf * side * side;
  }

  namedLayers(): [string, Layer][] {
    return [['conv1', this.conv1], ['bn1', this.bn1], ...this.blocks.flatMap((b) => b.namedLayers())];
  }

  /** The features `[B, featureSize]` of images `[B, size, size, channels]` (or their flat values). */
  apply(x: tf.Tensor, training: boolean): tf.Tensor2D {
    let h = tf.relu(this.bn1.apply(this.conv1.apply(asImages(x, this.imageSize, this.inChannels, this.where)), training)) as tf.Tensor4D;
    for (const block of this.blocks) h = block.apply(h, training);
    const pooled = tf.avgPool(h, 4, 4, 'valid');
    // Flattened in PyTorch's order (channels first) where more than one position is left.
    const ordered = pooled.shape[1] === 1 && pooled.shape[2] === 1 ? pooled : tf.transpose(pooled, [0, 3, 1, 2]);
    return tf.reshape(ordered, [x.shape[0], this.featureSize]) as tf.Tensor2D;
  }
}

function checkOptions(where: string, options: SlimResNet18Options, known: string[]) {
  checkKnownOptions(where, options, known);
  return {
    nf: checkInteger('nf', options.nf ?? 20, 1),
    inChannels: checkInteger('inChannels', options.inChannels ?? 3, 1),
    imageSize: checkInteger('imageSize', options.imageSize ?? 32, 1),
  };
}

/**
 * Avalanche's `SlimResNet18(nclasses, nf=20)`: `new SlimResNet18({ numClasses: 10 })` for CIFAR-10's
 * 32x32 colour images (NHWC here: `[B, 32, 32, 3]`, or `[B, 3072]` in that order).
 */
export class SlimResNet18 extends Module {
  readonly numClasses: number;
  readonly linear: Linear;
  private readonly body: SlimResNetBody;
  private readonly options: SlimResNet18Options;

  constructor(options: SlimResNet18Options = {}) {
    super();
    const o = checkOptions('SlimResNet18', options, OPTIONS);
    this.options = { ...options };
    this.numClasses = checkInteger('numClasses', options.numClasses ?? 10, 1);
    const random = makeRandom(options.seed);
    this.body = new SlimResNetBody('SlimResNet18', o.nf, o.inChannels, o.imageSize, random);
    this.linear = new Linear({ inFeatures: this.body.featureSize, outFeatures: this.numClasses, name: 'linear' }, random);
  }

  namedLayers(): [string, Layer][] {
    return [...this.body.namedLayers(), ['linear', this.linear]];
  }

  /** The residual blocks, `layer1.0` to `layer4.1`. */
  get blocks(): BasicBlock[] {
    return this.body.blocks;
  }

  /** The pooled features before the classifier (`8 nf` of them at 32x32). */
  getFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.body.apply(x, this.training));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.linear.apply(this.body.apply(x, this.training)));
  }

  clone(): SlimResNet18 {
    const copy = new SlimResNet18(this.options);
    copyState(this, copy);
    return copy;
  }
}

/** Options of `MTSlimResNet18`: those of `SlimResNet18`, each head's initial outputs instead of `numClasses`. */
export type MTSlimResNet18Options = Omit<SlimResNet18Options, 'numClasses'> & {
  /** Outputs of a new head before it adapts to its task's classes (default 2). */
  initialOutFeatures?: number;
};

/** Avalanche's `MTSlimResNet18`: the same body, a `MultiHeadClassifier` named `linear` (a head per task). */
export class MTSlimResNet18 extends Module {
  readonly linear: MultiHeadClassifier;
  private readonly body: SlimResNetBody;
  private readonly options: MTSlimResNet18Options;

  constructor(options: MTSlimResNet18Options = {}) {
    super();
    const o = checkOptions('MTSlimResNet18', options, ['nf', 'inChannels', 'imageSize', 'seed', 'initialOutFeatures']);
    this.options = { ...options };
    const random = makeRandom(options.seed);
    this.body = new SlimResNetBody('MTSlimResNet18', o.nf, o.inChannels, o.imageSize, random);
    this.linear = new MultiHeadClassifier({ inFeatures: this.body.featureSize, initialOutFeatures: options.initialOutFeatures, seed: random.nextSeed() });
  }

  namedLayers(): [string, Layer][] {
    return [...this.body.namedLayers(), ['linear', this.linear]];
  }

  override adaptation(dataset: ClassificationDataset): void {
    this.linear.adaptation(dataset);
  }

  getFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.body.apply(x, this.training));
  }

  forward(x: tf.Tensor, taskLabels?: TaskLabels): tf.Tensor {
    return tf.tidy(() => this.linear.forward(this.body.apply(x, this.training), taskLabels));
  }

  /** The output of every head on the same features, by task label. */
  forwardAllTasks(x: tf.Tensor): Map<number, tf.Tensor> {
    const features = this.getFeatures(x);
    try {
      return this.linear.forwardAllTasks(features);
    } finally {
      features.dispose();
    }
  }

  clone(): MTSlimResNet18 {
    const copy = new MTSlimResNet18(this.options);
    copyState(this, copy);
    return copy;
  }
}
