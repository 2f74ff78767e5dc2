/**
 * iCaRL's exemplar memory as a storage policy: for each class of an experience, the samples chosen by
 * herding on the model's features; the classes seen before keep the first of their exemplars in
 * herding order (iCaRL's "reduce exemplar set"), so that every class has the same share. A buffer
 * like the others: `buffer` is one flat data set (class after class, best exemplars first), and the
 * buffer views and `trackBuffer` work on it.
 */
import { ClassificationDataset } from '../data/dataset';
import { andThen, forEachInOrder, MaybePromise } from '../utils/maybePromise';
import { checkKnownOptions } from '../utils/validate';
import { BufferState, ExemplarsBuffer, checkBufferSize, experienceData } from './exemplarsBuffer';
import { HerdingSelectionStrategy } from './selection';

/** Options of `HerdingClassBuffer`. */
export interface HerdingClassBufferOptions {
  /** Exemplars kept: in all (`fixedMemory`, default), or per class. */
  memorySize: number;
  /** `memorySize` is shared by the classes seen so far (default true); false keeps `memorySize` per class. */
  fixedMemory?: boolean;
}

/** Class-balanced exemplars chosen by herding, the older classes cut in herding order. */
export class HerdingClassBuffer extends ExemplarsBuffer {
  /** Exemplars kept, in all or per class (`resize` changes it). */
  memorySize: number;
  readonly fixedMemory: boolean;
  /** Class → its exemplars, in herding order (best first). */
  readonly exemplars = new Map<number, ClassificationDataset>();

  constructor(options: HerdingClassBufferOptions) {
    checkKnownOptions('HerdingClassBuffer', options, ['memorySize', 'fixedMemory']);
    const memorySize = checkBufferSize('memorySize', options?.memorySize);
    super(memorySize);
    this.memorySize = memorySize;
    this.fixedMemory = options.fixedMemory ?? true;
  }

  /**
   * Exemplars per class once `classes` classes have been seen: `floor(memorySize / classes)` with
   * `fixedMemory`, so the buffer never holds more than `memorySize` (Avalanche 0.1 rounds up and can
   * exceed it by up to `classes - 1`).
   */
  perClass(classes: number): number {
    return this.fixedMemory ? Math.floor(this.memorySize / Math.max(classes, 1)) : this.memorySize;
  }

  /**
   * Herds the exemplars of each class of `state.experience` on `state.model`'s features (eval mode),
   * and cuts the older classes to the new share. A promise on webgpu (features read asynchronously).
   */
  update(state: BufferState): MaybePromise<void> {
    const data = experienceData(state, 'HerdingClassBuffer.update');
    if (!state.model) throw new Error('HerdingClassBuffer.update: state must have the model whose features herding uses (pass the strategy)');
    const herding = new HerdingSelectionStrategy(state.model);
    const classes = [...data.indicesBy('class')];
    const seen = new Set([...this.exemplars.keys(), ...classes.map(([c]) => c)]).size;
    const perClass = this.perClass(seen);
    const picked = new Map<number, ClassificationDataset>();
    const herded = forEachInOrder(classes, ([c, indices]) => {
      const classData = data.subset(indices);
      const k = Math.min(perClass, classData.length);
      return andThen(herding.makeSortedIndices(state, classData, k), (order) => void picked.set(c, classData.subset(order.slice(0, k))));
    });
    return andThen(herded, () => {
      for (const [c, ex] of picked) this.exemplars.set(c, ex);
      this.cut(perClass);
      this.maxSize = this.fixedMemory ? this.memorySize : this.memorySize * this.exemplars.size;
    });
  }

  /** Sets the memory in all (with `fixedMemory`) or per class, and cuts each class in herding order. */
  resize(_state: BufferState, newSize: number): void {
    checkBufferSize('newSize', newSize);
    this.memorySize = newSize;
    this.cut(this.perClass(this.exemplars.size));
    this.maxSize = this.fixedMemory ? newSize : newSize * this.exemplars.size;
  }

  private cut(perClass: number): void {
    for (const [c, ex] of this.exemplars) if (ex.length > perClass) this.exemplars.set(c, ex.subset(Array.from({ length: perClass }, (_, i) => i)));
    const parts = [...this.exemplars.entries()].sort(([a], [b]) => a - b).map(([, d]) => d).filter((d) => d.length > 0);
    this.stored = parts.length ? ClassificationDataset.concat(parts) : null;
  }
}
