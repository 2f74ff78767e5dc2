/**
 * The memory of GSS-greedy (Aljundi et al. 2019, "Gradient based sample selection"): a flat buffer
 * of samples, each with a score (the largest cosine similarity of its gradient with gradients of the
 * memory when it came in: a high score means redundant, likely to be replaced). `GSSGreedyPlugin`
 * fills it online, a mini-batch at a time; `update(state)` publishes its current content as `buffer`
 * (the plugin calls it after each experience, so `trackBuffer` records one snapshot per experience).
 */
import { ClassificationDataset } from '../data/dataset';
import { BufferState, ExemplarsBuffer, checkBufferSize } from './exemplarsBuffer';

/** GSS-greedy's flat memory: samples and their scores in typed arrays, `filled` slots used. */
export class GSSGreedyBuffer extends ExemplarsBuffer {
  private images = new Uint8Array(0);
  private targets = new Int32Array(0);
  private taskLabels = new Int32Array(0);
  private experienceIds = new Int32Array(0);
  private sampleIds = new Int32Array(0);
  /** Score of each slot (first `filled` are used). */
  scores = new Float32Array(0);
  /** Slots holding a sample. */
  filled = 0;
  private template: ClassificationDataset | null = null;

  constructor(maxSize: number) {
    super(maxSize);
  }

  private allocate(like: ClassificationDataset): void {
    if (this.template) {
      if (this.template.sampleSize !== like.sampleSize) throw new Error(`GSSGreedyBuffer: samples of ${like.sampleSize} values, but the buffer holds samples of ${this.template.sampleSize}`);
      return;
    }
    this.template = like;
    const n = this.maxSize;
    this.images = new Uint8Array(n * like.sampleSize);
    this.targets = new Int32Array(n);
    this.taskLabels = new Int32Array(n);
    this.experienceIds = new Int32Array(n);
    this.sampleIds = new Int32Array(n);
    this.scores = new Float32Array(n);
  }

  /** Stores sample `index` of `data` in `slot` (appending when `slot === filled`), with its score. */
  put(slot: number, data: ClassificationDataset, index: number, score: number): void {
    this.allocate(data);
    if (!(slot >= 0 && slot <= this.filled && slot < this.maxSize)) throw new Error(`GSSGreedyBuffer.put: slot ${slot} out of range [0, ${Math.min(this.filled, this.maxSize - 1)}]`);
    const s = data.sampleSize;
    this.images.set(data.images.subarray(index * s, (index + 1) * s), slot * s);
    this.targets[slot] = data.targets[index];
    this.taskLabels[slot] = data.taskLabels[index];
    this.experienceIds[slot] = data.experienceIds[index];
    this.sampleIds[slot] = data.sampleIds[index];
    this.scores[slot] = score;
    if (slot === this.filled) this.filled += 1;
  }

  /** The filled slots as a data set (views of the flat arrays: valid until the next `put`). */
  view(): ClassificationDataset | null {
    if (!this.template || this.filled === 0) return null;
    const n = this.filled;
    return new ClassificationDataset({
      images: this.images.subarray(0, n * this.template.sampleSize),
      targets: this.targets.subarray(0, n),
      taskLabels: this.taskLabels.subarray(0, n),
      experienceIds: this.experienceIds.subarray(0, n),
      sampleIds: this.sampleIds.subarray(0, n),
      sampleShape: this.template.sampleShape,
      normalization: this.template.normalization,
      transforms: this.template.transforms,
      transformGroup: this.template.transformGroup,
    });
  }

  /** Publishes the memory as it is now as `buffer` (a copy). */
  update(_state: BufferState): void {
    const v = this.view();
    this.stored = v ? v.subset(Int32Array.from({ length: v.length }, (_, i) => i)) : null;
  }

  /** Shrinks to `newSize`, dropping the highest-scored (most redundant) samples first. */
  resize(state: BufferState, newSize: number): void {
    checkBufferSize('newSize', newSize);
    if (newSize >= this.maxSize) throw new Error(`GSSGreedyBuffer.resize: newSize must be below maxSize (${this.maxSize}); the buffer does not grow`);
    const v = this.view();
    const keep = v ? Array.from({ length: v.length }, (_, i) => i).sort((a, b) => this.scores[a] - this.scores[b]).slice(0, newSize).sort((a, b) => a - b) : [];
    const scores = keep.map((i) => this.scores[i]);
    const kept = v ? v.subset(keep) : null;
    const template = this.template;
    this.maxSize = newSize;
    this.template = null;
    this.filled = 0;
    if (template) this.allocate(template);
    if (kept) kept.targets.forEach((_, i) => this.put(i, kept, i, scores[i]));
    this.update(state);
  }
}
