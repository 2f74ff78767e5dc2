/** PNG images made in Node (no browser): raw RGBA pixels, and a matrix drawn as a heatmap. */
import type * as pngjs from 'pngjs';

/** pngjs, loaded on first use (most processes never encode a PNG). */
function pngClass(): typeof pngjs.PNG {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require('pngjs') as typeof pngjs).PNG;
}

/** Encodes `rgba` (width * height * 4 bytes) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes for a ${width}x${height} RGBA image (need ${width * height * 4})`);
  const PNG = pngClass();
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/** Decodes a PNG file into its size and RGBA pixels. */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const png = pngClass().sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
}

/**
 * A matrix as a heatmap image: one `cell`-pixel square per entry, from white (0) to dark blue (the
 * largest entry), with a one-pixel grey grid.
 */
export function matrixHeatmapPng(matrix: number[][], cell = 16): { png: Uint8Array; width: number; height: number } {
  const rows = matrix.length;
  const cols = rows ? matrix[0].length : 0;
  if (rows === 0 || cols === 0) throw new Error('matrixHeatmapPng: the matrix is empty');
  const max = Math.max(...matrix.flat(), 0) || 1;
  const width = cols * cell + 1;
  const height = rows * cell + 1;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (x % cell === 0 || y % cell === 0) {
        rgba[o] = rgba[o + 1] = rgba[o + 2] = 160;
        continue;
      }
      const t = Math.max(0, matrix[Math.floor(y / cell)][Math.floor(x / cell)]) / max;
      rgba[o] = Math.round(255 - t * (255 - 8));
      rgba[o + 1] = Math.round(255 - t * (255 - 48));
      rgba[o + 2] = Math.round(255 - t * (255 - 107));
    }
  }
  return { png: encodePng(width, height, rgba), width, height };
}
