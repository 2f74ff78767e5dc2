/**
 * Seeded pseudo-random numbers. Every random choice the library makes (class order, data order,
 * weight initialisation, dropout masks, buffer sampling) draws from a `Random` so that a `seed`
 * makes a run repeatable.
 */

/** A small, fast seeded generator (mulberry32) with the helpers the library needs. */
export class Random {
  private state: number;

  /** @param seed any integer; the same seed gives the same sequence. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new Error(`seed must be a finite number, got ${seed}`);
    }
    this.state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** A float uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * Fills `out` with `value` where `next() < p` and 0 elsewhere, drawing one number per element: the
   * same values and the same state afterwards as that loop, in a third of its time (the generator
   * is inlined and compared as an integer; `u / 2^32 < p` is exactly `u < p * 2^32`).
   */
  fillBernoulli(out: Float32Array, p: number, value: number): void {
    const threshold = p * 4294967296;
    let state = this.state;
    for (let i = 0; i < out.length; i++) {
      let t = (state = (state + 0x6d2b79f5) >>> 0);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) < threshold ? value : 0;
    }
    this.state = state;
  }

  /** A standard normal number (Box-Muller, two uniform draws per number, so that the sequence stays simple). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** An integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A 32-bit integer, to seed another generator. */
  nextSeed(): number {
    return Math.floor(this.next() * 4294967296) | 0;
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}

let globalRandom = new Random(Date.now());

/**
 * Seeds the library's global generator, like Avalanche's `set_seed`: components created without
 * their own `seed` option draw their seed from it.
 */
export function setSeed(seed: number): void {
  globalRandom = new Random(seed);
}

/**
 * The seed of a component owned by another (the replay plugin's buffer, owned by a strategy):
 * derived from the owner's `seed` and a fixed salt per component, so that the two draw different
 * streams; `null` / `undefined` when the owner has no seed (the component then draws from the
 * global generator).
 */
export function deriveSeed(seed: number | null | undefined, salt: number): number | undefined {
  if (seed == null) return undefined;
  return new Random(Math.imul(Math.trunc(seed), 0x9e3779b1) ^ salt).nextSeed();
}

/** A new generator: seeded by `seed` when given, else by the global generator. */
export function makeRandom(seed?: number | null): Random {
  return new Random(seed ?? globalRandom.nextSeed());
}
