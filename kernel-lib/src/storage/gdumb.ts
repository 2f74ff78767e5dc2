/**
 * GDumb's greedy class-balanced sampler (Prabhu et al. 2020), as Avalanche's `GDumbPlugin` keeps
 * it: each incoming sample is stored while there is room; once full, a sample of a class with fewer
 * stored samples than the largest class replaces a (seeded random) sample of the largest class.
 */
import { ClassificationDataset } from '../data/dataset';
import { Random, makeRandom } from '../utils/random';
import { BufferState, ExemplarsBuffer, checkBufferSize, experienceData } from './exemplarsBuffer';

/** A class-balanced buffer filled greedily, sample by sample. */
export class GDumbBuffer extends ExemplarsBuffer {
  private readonly random: Random;

  /** @param maxSize the most samples kept; @param seed seed of the evictions. */
  constructor(maxSize: number, options: { seed?: number | null } = {}) {
    super(maxSize);
    this.random = makeRandom(options.seed);
  }

  update(state: BufferState): void {
    const data = experienceData(state, 'GDumbBuffer.update');
    const old = this.stored && this.stored.length ? this.stored : null;
    // Slots: [source (0 old, 1 new), index], grouped by class.
    const byClass = new Map<number, [number, number][]>();
    let size = 0;
    const add = (source: number, dataset: ClassificationDataset, i: number) => {
      const c = dataset.targets[i];
      let list = byClass.get(c);
      if (!list) byClass.set(c, (list = []));
      list.push([source, i]);
      size += 1;
    };
    if (old) for (let i = 0; i < old.length; i++) add(0, old, i);
    for (let i = 0; i < data.length; i++) {
      if (size < this.maxSize) {
        add(1, data, i);
        continue;
      }
      const c = data.targets[i];
      let largest = -1;
      let largestCount = -1;
      for (const [k, list] of byClass) if (list.length > largestCount || (list.length === largestCount && k < largest)) [largest, largestCount] = [k, list.length];
      if ((byClass.get(c)?.length ?? 0) >= largestCount) continue;
      const victims = byClass.get(largest)!;
      victims.splice(this.random.int(victims.length), 1);
      size -= 1;
      add(1, data, i);
    }
    this.stored = this.collect(byClass, old, data);
  }

  resize(_state: BufferState, newSize: number): void {
    this.maxSize = checkBufferSize('newSize', newSize);
    const data = this.stored;
    if (!data || data.length <= newSize) return;
    // Drop from the largest classes first, keeping the balance.
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < data.length; i++) {
      const list = byClass.get(data.targets[i]) ?? [];
      list.push(i);
      byClass.set(data.targets[i], list);
    }
    let size = data.length;
    while (size > newSize) {
      const [, list] = [...byClass].reduce((a, b) => (b[1].length > a[1].length ? b : a));
      list.splice(this.random.int(list.length), 1);
      size -= 1;
    }
    this.stored = data.subset([...byClass.values()].flat().sort((a, b) => a - b));
  }

  /** The kept samples as one new data set: old ones first, in order, then new ones. */
  private collect(byClass: Map<number, [number, number][]>, old: ClassificationDataset | null, data: ClassificationDataset): ClassificationDataset {
    const kept = [...byClass.values()].flat();
    const fromOld = kept.filter(([s]) => s === 0).map(([, i]) => i).sort((a, b) => a - b);
    const fromNew = kept.filter(([s]) => s === 1).map(([, i]) => i).sort((a, b) => a - b);
    const parts = [old ? old.subset(fromOld) : null, data.subset(fromNew)].filter((p): p is ClassificationDataset => p !== null && p.length > 0);
    return parts.length === 0 ? data.subset([]) : parts.length === 1 ? parts[0] : ClassificationDataset.concat(parts);
  }
}
