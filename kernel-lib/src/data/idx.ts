/**
 * Reader for the IDX format of MNIST-like data sets (raw or gzip-compressed), validating the magic
 * number, the dimensions and the length.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

/** A decoded IDX file: its dimensions and its unsigned-byte data. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Parses the bytes of an IDX file (gzip is detected by its magic bytes). Only unsigned-byte data
 * (type 0x08), the type of MNIST and Fashion-MNIST, is accepted.
 * @param bytes the file content
 * @param what a name for error messages (the path)
 * @param expectedRank the number of dimensions wanted (3 for images, 1 for labels)
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX data', expectedRank?: number): IdxArray {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = zlib.gunzipSync(raw);
    } catch (error) {
      throw new Error(`${what}: corrupt gzip data (${(error as Error).message})`);
    }
  }
  if (raw.length < 4) throw new Error(`${what}: truncated IDX file (${raw.length} bytes, no header)`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new Error(`${what}: bad IDX magic number (first bytes must be 0x00 0x00, got 0x${hex(raw[0])} 0x${hex(raw[1])})`);
  }
  if (raw[2] !== UNSIGNED_BYTE) {
    throw new Error(`${what}: unsupported IDX data type 0x${hex(raw[2])}; allowed: 0x08 (unsigned byte)`);
  }
  const rank = raw[3];
  if (rank < 1 || (expectedRank !== undefined && rank !== expectedRank)) {
    throw new Error(`${what}: IDX file has ${rank} dimensions, expected ${expectedRank ?? '>= 1'}`);
  }
  const headerSize = 4 + 4 * rank;
  if (raw.length < headerSize) throw new Error(`${what}: truncated IDX header (${raw.length} bytes, need ${headerSize})`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const available = raw.length - headerSize;
  if (available < count) {
    throw new Error(`${what}: truncated IDX file: dimensions [${dims.join(', ')}] need ${count} data bytes, found ${available}`);
  }
  if (available > count) {
    throw new Error(`${what}: IDX file longer than its dimensions [${dims.join(', ')}] say (${available} data bytes, expected ${count})`);
  }
  // Copy into a fresh, exactly sized array (no view into the file buffer).
  return { dims, data: raw.slice(headerSize, headerSize + count) };
}

/** Reads and parses an IDX file from disk. */
export function readIdxFile(path: string, expectedRank?: number): IdxArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read IDX file '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseIdx(bytes, path, expectedRank);
}

/** Encodes unsigned bytes as an IDX file (used by tests and to write caches). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = UNSIGNED_BYTE;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
