/**
 * Dark Experience Replay (DER++, Buzzega et al. 2020), as current Avalanche's `DER`: a
 * class-balanced buffer that stores, beside each exemplar, the model's logits for it at storage time
 * (the end of the experience it came from), as Mammoth's buffer does: `storedLogits` is one flat
 * `Float32Array` aligned with the buffer's samples. Each step appends `batchSizeMem` buffer samples
 * to the mini-batch and the loss becomes
 * `CE(current) + alpha * MSE(out_mem, stored logits) + beta * CE(out_mem, y_mem)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassificationDataset } from '../../data/dataset';
import { MiniBatch, disposeMiniBatch, gatherMiniBatch } from '../../loaders/miniBatch';
import { ClassBalancedBuffer } from '../../storage/balanced';
import { checkBufferSize } from '../../storage/exemplarsBuffer';
import { Random, makeRandom } from '../../utils/random';
import { checkInteger, checkKnownOptions, checkPositive } from '../../utils/validate';
import { CrossEntropyLoss } from '../losses';
import type { BaseStrategy } from '../template';
import { evalOverDataset } from './regularization';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `DERPlugin` (current Avalanche's names, in camelCase). */
export interface DERPluginOptions {
  /** Buffer size (default 200). */
  memSize?: number;
  /** Buffer samples appended to each mini-batch (default: the strategy's `trainMbSize`). */
  batchSizeMem?: number;
  /** Weight of the logit-matching term (default 0.1). */
  alpha?: number;
  /** Weight of the replayed labels' cross-entropy (default 0.5). */
  beta?: number;
  /** Seed of the buffer and the replay batches (default: from the global generator). */
  seed?: number | null;
}

const ce = new CrossEntropyLoss();

/** A key for a sample that survives buffer updates: its experience and its index in the original data set. */
const sampleKey = (data: ClassificationDataset, i: number) => data.experienceIds[i] * 1_000_003 + data.sampleIds[i];

/** DER++ as a plugin. */
export class DERPlugin extends StrategyPlugin {
  readonly storagePolicy: ClassBalancedBuffer;
  readonly alpha: number;
  readonly beta: number;
  /** The logits stored with the buffer's samples, `buffer.length * logitsWidth` values, row i for sample i. */
  storedLogits = new Float32Array(0);
  /** Outputs per stored row. */
  logitsWidth = 0;
  private readonly batchSizeMemOption?: number;
  private readonly random: Random;
  private memory: { data: ClassificationDataset; logits: Float32Array; width: number; batch: number } | null = null;
  private order = new Int32Array(0);
  private cursor = 0;
  private memoryRows = 0;

  constructor(options: DERPluginOptions = {}) {
    super();
    checkKnownOptions('DERPlugin', options, ['memSize', 'batchSizeMem', 'alpha', 'beta', 'seed']);
    this.random = makeRandom(options.seed);
    this.storagePolicy = new ClassBalancedBuffer({ maxSize: checkBufferSize('memSize', options.memSize ?? 200), adaptiveSize: true, seed: this.random.nextSeed() });
    if (options.batchSizeMem !== undefined) this.batchSizeMemOption = checkInteger('batchSizeMem', options.batchSizeMem, 1);
    this.alpha = checkPositive('alpha', options.alpha ?? 0.1, true);
    this.beta = checkPositive('beta', options.beta ?? 0.5, true);
  }

  override beforeTrainingExp(strategy: BaseStrategy): void {
    const data = this.storagePolicy.buffer;
    const batch = this.batchSizeMemOption ?? strategy.trainMbSize;
    this.memory = data.length >= batch ? { data, logits: this.storedLogits, width: this.logitsWidth, batch } : null;
    this.order = new Int32Array(0);
    this.cursor = 0;
  }

  override beforeForward(strategy: BaseStrategy): void {
    const memory = this.memory;
    this.memoryRows = 0;
    if (!memory) return;
    if (this.cursor + memory.batch > this.order.length) {
      this.order = this.random.permutation(memory.data.length);
      this.cursor = 0;
    }
    const rows = this.order.slice(this.cursor, this.cursor + memory.batch);
    this.cursor += memory.batch;
    const mem = gatherMiniBatch(memory.data, rows, 0, rows.length, this.random);
    const current = strategy.mbatch!;
    // The memory rows first, as Avalanche: [memory; current].
    const joined = [tf.concat([mem[0], current[0]]), tf.concat([mem[1], current[1]]), tf.concat([mem[2], current[2]])] as MiniBatch;
    if (mem.targetsHost && current.targetsHost) joined.targetsHost = Int32Array.from([...mem.targetsHost, ...current.targetsHost]);
    if (mem.taskLabelsHost && current.taskLabelsHost) joined.taskLabelsHost = Int32Array.from([...mem.taskLabelsHost, ...current.taskLabelsHost]);
    disposeMiniBatch(mem);
    disposeMiniBatch(current);
    strategy.mbatch = joined;
    const logits = new Float32Array(rows.length * memory.width);
    rows.forEach((r, k) => logits.set(memory.logits.subarray(r * memory.width, (r + 1) * memory.width), k * memory.width));
    strategy.iterationTensor('der.logits', () => tf.tensor2d(logits, [rows.length, memory.width]));
    this.memoryRows = rows.length;
  }

  override beforeBackward(strategy: BaseStrategy): void {
    const m = this.memoryRows;
    if (!m) return;
    const out = strategy.mbOutput!;
    const y = strategy.mbY;
    const n = out.shape[0] as number;
    const width = out.shape[1] as number;
    const stored = strategy.iterationTensor('der.logits', () => tf.zeros([m, width]));
    strategy.loss = tf.tidy(() => {
      const outMem = tf.slice(out, [0, 0], [m, width]);
      const target = stored.shape[1] === width ? stored : fitWidth(stored, width);
      const current = ce.forward(tf.slice(out, [m, 0], [n - m, width]), tf.slice(y, [m], [n - m]));
      const match = tf.mean(tf.squaredDifference(outMem, target));
      const replayed = ce.forward(outMem, tf.slice(y, [0], [m]));
      return tf.addN([current, tf.mul(match, this.alpha), tf.mul(replayed, this.beta)]) as tf.Scalar;
    });
  }

  override async afterTrainingExp(strategy: BaseStrategy): Promise<void> {
    const before = this.storagePolicy.buffer;
    const previous = new Map<number, number>();
    for (let i = 0; i < before.length; i++) previous.set(sampleKey(before, i), i);
    const oldLogits = this.storedLogits;
    const oldWidth = this.logitsWidth;
    await this.storagePolicy.update(strategy);
    const after = this.storagePolicy.buffer;
    // Logits at storage time for the samples new to the buffer (model in eval mode), kept for the others.
    const fresh = after.subset(Array.from({ length: after.length }, (_, i) => i).filter((i) => !previous.has(sampleKey(after, i))));
    const { values: freshLogits, width } = await evalOverDataset(strategy.model, fresh, strategy.evalMbSize, (batch) => strategy.model.forward(batch[0], batch.taskLabelsHost ?? batch[2]), this.logitsWidth);
    const keyOfFresh = new Map<number, number>();
    for (let i = 0; i < fresh.length; i++) keyOfFresh.set(sampleKey(fresh, i), i);
    const logits = new Float32Array(after.length * width);
    for (let i = 0; i < after.length; i++) {
      const key = sampleKey(after, i);
      const f = keyOfFresh.get(key);
      if (f !== undefined) logits.set(freshLogits.subarray(f * width, (f + 1) * width), i * width);
      else {
        const o = previous.get(key)!;
        logits.set(oldLogits.subarray(o * oldWidth, o * oldWidth + Math.min(oldWidth, width)), i * width);
      }
    }
    this.storedLogits = logits;
    this.logitsWidth = width;
  }
}

/** `t` `[m, w]` cut or zero-padded to `[m, width]` (the model's outputs grew or shrank since storage). */
function fitWidth(t: tf.Tensor, width: number): tf.Tensor {
  const w = t.shape[1] as number;
  return w > width ? tf.slice(t, [0, 0], [t.shape[0] as number, width]) : tf.pad(t, [[0, 0], [0, width - w]]);
}
