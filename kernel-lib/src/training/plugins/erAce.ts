/**
 * ER-ACE (Caccia et al. 2022, "New insights on reducing abrupt representation change in online
 * continual learning"), as current Avalanche's `ER_ACE`: a class-balanced buffer updated before each
 * experience (so it holds current samples too), and a loss that is the mean of the replay batch's
 * cross-entropy and the current batch's cross-entropy restricted to the classes present in the
 * current batch (the asymmetric cross-entropy: new classes do not push old ones down).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassificationDataset } from '../../data/dataset';
import { gatherMiniBatch } from '../../loaders/miniBatch';
import { selectColumns } from '../../ops/select';
import { ClassBalancedBuffer } from '../../storage/balanced';
import { checkBufferSize } from '../../storage/exemplarsBuffer';
import { Random, makeRandom } from '../../utils/random';
import { checkInteger, checkKnownOptions } from '../../utils/validate';
import { CrossEntropyLoss } from '../losses';
import type { BaseStrategy } from '../template';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `ERACEPlugin` (current Avalanche's names, in camelCase). */
export interface ERACEPluginOptions {
  /** Buffer size (default 200). */
  memSize?: number;
  /** Replay samples per step (default 10, as Avalanche). */
  batchSizeMem?: number;
  /** Seed of the buffer and of the replay batches (default: from the global generator). */
  seed?: number | null;
}

const ce = new CrossEntropyLoss();

/**
 * The asymmetric cross-entropy: `(CE(outBuffer, yBuffer) + CE(outCurrent[:, C], yCurrent in C)) / 2`
 * with C the classes present in the current batch (`currentTargets`, host copy of its targets).
 */
export function aceLoss(outCurrent: tf.Tensor, currentTargets: Int32Array, outBuffer: tf.Tensor, bufferTargets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = [...new Set(currentTargets)].sort((a, b) => a - b);
    const position = new Map(classes.map((c, i) => [c, i]));
    const remapped = tf.tensor1d(Int32Array.from(currentTargets, (t) => position.get(t)!), 'int32');
    // A batch of one class: a softmax over one output is 1, so its cross-entropy is 0.
    const current = classes.length > 1 ? ce.forward(selectColumns(outCurrent, classes), remapped) : tf.mul(tf.sum(outCurrent), 0);
    return tf.div(tf.add(ce.forward(outBuffer, bufferTargets), current), 2) as tf.Scalar;
  });
}

/** ER-ACE as a plugin (it replaces the strategy's loss once the buffer holds a replay batch). */
export class ERACEPlugin extends StrategyPlugin {
  readonly storagePolicy: ClassBalancedBuffer;
  readonly batchSizeMem: number;
  private readonly random: Random;
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private memory: ClassificationDataset | null = null;

  constructor(options: ERACEPluginOptions = {}) {
    super();
    checkKnownOptions('ERACEPlugin', options, ['memSize', 'batchSizeMem', 'seed']);
    this.random = makeRandom(options.seed);
    this.storagePolicy = new ClassBalancedBuffer({ maxSize: checkBufferSize('memSize', options.memSize ?? 200), adaptiveSize: true, seed: this.random.nextSeed() });
    this.batchSizeMem = checkInteger('batchSizeMem', options.batchSizeMem ?? 10, 1);
  }

  override beforeTrainingExp(strategy: BaseStrategy): void {
    this.storagePolicy.update(strategy);
    const buffer = this.storagePolicy.buffer;
    this.memory = buffer.length >= this.batchSizeMem ? buffer : null;
    this.order = new Int32Array(0);
    this.cursor = 0;
  }

  override beforeBackward(strategy: BaseStrategy): void {
    const memory = this.memory;
    if (!memory) return;
    if (this.cursor + this.batchSizeMem > this.order.length) {
      // A new pass over the buffer in a new order (the last, short batch is dropped, as Avalanche's loader).
      this.order = this.random.permutation(memory.length);
      this.cursor = 0;
    }
    const start = this.cursor;
    this.cursor += this.batchSizeMem;
    const batch = gatherMiniBatch(memory, this.order, start, start + this.batchSizeMem, this.random);
    // Freed with the iteration's other tensors.
    const [x, y] = [strategy.iterationTensor('erace.x', () => batch[0]), strategy.iterationTensor('erace.y', () => batch[1])];
    tf.dispose(batch[2]);
    const out = strategy.model.forward(x, batch.taskLabelsHost ?? 0);
    strategy.loss = aceLoss(strategy.mbOutput!, strategy.mbatch!.targetsHost!, out, y);
  }
}
