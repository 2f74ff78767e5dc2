/**
 * TFRecord framing, as TensorFlow writes event files: for each record, the data length (uint64
 * little-endian), the masked CRC32C of those 8 bytes, the data, and the masked CRC32C of the data.
 */
// crc-32's CRC32C (Castagnoli), pure JavaScript.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const CRC32C: { buf(data: Uint8Array, seed?: number): number } = require('crc-32/crc32c');

/** TensorFlow's masked CRC32C: rotate right by 15 bits and add a constant. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One framed record. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
