/**
 * A model's state dict in a file, in the safetensors format (Hugging Face's: an 8-byte little-endian
 * header length, a JSON header `{ name: { dtype, shape, data_offsets } }`, then the raw little-endian
 * values), so that weights move between avalanche-ts and PyTorch: the names and layouts are
 * PyTorch's (`stateDict()`), and `scripts/convert-state.py` turns a PyTorch `.pt` state dict into
 * such a file and back. float32 and int32 tensors are written; int64 (PyTorch's
 * `num_batches_tracked`) and float64 are read, as int32 and float32.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from './module';

const DTYPES: Record<string, { bytes: number; read: (view: DataView, offset: number) => number }> = {
  F32: { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  F64: { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  I32: { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  I64: { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
};

/** Writes a state dict (e.g. `model.stateDict()`) to `file` as safetensors; the tensors stay the caller's. */
export function saveStateDict(state: StateDict, file: string): void {
  if (state == null || typeof state !== 'object') throw new Error(`saveStateDict: state must be an object of name → tensor, got ${state}`);
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(state)) {
    if (!(t instanceof tf.Tensor)) throw new Error(`saveStateDict: ${name} must be a tensor, got ${t}`);
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`saveStateDict: ${name} is ${t.dtype}; float32 and int32 are written`);
    const values = t.dataSync() as Float32Array | Int32Array;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(Buffer.from(bytes));
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the data starts 8-byte aligned, as safetensors writes it
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([length, Buffer.from(json), ...chunks]));
  fs.renameSync(tmp, file);
}

/** Reads a safetensors file into a state dict (tensors the caller owns), for `model.loadStateDict`. */
export function loadStateDictFile(file: string): StateDict {
  const bytes = fs.readFileSync(file);
  const bad = (why: string) => new Error(`loadStateDictFile: ${file} is not a safetensors file (${why})`);
  if (bytes.length < 8) throw bad('shorter than its 8-byte header length');
  const length = Number(bytes.readBigUInt64LE(0));
  if (8 + length > bytes.length) throw bad(`its header of ${length} bytes runs past the end`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  } catch (error) {
    throw bad(`its header is not JSON: ${(error as Error).message}`);
  }
  const data = bytes.subarray(8 + length);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const state: StateDict = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = DTYPES[entry.dtype];
    if (!dtype) throw new Error(`loadStateDictFile: ${name} in ${file} has dtype ${entry.dtype}; allowed: ${Object.keys(DTYPES).join(', ')}`);
    const count = entry.shape.reduce((a, d) => a * d, 1);
    const [begin, end] = entry.data_offsets;
    if (end - begin !== count * dtype.bytes || end > data.length) throw bad(`${name}'s data offsets [${begin}, ${end}] do not hold ${count} ${entry.dtype} values`);
    const int = entry.dtype === 'I32' || entry.dtype === 'I64';
    const values = int ? new Int32Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = dtype.read(view, begin + i * dtype.bytes);
    state[name] = tf.tensor(values, entry.shape, int ? 'int32' : 'float32');
  }
  return state;
}
