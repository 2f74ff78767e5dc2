/**
 * `ResNet32`: the reduced ResNet-32 of FACIL, as Avalanche ships it (`models/resnet32.py`): a conv3x3
 * stem (16 channels) with batch norm, three stages of five residual blocks with 16, 32 and 64 channels
 * (strides 1, 2, 2), an 8x8 average pool and a linear classifier `fc`. Convolutions are drawn as
 * PyTorch's `kaiming_normal_(mode='fan_out', nonlinearity='relu')`, as there. Parameter and buffer
 * names are PyTorch's (`layer2.0.downsample.0.weight`, `fc.bias`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeRandom } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { BatchNorm2d } from './batchNorm';
import type { Conv2d } from './conv2d';
import { Linear } from './linear';
import { asImages } from './images';
import { Layer, Module, copyState } from './module';
import { BasicBlock, conv3x3, makeStage } from './resnetBlock';

/** Options of `ResNet32`. */
export interface ResNet32Options {
  /** Number of output classes (default 10). */
  numClasses?: number;
  /** Residual blocks per stage (default 5: ResNet-32; 3 gives ResNet-20, 9 ResNet-56). */
  blocks?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** Height and width of the square input images (default 32: the 8x8 pool then covers the last maps). */
  imageSize?: number;
  /** Seed of the initial weights (default: from the global generator). */
  seed?: number | null;
}

/** Avalanche's `resnet32(num_classes)` for 32x32 images (NHWC here: `[B, 32, 32, 3]`). */
export class ResNet32 extends Module {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly imageSize: number;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly blocks: BasicBlock[];
  readonly fc: Linear;
  private readonly options: ResNet32Options;

  constructor(options: ResNet32Options = {}) {
    super();
    checkKnownOptions('ResNet32', options, ['numClasses', 'blocks', 'inChannels', 'imageSize', 'seed']);
    this.options = { ...options };
    this.numClasses = checkInteger('numClasses', options.numClasses ?? 10, 1);
    const blocks = checkInteger('blocks', options.blocks ?? 5, 1);
    this.inChannels = checkInteger('inChannels', options.inChannels ?? 3, 1);
    this.imageSize = checkInteger('imageSize', options.imageSize ?? 32, 1);
    // Two stride-2 stages (padding 1) leave ceil(size / 4) a side, which the 8x8 pool (stride 1) must cover once.
    if (Math.ceil(this.imageSize / 4) !== 8) throw new Error(`ResNet32: imageSize ${this.imageSize} leaves ${Math.ceil(this.imageSize / 4)}x${Math.ceil(this.imageSize / 4)} maps; the 8x8 average pool needs 8x8 (imageSize 29 to 32)`);
    const random = makeRandom(options.seed);
    this.conv1 = conv3x3(this.inChannels, 16, 1, 'conv1', random, 'kaimingNormal');
    this.bn1 = new BatchNorm2d({ numFeatures: 16, name: 'bn1' });
    this.blocks = [
      ...makeStage(16, 16, blocks, 1, 'layer1', 'downsample', random, 'kaimingNormal'),
      ...makeStage(16, 32, blocks, 2, 'layer2', 'downsample', random, 'kaimingNormal'),
      ...makeStage(32, 64, blocks, 2, 'layer3', 'downsample', random, 'kaimingNormal'),
    ];
    this.fc = new Linear({ inFeatures: 64, outFeatures: this.numClasses, name: 'fc' }, random);
  }

  namedLayers(): [string, Layer][] {
    return [['conv1', this.conv1], ['bn1', this.bn1], ...this.blocks.flatMap((b) => b.namedLayers()), ['fc', this.fc]];
  }

  /** The 64 pooled features before `fc`. */
  getFeatures(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.apply(this.conv1.apply(asImages(x, this.imageSize, this.inChannels, 'ResNet32')), this.training)) as tf.Tensor4D;
      for (const block of this.blocks) h = block.apply(h, this.training);
      return tf.reshape(tf.avgPool(h, 8, 1, 'valid'), [x.shape[0], 64]);
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc.apply(this.getFeatures(x)));
  }

  clone(): ResNet32 {
    const copy = new ResNet32(this.options);
    copyState(this, copy);
    return copy;
  }
}
