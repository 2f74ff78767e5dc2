/**
 * GSS-greedy (Aljundi et al. 2019, "Gradient based sample selection for online continual learning"),
 * as Avalanche's `GSS_greedyPlugin`: a memory filled online so that its samples' gradients are
 * diverse. Each incoming sample gets a score, the largest cosine similarity of its gradient with the
 * gradients of up to `memStrength` random memory batches. While there is room, samples go in with
 * their score; once full, when the batch's gradient points against the memory's (largest cosine < 0),
 * each sample is paired with a memory slot drawn with weights growing with the slot's score, and
 * replaces it with probability `(s_slot + 1) / ((s_sample + 1) + (s_slot + 1))`. Training batches
 * mix the current data with the memory as it was at the start of the experience (half and half).
 *
 * Differences from Avalanche 0.1, which we follow otherwise: only the batch's current samples are
 * candidates (Avalanche also offers the replayed memory samples, which can then sit in the memory
 * twice), and the gradient passes run before the forward rather than inside it (the same
 * parameters). Avalanche fails on two edge cases that are handled here: fewer memory samples than a
 * batch (no memory batch to compare with: one smaller batch is used), and all slot scores equal (the
 * replacement weights are all zero: slots are drawn uniformly).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassificationDataset } from '../../data/dataset';
import type { MiniBatchSource } from '../../loaders/dataLoader';
import { splitBatchSize } from '../../loaders/groupSampler';
import { MiniBatch, gatherMiniBatch } from '../../loaders/miniBatch';
import { GSSGreedyBuffer } from '../../storage/gssBuffer';
import { checkBufferSize } from '../../storage/exemplarsBuffer';
import { Random, makeRandom } from '../../utils/random';
import { checkInteger, checkKnownOptions } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { criterionGradients } from './gradientProjection';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `GSSGreedyPlugin` (Avalanche's names, in camelCase; `input_size` is read from the data). */
export interface GSSGreedyPluginOptions {
  /** Memory size (default 200). */
  memSize?: number;
  /** Memory batches the gradients are compared with (default 5, as Avalanche's plugin; its strategy uses 1). */
  memStrength?: number;
  /** Seed of the training order, the memory batches and the replacements (default: from the global generator). */
  seed?: number | null;
}

/** A training batch with the indices, in the experience's data, of its current samples (the first rows). */
export type GSSBatch = MiniBatch & { currentIndices: Int32Array };

/** Current data and (when there is one) the memory snapshot, half and half per batch; the current data sets the epoch. */
class GSSReplayLoader implements MiniBatchSource {
  readonly length: number;
  private readonly combined: ClassificationDataset;
  private readonly dataBatch: number;
  private readonly memBatch: number;

  constructor(private readonly data: ClassificationDataset, private readonly memory: ClassificationDataset | null, batchSize: number, private readonly random: Random) {
    [this.dataBatch, this.memBatch] = memory && memory.length ? splitBatchSize(batchSize, 2) : [batchSize, 0];
    this.combined = memory && memory.length ? ClassificationDataset.concat([data, memory]) : data;
    this.length = Math.ceil(data.length / this.dataBatch);
  }

  *[Symbol.iterator](): Iterator<MiniBatch> {
    const n = this.data.length;
    const order = this.random.permutation(n);
    let memOrder = this.memory ? this.random.permutation(this.memory.length) : new Int32Array(0);
    let memCursor = 0;
    for (let start = 0; start < n; start += this.dataBatch) {
      const current = order.slice(start, Math.min(start + this.dataBatch, n));
      const rows = new Int32Array(current.length + this.memBatch);
      rows.set(current);
      for (let k = 0; k < this.memBatch; k++) {
        if (memCursor === memOrder.length) (memOrder = this.random.permutation(this.memory!.length)), (memCursor = 0);
        rows[current.length + k] = n + memOrder[memCursor++];
      }
      const batch = gatherMiniBatch(this.combined, rows, 0, rows.length, this.random) as GSSBatch;
      batch.currentIndices = current;
      yield batch;
    }
  }
}

/** The largest cosine similarity of each row of `s` [n, P] with the rows of `g` [k, P]. */
async function maxCosine(s: tf.Tensor2D, g: tf.Tensor2D): Promise<Float32Array> {
  const sims = tf.tidy(() => {
    const dots = tf.matMul(s, g, false, true);
    const norms = tf.matMul(tf.norm(s, 2, 1, true), tf.norm(g, 2, 1, true), false, true);
    return tf.max(tf.div(dots, tf.maximum(norms, 1e-8)), 1);
  });
  try {
    return (await sims.data()) as Float32Array;
  } finally {
    sims.dispose();
  }
}

/** GSS-greedy as a plugin: its memory is `storagePolicy`, published after each experience. */
export class GSSGreedyPlugin extends StrategyPlugin {
  readonly storagePolicy: GSSGreedyBuffer;
  readonly memStrength: number;
  private readonly random: Random;
  /** Steps whose batch pointed against the memory (largest cosine < 0), and replacements made (for inspection). */
  conflictingSteps = 0;
  replacements = 0;

  constructor(options: GSSGreedyPluginOptions = {}) {
    super();
    checkKnownOptions('GSSGreedyPlugin', options, ['memSize', 'memStrength', 'seed']);
    this.storagePolicy = new GSSGreedyBuffer(checkBufferSize('memSize', options.memSize ?? 200));
    if (this.storagePolicy.maxSize < 1) throw new Error('memSize must be at least 1');
    this.memStrength = checkInteger('memStrength', options.memStrength ?? 5, 1);
    this.random = makeRandom(options.seed);
  }

  override beforeTrainingExp(strategy: BaseStrategy): void {
    const snapshot = this.storagePolicy.view();
    const memory = snapshot ? snapshot.subset(Int32Array.from({ length: snapshot.length }, (_, i) => i)) : null;
    strategy.dataloader = new GSSReplayLoader(strategy.adaptedDataset!, memory, strategy.trainMbSize, this.random);
  }

  override async beforeForward(strategy: BaseStrategy): Promise<void> {
    const batch = strategy.mbatch as GSSBatch | null;
    const current = batch?.currentIndices;
    if (!current || current.length === 0) return;
    const model = strategy.model;
    const wasTraining = model.training;
    model.eval();
    try {
      await this.select(strategy, strategy.adaptedDataset!, current, strategy.mbX.shape[0]);
    } finally {
      if (wasTraining) model.train();
    }
  }

  override afterTrainingExp(strategy: BaseStrategy): void {
    this.storagePolicy.update(strategy);
  }

  /** The criterion's gradient on rows `[start, end)` of `order` in `data`, as one flat vector. */
  private flatGradient(strategy: BaseStrategy, data: ClassificationDataset, order: Int32Array, start: number, end: number): tf.Tensor1D {
    const grads = criterionGradients(strategy, data, order, start, end, this.random);
    try {
      return tf.tidy(() => tf.concat(strategy.model.trainableVariables.map((v) => tf.reshape(grads[v.name] ?? tf.zerosLike(v), [-1])))) as tf.Tensor1D;
    } finally {
      tf.dispose(grads);
    }
  }

  /** Gradients of up to `memStrength` random memory batches of `batchSize` samples, `[k, P]`. */
  private memoryGradients(strategy: BaseStrategy, batchSize: number): tf.Tensor2D {
    const memory = this.storagePolicy.view()!;
    const size = Math.min(batchSize, memory.length);
    const count = Math.max(1, Math.min(this.memStrength, Math.floor(memory.length / size)));
    const order = this.random.permutation(memory.length);
    const rows = Array.from({ length: count }, (_, i) => this.flatGradient(strategy, memory, order, i * size, (i + 1) * size));
    try {
      return tf.stack(rows) as tf.Tensor2D;
    } finally {
      tf.dispose(rows);
    }
  }

  /** Each candidate's score: the largest cosine of its own gradient with the memory's. */
  private async sampleScores(strategy: BaseStrategy, g: tf.Tensor2D, data: ClassificationDataset, candidates: Int32Array): Promise<Float32Array> {
    const rows = Array.from(candidates, (_, i) => this.flatGradient(strategy, data, candidates, i, i + 1));
    const s = tf.stack(rows) as tf.Tensor2D;
    tf.dispose(rows);
    try {
      return await maxCosine(s, g);
    } finally {
      s.dispose();
    }
  }

  private async select(strategy: BaseStrategy, data: ClassificationDataset, current: Int32Array, batchSize: number): Promise<void> {
    const buffer = this.storagePolicy;
    const room = buffer.maxSize - buffer.filled;
    if (room > 0) {
      const take = current.subarray(0, Math.min(room, current.length));
      let scores: Float32Array;
      if (buffer.filled === 0) scores = new Float32Array(take.length).fill(0.1);
      else {
        const g = this.memoryGradients(strategy, batchSize);
        try {
          scores = await this.sampleScores(strategy, g, data, take);
        } finally {
          g.dispose();
        }
      }
      take.forEach((index, i) => buffer.put(buffer.filled, data, index, scores[i]));
      return;
    }
    const g = this.memoryGradients(strategy, batchSize);
    try {
      const batchGrad = this.flatGradient(strategy, data, current, 0, current.length);
      const batchGrad2d = tf.reshape(batchGrad, [1, -1]) as tf.Tensor2D;
      const [similarity] = await maxCosine(batchGrad2d, g);
      tf.dispose([batchGrad, batchGrad2d]);
      if (!(similarity < 0)) return;
      this.conflictingSteps += 1;
      const slots = this.drawSlots(Math.min(current.length, buffer.filled));
      const scores = await this.sampleScores(strategy, g, data, current.subarray(0, slots.length));
      slots.forEach((slot, i) => {
        const item = (scores[i] + 1) / 2;
        const held = (buffer.scores[slot] + 1) / 2;
        if (this.random.next() * (item + held) < held) {
          buffer.put(slot, data, current[i], scores[i]);
          this.replacements += 1;
        }
      });
    } finally {
      g.dispose();
    }
  }

  /** `count` distinct slots, drawn with weights (score - min) / (max - min + 0.01) (uniform when all are 0). */
  private drawSlots(count: number): number[] {
    const buffer = this.storagePolicy;
    const scores = buffer.scores.subarray(0, buffer.filled);
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of scores) (lo = Math.min(lo, s)), (hi = Math.max(hi, s));
    const weights = Array.from(scores, (s) => (s - lo) / (hi - lo + 0.01));
    if (!weights.some((w) => w > 0)) weights.fill(1);
    const picked: number[] = [];
    for (let k = 0; k < count; k++) {
      // The lowest-scored slots weigh 0: once only they are left, they are drawn uniformly.
      if (!weights.some((w) => w > 0)) weights.forEach((_, j) => { if (!picked.includes(j)) weights[j] = 1; });
      let r = this.random.next() * weights.reduce((a, b) => a + b, 0);
      let chosen = -1;
      for (let j = 0; j < weights.length; j++) {
        if (weights[j] <= 0) continue;
        chosen = j;
        r -= weights[j];
        if (r < 0) break;
      }
      picked.push(chosen);
      weights[chosen] = 0;
    }
    return picked;
  }
}
