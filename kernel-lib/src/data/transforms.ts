/**
 * Image transforms as torchvision's (`Compose`, `RandomCrop`, `RandomHorizontalFlip`, `Normalize`,
 * `Resize`, `ToTensor`, `Lambda`), applied per sample when a data loader builds a batch. Samples
 * are HWC float arrays: before `ToTensor` they hold the stored bytes' values (0-255, as a PIL
 * image), after it values in [0, 1], so the chains read as torchvision's. Every random choice draws
 * from the `Random` the loader passes, so a seeded loader augments the same way each run.
 *
 * The built-in transforms are described by plain data (`spec`), so that a loader can rebuild them
 * in a worker thread and augment the next batch while the current one trains.
 */
import { Random } from '../utils/random';
import { checkInteger, describe } from '../utils/validate';

/** One image: `data` in HWC order, `shape` `[height, width, channels]`. */
export interface ImageSample {
  data: Float32Array;
  shape: [number, number, number];
  /** True once `ToTensor` has scaled the values to [0, 1]. */
  scaled: boolean;
}

/** The plain-data description of a built-in transform (rebuilt by `transformFromSpec`). */
export type TransformSpec =
  | { kind: 'Compose'; transforms: TransformSpec[] }
  | { kind: 'RandomCrop'; size: [number, number]; padding: [number, number, number, number]; fill: number; paddingMode: PaddingMode; padIfNeeded: boolean }
  | { kind: 'RandomHorizontalFlip'; p: number }
  | { kind: 'Normalize'; mean: number[]; std: number[] }
  | { kind: 'Resize'; size: number | [number, number] }
  | { kind: 'ToTensor' };

/** A transform of one image sample. */
export interface Transform {
  /** Its description as plain data, or null for a `Lambda` (which cannot leave this thread). */
  readonly spec: TransformSpec | null;
  /** The shape `[h, w, c]` of its output for an input of shape `shape`; an error for a shape it cannot take. */
  outputShape(shape: [number, number, number]): [number, number, number];
  /** Transforms `sample`, drawing any random choice from `random`. */
  apply(sample: ImageSample, random: Random): ImageSample;
}

/** Padding modes of `RandomCrop` (torchvision's). */
export const PADDING_MODES = ['constant', 'edge', 'reflect', 'symmetric'] as const;
/** One of `PADDING_MODES`. */
export type PaddingMode = (typeof PADDING_MODES)[number];

function pair(name: string, value: number | number[]): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new Error(`${name} must be a positive integer or [height, width] of positive integers, got ${describe(value)}`);
  }
  return [v[0], v[1]];
}

/** Applies transforms one after the other (torchvision's `Compose`). */
export class Compose implements Transform {
  readonly transforms: Transform[];

  constructor(transforms: Transform[]) {
    if (!Array.isArray(transforms) || transforms.some((t) => !t || typeof (t as Transform).apply !== 'function')) {
      throw new Error(`Compose: transforms must be an array of transforms (RandomCrop, Normalize, ...), got ${describe(transforms)}`);
    }
    this.transforms = [...transforms];
  }

  get spec(): TransformSpec | null {
    const specs = this.transforms.map((t) => t.spec);
    return specs.every((s) => s !== null) ? { kind: 'Compose', transforms: specs as TransformSpec[] } : null;
  }

  outputShape(shape: [number, number, number]): [number, number, number] {
    return this.transforms.reduce((s, t) => t.outputShape(s), shape);
  }

  apply(sample: ImageSample, random: Random): ImageSample {
    for (const t of this.transforms) sample = t.apply(sample, random);
    return sample;
  }
}

/** Options of `RandomCrop` (torchvision's, in camelCase). */
export interface RandomCropOptions {
  /** Pixels added on each border first: one number for all four, [left/right, top/bottom], or [left, top, right, bottom]. */
  padding?: number | [number, number] | [number, number, number, number];
  /** Value of the added pixels in 'constant' mode, in the sample's current scale (default 0). */
  fill?: number;
  /** How the border is filled (default 'constant'). */
  paddingMode?: PaddingMode;
  /** Pad an image smaller than the crop up to its size (default false: such an image is an error). */
  padIfNeeded?: boolean;
}

/**
 * Pads the image, then crops a window of `size` at a random position (torchvision's `RandomCrop`;
 * Avalanche's CIFAR default is `new RandomCrop(32, { padding: 4 })`).
 */
export class RandomCrop implements Transform {
  readonly spec: Extract<TransformSpec, { kind: 'RandomCrop' }>;

  constructor(size: number | [number, number], options: RandomCropOptions = {}) {
    const known = ['padding', 'fill', 'paddingMode', 'padIfNeeded'];
    const unknown = Object.keys(options).filter((k) => !known.includes(k));
    if (unknown.length) throw new Error(`RandomCrop: unknown option ${unknown.join(', ')}; allowed: ${known.join(', ')}`);
    const p = options.padding ?? 0;
    const list = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[1], p[0], p[1]] : p;
    if (!Array.isArray(list) || list.length !== 4 || !list.every((x) => Number.isInteger(x) && x >= 0)) {
      throw new Error(`RandomCrop: padding must be a non-negative integer, [left/right, top/bottom] or [left, top, right, bottom], got ${describe(p)}`);
    }
    const mode = options.paddingMode ?? 'constant';
    if (!PADDING_MODES.includes(mode)) throw new Error(`RandomCrop: paddingMode must be one of ${PADDING_MODES.join(', ')}, got ${describe(mode)}`);
    const fill = options.fill ?? 0;
    if (typeof fill !== 'number' || !Number.isFinite(fill)) throw new Error(`RandomCrop: fill must be a number, got ${describe(fill)}`);
    this.spec = { kind: 'RandomCrop', size: pair('RandomCrop: size', size), padding: list as [number, number, number, number], fill, paddingMode: mode, padIfNeeded: options.padIfNeeded ?? false };
  }

  outputShape(shape: [number, number, number]): [number, number, number] {
    const [h, w] = this.paddedSize(shape);
    const [th, tw] = this.spec.size;
    if (th > h || tw > w) {
      throw new Error(`RandomCrop: crop ${th}x${tw} is larger than the padded image ${h}x${w}; give a larger padding or padIfNeeded: true`);
    }
    return [th, tw, shape[2]];
  }

  private paddedSize(shape: [number, number, number]): [number, number] {
    const [l, t, r, b] = this.spec.padding;
    let h = shape[0] + t + b;
    let w = shape[1] + l + r;
    if (this.spec.padIfNeeded) {
      h = Math.max(h, this.spec.size[0]);
      w = Math.max(w, this.spec.size[1]);
    }
    return [h, w];
  }

  apply(sample: ImageSample, random: Random): ImageSample {
    let [l, t, r, b] = this.spec.padding;
    const [th, tw] = this.spec.size;
    const [h0, w0, c] = sample.shape;
    // torchvision pads width first then height, each by twice the shortfall, when padIfNeeded.
    if (this.spec.padIfNeeded && w0 + l + r < tw) {
      const d = tw - (w0 + l + r);
      l += d;
      r += d;
    }
    if (this.spec.padIfNeeded && h0 + t + b < th) {
      const d = th - (h0 + t + b);
      t += d;
      b += d;
    }
    const h = h0 + t + b;
    const w = w0 + l + r;
    if (th > h || tw > w) this.outputShape(sample.shape);
    // torchvision: i = randint(0, h - th), then j = randint(0, w - tw), both inclusive.
    const i = random.int(h - th + 1);
    const j = random.int(w - tw + 1);
    const out = new Float32Array(th * tw * c);
    const src = sample.data;
    const mode = this.spec.paddingMode;
    for (let y = 0; y < th; y++) {
      const sy = sourceIndex(i + y - t, h0, mode);
      for (let x = 0; x < tw; x++) {
        const sx = sourceIndex(j + x - l, w0, mode);
        const o = (y * tw + x) * c;
        if (sy < 0 || sx < 0) {
          for (let k = 0; k < c; k++) out[o + k] = this.spec.fill;
        } else {
          const s = (sy * w0 + sx) * c;
          for (let k = 0; k < c; k++) out[o + k] = src[s + k];
        }
      }
    }
    return { data: out, shape: [th, tw, c], scaled: sample.scaled };
  }
}

/** The source row/column of padded position `p` (−1 for a constant-filled one). */
function sourceIndex(p: number, n: number, mode: PaddingMode): number {
  if (p >= 0 && p < n) return p;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return p < 0 ? 0 : n - 1;
  // reflect: mirror without repeating the edge; symmetric: mirror repeating it.
  const period = mode === 'reflect' ? 2 * (n - 1) : 2 * n;
  if (period === 0) return 0;
  let q = ((p % period) + period) % period;
  if (mode === 'reflect') return q < n ? q : period - q;
  return q < n ? q : period - 1 - q;
}

/** Mirrors the image left to right with probability `p` (torchvision's `RandomHorizontalFlip`). */
export class RandomHorizontalFlip implements Transform {
  readonly spec: Extract<TransformSpec, { kind: 'RandomHorizontalFlip' }>;

  constructor(p = 0.5) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`RandomHorizontalFlip: p must be a probability in [0, 1], got ${describe(p)}`);
    this.spec = { kind: 'RandomHorizontalFlip', p };
  }

  outputShape(shape: [number, number, number]): [number, number, number] {
    return shape;
  }

  apply(sample: ImageSample, random: Random): ImageSample {
    // One draw per sample whatever p is, as torchvision's `torch.rand(1) < p`.
    if (!(random.next() < this.spec.p)) return sample;
    const [h, w, c] = sample.shape;
    const src = sample.data;
    const out = new Float32Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = (y * w + x) * c;
        const o = (y * w + (w - 1 - x)) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[s + k];
      }
    }
    return { data: out, shape: sample.shape, scaled: sample.scaled };
  }
}

/** Scales the stored 0-255 values to [0, 1] (torchvision's `ToTensor` of a PIL image). */
export class ToTensor implements Transform {
  readonly spec: TransformSpec = { kind: 'ToTensor' };

  outputShape(shape: [number, number, number]): [number, number, number] {
    return shape;
  }

  apply(sample: ImageSample): ImageSample {
    if (sample.scaled) throw new Error('ToTensor: the sample is already a tensor (ToTensor appears twice in the chain)');
    const out = new Float32Array(sample.data.length);
    for (let i = 0; i < out.length; i++) out[i] = sample.data[i] / 255;
    return { data: out, shape: sample.shape, scaled: true };
  }
}

/** `(x - mean[c]) / std[c]` for each channel c (torchvision's `Normalize`; after `ToTensor`). */
export class Normalize implements Transform {
  readonly spec: Extract<TransformSpec, { kind: 'Normalize' }>;

  constructor(mean: number | number[], std: number | number[]) {
    const m = typeof mean === 'number' ? [mean] : mean;
    const s = typeof std === 'number' ? [std] : std;
    if (!Array.isArray(m) || m.length === 0 || !m.every(Number.isFinite)) throw new Error(`Normalize: mean must be a number or an array of numbers (one per channel), got ${describe(mean)}`);
    if (!Array.isArray(s) || s.length !== m.length || !s.every((v) => typeof v === 'number' && v > 0)) {
      throw new Error(`Normalize: std must be positive numbers, as many as mean (${m.length}), got ${describe(std)}`);
    }
    this.spec = { kind: 'Normalize', mean: [...m], std: [...s] };
  }

  outputShape(shape: [number, number, number]): [number, number, number] {
    const n = this.spec.mean.length;
    if (n !== 1 && n !== shape[2]) throw new Error(`Normalize: ${n} means and stds for an image of ${shape[2]} channels (give one per channel, or one for all)`);
    return shape;
  }

  apply(sample: ImageSample): ImageSample {
    if (!sample.scaled) throw new Error('Normalize: the sample is not a tensor yet; put ToTensor() before Normalize, as in torchvision');
    this.outputShape(sample.shape);
    const c = sample.shape[2];
    const { mean, std } = this.spec;
    const src = sample.data;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const k = mean.length === 1 ? 0 : i % c;
      out[i] = (src[i] - mean[k]) / std[k];
    }
    return { data: out, shape: sample.shape, scaled: true };
  }
}

/**
 * Resizes with bilinear interpolation (torchvision's `Resize` without antialiasing): a number
 * resizes the smaller edge to it keeping the aspect ratio, `[h, w]` gives the exact size.
 */
export class Resize implements Transform {
  readonly spec: Extract<TransformSpec, { kind: 'Resize' }>;

  constructor(size: number | [number, number]) {
    if (typeof size === 'number') checkInteger('Resize: size', size, 1);
    else pair('Resize: size', size);
    this.spec = { kind: 'Resize', size: typeof size === 'number' ? size : [size[0], size[1]] };
  }

  outputShape(shape: [number, number, number]): [number, number, number] {
    const [h, w, c] = shape;
    const size = this.spec.size;
    if (typeof size !== 'number') return [size[0], size[1], c];
    if (h <= w) return [size, Math.floor((size * w) / h), c];
    return [Math.floor((size * h) / w), size, c];
  }

  apply(sample: ImageSample): ImageSample {
    const [h, w, c] = sample.shape;
    const [oh, ow] = this.outputShape(sample.shape);
    if (oh === h && ow === w) return sample;
    const out = new Float32Array(oh * ow * c);
    const src = sample.data;
    const sy = h / oh;
    const sx = w / ow;
    for (let y = 0; y < oh; y++) {
      // Half-pixel centres (align_corners=False), clamped at the borders.
      const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
      const y0 = Math.floor(fy);
      const y1 = Math.min(y0 + 1, h - 1);
      const dy = fy - y0;
      for (let x = 0; x < ow; x++) {
        const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
        const x0 = Math.floor(fx);
        const x1 = Math.min(x0 + 1, w - 1);
        const dx = fx - x0;
        for (let k = 0; k < c; k++) {
          const a = src[(y0 * w + x0) * c + k] * (1 - dx) + src[(y0 * w + x1) * c + k] * dx;
          const b = src[(y1 * w + x0) * c + k] * (1 - dx) + src[(y1 * w + x1) * c + k] * dx;
          out[(y * ow + x) * c + k] = a * (1 - dy) + b * dy;
        }
      }
    }
    return { data: out, shape: [oh, ow, c], scaled: sample.scaled };
  }
}

/**
 * A user's own transform (torchvision's `Lambda`): `fn` gets the sample and the loader's `Random`
 * and returns the new sample. It runs on the main thread (a function cannot be sent to the
 * loader's worker), so a chain holding one is augmented in front of each batch.
 */
export class Lambda implements Transform {
  readonly spec = null;

  constructor(readonly fn: (sample: ImageSample, random: Random) => ImageSample, private readonly shapeOf: (shape: [number, number, number]) => [number, number, number] = (s) => s) {
    if (typeof fn !== 'function') throw new Error(`Lambda: fn must be a function (sample, random) => sample, got ${describe(fn)}`);
  }

  outputShape(shape: [number, number, number]): [number, number, number] {
    return this.shapeOf(shape);
  }

  apply(sample: ImageSample, random: Random): ImageSample {
    return this.fn(sample, random);
  }
}

/** The built-in transform a spec describes (the inverse of `.spec`). */
export function transformFromSpec(spec: TransformSpec): Transform {
  switch (spec.kind) {
    case 'Compose':
      return new Compose(spec.transforms.map(transformFromSpec));
    case 'RandomCrop':
      return new RandomCrop(spec.size, { padding: spec.padding, fill: spec.fill, paddingMode: spec.paddingMode, padIfNeeded: spec.padIfNeeded });
    case 'RandomHorizontalFlip':
      return new RandomHorizontalFlip(spec.p);
    case 'Normalize':
      return new Normalize(spec.mean, spec.std);
    case 'Resize':
      return new Resize(spec.size);
    case 'ToTensor':
      return new ToTensor();
  }
}

/** `[h, w]` or `[h, w, c]` as `[h, w, c]`. */
export function imageShape(sampleShape: number[], where: string): [number, number, number] {
  if (sampleShape.length === 2) return [sampleShape[0], sampleShape[1], 1];
  if (sampleShape.length === 3) return [sampleShape[0], sampleShape[1], sampleShape[2]];
  throw new Error(`${where}: transforms take images of shape [height, width] or [height, width, channels], got [${sampleShape}]`);
}

/**
 * Checks a transform against the data set's sample shape and returns the sample shape of its
 * output (rank kept: `[h, w]` stays 2-D when there is one channel). A chain must scale the values
 * (hold a `ToTensor`), as torchvision's must to give tensors.
 */
export function transformedShape(transform: Transform, sampleShape: number[], where: string): number[] {
  const out = transform.outputShape(imageShape(sampleShape, where));
  if (transform.spec && !hasToTensor(transform.spec)) {
    throw new Error(`${where}: the transform has no ToTensor(), so samples would keep their 0-255 values; add ToTensor() (before Normalize), as in torchvision`);
  }
  return sampleShape.length === 2 && out[2] === 1 ? [out[0], out[1]] : out;
}

function hasToTensor(spec: TransformSpec): boolean {
  return spec.kind === 'ToTensor' || (spec.kind === 'Compose' && spec.transforms.some(hasToTensor));
}

/**
 * Writes the transformed samples `indices[start..end)` of `images` (bytes, HWC, `sampleShape`)
 * into `out`, one after the other, drawing from `random`.
 */
export function transformBatch(
  transform: Transform,
  images: Uint8Array,
  sampleShape: number[],
  indices: ArrayLike<number>,
  start: number,
  end: number,
  out: Float32Array,
  random: Random,
): void {
  const shape = imageShape(sampleShape, 'transform');
  const size = shape[0] * shape[1] * shape[2];
  let offset = 0;
  for (let k = start; k < end; k++) {
    const src = indices[k] * size;
    const data = new Float32Array(size);
    for (let j = 0; j < size; j++) data[j] = images[src + j];
    const result = transform.apply({ data, shape, scaled: false }, random);
    if (!result.scaled) throw new Error('transform: the sample is still 0-255 after the transform; add ToTensor(), as in torchvision');
    out.set(result.data, offset);
    offset += result.data.length;
  }
}
