/**
 * Reading image files (PNG through pngjs, JPEG through jpeg-js: both plain JavaScript, nothing to
 * build) into bytes of a fixed shape, as torchvision's `default_loader` does with PIL: colour
 * images as RGB, `'L'` images as one grey channel (ITU-R 601-2 luma, PIL's conversion).
 */
import * as fs from 'fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** The channels wanted: 3 (RGB, PIL's `convert('RGB')`) or 1 (PIL's `convert('L')`). */
export type ImageChannels = 1 | 3;

/**
 * Decodes the image file `file` into `out` at `offset` as `height x width x channels` bytes (HWC);
 * an image of another size is an error naming the file and both sizes.
 */
export function readImageInto(file: string, out: Uint8Array, offset: number, height: number, width: number, channels: ImageChannels): void {
  const bytes = fs.readFileSync(file);
  let rgba: Uint8Array;
  let stride: number;
  let w: number;
  let h: number;
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    const png = PNG.sync.read(bytes);
    rgba = png.data;
    stride = 4;
    w = png.width;
    h = png.height;
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
    rgba = img.data;
    stride = 3;
    w = img.width;
    h = img.height;
  } else {
    throw new Error(`${file}: not a PNG or JPEG file`);
  }
  if (w !== width || h !== height) throw new Error(`${file}: the image is ${w}x${h}, expected ${width}x${height}`);
  const n = w * h;
  if (channels === 3) {
    for (let p = 0; p < n; p++) {
      out[offset + p * 3] = rgba[p * stride];
      out[offset + p * 3 + 1] = rgba[p * stride + 1];
      out[offset + p * 3 + 2] = rgba[p * stride + 2];
    }
  } else {
    for (let p = 0; p < n; p++) {
      const r = rgba[p * stride];
      const g = rgba[p * stride + 1];
      const b = rgba[p * stride + 2];
      // PIL: L = R * 299/1000 + G * 587/1000 + B * 114/1000, rounded.
      out[offset + p] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }
  }
}

/** Reads image files of one size into one buffer, sample after sample, printing progress for long reads. */
export function readImages(files: string[], height: number, width: number, channels: ImageChannels, onProgress?: (done: number) => void): Uint8Array {
  const size = height * width * channels;
  const out = new Uint8Array(files.length * size);
  files.forEach((file, i) => {
    readImageInto(file, out, i * size, height, width, channels);
    if (onProgress && (i + 1) % 10000 === 0) onProgress(i + 1);
  });
  return out;
}

/** The names in a folder, sorted (file systems list them in any order; torchvision's datasets sort). */
export function sortedEntries(folder: string): string[] {
  return fs.readdirSync(folder).sort();
}
