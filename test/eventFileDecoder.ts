/**
 * An event-file reader written independently of the library's writer: its own CRC32C (bit by bit,
 * no table, no package) and its own protobuf wire-format parser. Used to check TensorboardLogger.
 */

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

interface Field {
  no: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
  fixed64?: DataView;
  fixed32?: DataView;
}

function parseMessage(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ no, wire, varint: varint() });
    else if (wire === 1) {
      fields.push({ no, wire, fixed64: new DataView(buf.buffer, buf.byteOffset + i, 8) });
      i += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      fields.push({ no, wire, bytes: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 5) {
      fields.push({ no, wire, fixed32: new DataView(buf.buffer, buf.byteOffset + i, 4) });
      i += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

/** What the checks need from each event. */
export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  tag?: string;
  simpleValue?: number;
  image?: { height: number; width: number; colorspace: number; png: Uint8Array };
}

/** Reads every record of an event file, checking lengths and both CRCs. */
export function decodeEventFile(file: Uint8Array): DecodedEvent[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const events: DecodedEvent[] = [];
  let offset = 0;
  while (offset < file.length) {
    if (offset + 12 > file.length) throw new Error(`truncated record header at ${offset}`);
    const length = Number(view.getBigUint64(offset, true));
    if (view.getUint32(offset + 8, true) !== masked(file.subarray(offset, offset + 8))) throw new Error(`bad length CRC at ${offset}`);
    const data = file.subarray(offset + 12, offset + 12 + length);
    if (data.length !== length) throw new Error(`truncated record at ${offset}`);
    if (view.getUint32(offset + 12 + length, true) !== masked(data)) throw new Error(`bad data CRC at ${offset}`);
    offset += 12 + length + 4;
    const event: DecodedEvent = { wallTime: 0, step: 0 };
    for (const f of parseMessage(data)) {
      if (f.no === 1) event.wallTime = f.fixed64!.getFloat64(0, true);
      else if (f.no === 2) event.step = Number(f.varint!);
      else if (f.no === 3) event.fileVersion = new TextDecoder().decode(f.bytes!);
      else if (f.no === 5) {
        for (const v of parseMessage(f.bytes!).filter((x) => x.no === 1)) {
          for (const g of parseMessage(v.bytes!)) {
            if (g.no === 1) event.tag = new TextDecoder().decode(g.bytes!);
            else if (g.no === 2) event.simpleValue = g.fixed32!.getFloat32(0, true);
            else if (g.no === 4) {
              const img = { height: 0, width: 0, colorspace: 0, png: new Uint8Array(0) };
              for (const h of parseMessage(g.bytes!)) {
                if (h.no === 1) img.height = Number(h.varint!);
                else if (h.no === 2) img.width = Number(h.varint!);
                else if (h.no === 3) img.colorspace = Number(h.varint!);
                else if (h.no === 4) img.png = h.bytes!;
              }
              event.image = img;
            }
          }
        }
      }
    }
    events.push(event);
  }
  return events;
}
