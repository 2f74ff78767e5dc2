/**
 * The residual `BasicBlock` of ResNets (He et al. 2016) as Avalanche's `SlimResNet18` and
 * `ResNet32` (FACIL's) write it: conv3x3 (stride s) → batch norm → ReLU → conv3x3 → batch norm,
 * plus the input, or its 1x1 convolution (stride s) and batch norm where the shape changes; ReLU.
 * The convolutions have no bias (a batch norm follows each). Its layers carry PyTorch's names
 * below the block's (`layer2.0.conv1`, `layer2.0.shortcut.0`), so that a state dict moves between the two.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../utils/random';
import { BatchNorm2d } from './batchNorm';
import { Conv2d } from './conv2d';
import type { Layer } from './module';

/** How a model draws its convolutions' weights (`Conv2dOptions.init`). */
export type ConvInit = 'uniform' | 'kaimingNormal';

/** A 3x3 convolution with padding 1 and no bias (`conv3x3` of both models). */
export function conv3x3(inChannels: number, outChannels: number, stride: number, name: string, random: Random, init: ConvInit = 'uniform'): Conv2d {
  return new Conv2d({ inChannels, outChannels, kernelSize: 3, stride, padding: 1, bias: false, name, init }, random);
}

/** One residual block. */
export class BasicBlock {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  /** The projection of the input where the block changes its shape (`shortcut` / `downsample` in PyTorch). */
  readonly projection: { conv: Conv2d; bn: BatchNorm2d } | null;

  /**
   * @param name the block's PyTorch name (`layer2.0`); @param projectionName what PyTorch calls the
   * projection (`shortcut` in SlimResNet18, `downsample` in ResNet32).
   */
  constructor(inChannels: number, channels: number, stride: number, readonly name: string, readonly projectionName: string, random: Random, init: ConvInit = 'uniform') {
    this.conv1 = conv3x3(inChannels, channels, stride, `${name}.conv1`, random, init);
    this.bn1 = new BatchNorm2d({ numFeatures: channels, name: `${name}.bn1` });
    this.conv2 = conv3x3(channels, channels, 1, `${name}.conv2`, random, init);
    this.bn2 = new BatchNorm2d({ numFeatures: channels, name: `${name}.bn2` });
    this.projection = stride !== 1 || inChannels !== channels
      ? {
          conv: new Conv2d({ inChannels, outChannels: channels, kernelSize: 1, stride, bias: false, name: `${name}.${projectionName}.0`, init }, random),
          bn: new BatchNorm2d({ numFeatures: channels, name: `${name}.${projectionName}.1` }),
        }
      : null;
  }

  /** The block's layers with their full PyTorch names. */
  namedLayers(): [string, Layer][] {
    const n = this.name;
    const own: [string, Layer][] = [[`${n}.conv1`, this.conv1], [`${n}.bn1`, this.bn1], [`${n}.conv2`, this.conv2], [`${n}.bn2`, this.bn2]];
    if (this.projection) own.push([`${n}.${this.projectionName}.0`, this.projection.conv], [`${n}.${this.projectionName}.1`, this.projection.bn]);
    return own;
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const h = tf.relu(this.bn1.apply(this.conv1.apply(x), training)) as tf.Tensor4D;
    const out = this.bn2.apply(this.conv2.apply(h), training);
    const residual = this.projection ? this.projection.bn.apply(this.projection.conv.apply(x), training) : x;
    return tf.relu(tf.add(out, residual)) as tf.Tensor4D;
  }
}

/** A stage of blocks: the first with `stride`, the rest with 1 (`_make_layer`); names `layerN.i`. */
export function makeStage(inChannels: number, channels: number, blocks: number, stride: number, name: string, projectionName: string, random: Random, init: ConvInit = 'uniform'): BasicBlock[] {
  return Array.from({ length: blocks }, (_, i) => new BasicBlock(i === 0 ? inChannels : channels, channels, i === 0 ? stride : 1, `${name}.${i}`, projectionName, random, init));
}
