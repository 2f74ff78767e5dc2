/**
 * A small reader of Python pickles (protocols 0-5), enough for the index and data files that
 * CIFAR and CORe50 ship: dicts, lists, tuples, numbers, strings, bytes and NumPy arrays. It builds
 * no objects but those: any other class in a pickle is an error naming it, so reading a file can
 * never run code.
 */

/** A NumPy array read from a pickle: its dtype ('u1', '<i8', ...), shape and raw bytes. */
export class NdArray {
  constructor(
    readonly dtype: string,
    readonly shape: number[],
    readonly bytes: Uint8Array,
    readonly fortranOrder: boolean,
  ) {}

  /** The values as a typed array of the dtype (copied when the bytes are not aligned). */
  values(): Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array {
    const code = this.dtype.replace(/^[<|=>]/, '');
    if (this.dtype.startsWith('>') && !code.endsWith('1')) throw new Error(`pickle: big-endian NumPy arrays (${this.dtype}) are not supported`);
    const kinds: Record<string, { new (b: ArrayBuffer, o: number, n: number): ArrayBufferView; BYTES_PER_ELEMENT: number }> = {
      u1: Uint8Array, i1: Int8Array, i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array, f4: Float32Array, f8: Float64Array, i8: BigInt64Array, b1: Uint8Array,
    } as never;
    const kind = kinds[code];
    if (!kind) throw new Error(`pickle: NumPy dtype '${this.dtype}' is not supported (supported: ${Object.keys(kinds).join(', ')})`);
    const aligned = this.bytes.byteOffset % kind.BYTES_PER_ELEMENT === 0 ? this.bytes : this.bytes.slice();
    return new kind(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / kind.BYTES_PER_ELEMENT) as ReturnType<NdArray['values']>;
  }
}

/** A NumPy dtype as pickled (`numpy.dtype('u1', False, True)` plus its state). */
class DType {
  byteOrder = '|';
  constructor(readonly code: string) {}
  get descr(): string {
    return /^[ub]1$|^i1$/.test(this.code) ? this.code : `${this.byteOrder === '|' || this.byteOrder === '=' ? '<' : this.byteOrder}${this.code}`;
  }
}

/** `numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')`, filled in by BUILD. */
class PendingArray {}

const MARK = Symbol('mark');

/** What a pickle decodes to: a dict whose keys are all strings becomes an object, else a Map. */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | NdArray | PyValue[] | { [key: string]: PyValue } | Map<unknown, PyValue>;

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Python's repr of a str/bytes literal (protocol 0's STRING) without its quotes, unescaped, as bytes. */
function unrepr(text: string): Uint8Array {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q) throw new Error(`pickle: bad STRING literal ${text.slice(0, 40)}`);
  const body = text.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      out.push(body.charCodeAt(i) & 0xff);
      continue;
    }
    const e = body[++i];
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };
    if (e in simple) out.push(simple[e]);
    else if (e === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(e)) {
      let j = i;
      while (j < i + 3 && /[0-7]/.test(body[j])) j++;
      out.push(parseInt(body.slice(i, j), 8) & 0xff);
      i = j - 1;
    } else out.push(92, e.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

/** Protocol 0's raw-unicode-escape: `\uXXXX` / `\UXXXXXXXX` escapes, other bytes latin-1. */
function rawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a, b) => String.fromCodePoint(parseInt(a ?? b, 16)));
}

function toKey(key: unknown): string | null {
  if (typeof key === 'string') return key;
  if (key instanceof Uint8Array) return latin1(key);
  return null;
}

/** Decodes a pickle. `what` names the file in errors. */
export function unpickle(data: Uint8Array, what = 'pickle'): PyValue {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const fail = (message: string): never => {
    throw new Error(`${what}: ${message} (at byte ${pos})`);
  };
  const need = (n: number) => {
    if (pos + n > buf.length) fail('the file ends early (truncated?)');
  };
  const u8 = () => (need(1), buf[pos++]);
  const u16 = () => (need(2), (pos += 2), buf.readUInt16LE(pos - 2));
  const i32 = () => (need(4), (pos += 4), buf.readInt32LE(pos - 4));
  const u32 = () => (need(4), (pos += 4), buf.readUInt32LE(pos - 4));
  const u64 = () => (need(8), (pos += 8), Number(buf.readBigUInt64LE(pos - 8)));
  const bytes = (n: number) => (need(n), (pos += n), new Uint8Array(data.buffer, data.byteOffset + pos - n, n));
  const line = () => {
    const end = buf.indexOf(10, pos);
    if (end < 0) fail('the file ends inside a text opcode');
    const s = buf.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('MARK expected');
    return stack.splice(m!);
  };
  const top = () => stack[stack.length - 1];
  const setItems = (dict: unknown, items: unknown[]) => {
    for (let i = 0; i < items.length; i += 2) {
      if (dict instanceof Map) dict.set(items[i], items[i + 1] as PyValue);
      else fail('SETITEM on a value that is not a dict');
    }
  };
  const longFromBytes = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const findGlobal = (module: string, name: string): unknown => {
    const full = `${module}.${name}`;
    switch (full) {
      case 'numpy.core.multiarray._reconstruct':
      case 'numpy._core.multiarray._reconstruct':
        return (_cls: unknown, _shape: unknown, _dtype: unknown) => new PendingArray();
      case 'numpy.ndarray':
        return 'numpy.ndarray';
      case 'numpy.dtype':
        return (code: unknown) => new DType(typeof code === 'string' ? code : latin1(code as Uint8Array));
      case 'numpy.core.numeric._frombuffer':
      case 'numpy._core.numeric._frombuffer':
        return (b: Uint8Array, dtype: DType, shape: number[], order: string) => new NdArray(dtype.descr, [...shape], b, order === 'F');
      case '_codecs.encode':
        return (text: string, encoding: string) => {
          if (encoding !== 'latin1' && encoding !== 'latin-1') fail(`_codecs.encode with encoding ${encoding}`);
          return Uint8Array.from(Buffer.from(text, 'latin1'));
        };
      case '__builtin__.set':
      case 'builtins.set':
        return (items: unknown[]) => [...(items ?? [])];
      default:
        return fail(`the pickle holds a '${full}', which this reader does not build (it reads dicts, lists, numbers, strings and NumPy arrays)`);
    }
  };
  const call = (fn: unknown, args: unknown[]): unknown => {
    if (typeof fn !== 'function') fail(`REDUCE on ${String(fn)}`);
    return (fn as (...a: unknown[]) => unknown)(...args);
  };
  const build = (obj: unknown, state: unknown): unknown => {
    if (obj instanceof DType) {
      const s = state as unknown[];
      obj.byteOrder = typeof s[1] === 'string' ? s[1] : latin1(s[1] as Uint8Array);
      return obj;
    }
    if (obj instanceof PendingArray) {
      // (version, shape, dtype, is_fortran, rawdata)
      const s = state as unknown[];
      const [, shape, dtype, fortran, raw] = s.length === 5 ? s : [0, ...s];
      if (!(dtype instanceof DType)) fail('a NumPy array without a dtype');
      if (!(raw instanceof Uint8Array)) fail('a NumPy array of Python objects (dtype=object) cannot be read');
      return new NdArray((dtype as DType).descr, [...(shape as number[])], raw as Uint8Array, Boolean(fortran));
    }
    return fail(`BUILD on a ${Object.prototype.toString.call(obj)}`);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: { // STOP
        const value = stack.pop();
        return finish(value);
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: stack.pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(longFromBytes(bytes(u8()))); break; // LONG1
      case 0x8b: stack.push(longFromBytes(bytes(i32()))); break; // LONG4
      case 0x47: need(8); pos += 8; stack.push(buf.readDoubleBE(pos - 8)); break; // BINFLOAT
      case 0x49: { // INT (text; I01/I00 are True/False)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : parseInt(s, 10));
        break;
      }
      case 0x4c: { // LONG (text)
        const v = BigInt(line().replace(/L$/, ''));
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x46: stack.push(parseFloat(line())); break; // FLOAT (text)
      case 0x53: stack.push(unrepr(line())); break; // STRING (text, Python 2 str: bytes)
      case 0x56: stack.push(rawUnicodeEscape(line())); break; // UNICODE (text)
      case 0x54: stack.push(bytes(i32())); break; // BINSTRING (Python 2 str)
      case 0x55: stack.push(bytes(u8())); break; // SHORT_BINSTRING
      case 0x42: stack.push(bytes(u32())); break; // BINBYTES
      case 0x43: stack.push(bytes(u8())); break; // SHORT_BINBYTES
      case 0x8e: stack.push(bytes(u64())); break; // BINBYTES8
      case 0x96: stack.push(bytes(u64())); break; // BYTEARRAY8
      case 0x58: stack.push(Buffer.from(bytes(u32())).toString('utf8')); break; // BINUNICODE
      case 0x8c: stack.push(Buffer.from(bytes(u8())).toString('utf8')); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(Buffer.from(bytes(u64())).toString('utf8')); break; // BINUNICODE8
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x8f: stack.push([]); break; // EMPTY_SET
      case 0x64: { const items = popMark(); const d = new Map(); setItems(d, items); stack.push(d); break; } // DICT
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x91: stack.push(popMark()); break; // FROZENSET
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: { const b = stack.pop(); const a = stack.pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = stack.pop(); const b = stack.pop(); const a = stack.pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x61: { const v = stack.pop(); (top() as unknown[]).push(v); break; } // APPEND
      case 0x65: case 0x90: { const items = popMark(); (top() as unknown[]).push(...items); break; } // APPENDS, ADDITEMS
      case 0x73: { const v = stack.pop(); const k = stack.pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x70: memo.set(parseInt(line(), 10), top()); break; // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: stack.push(memo.get(parseInt(line(), 10))); break; // GET
      case 0x68: stack.push(memo.get(u8())); break; // BINGET
      case 0x6a: stack.push(memo.get(u32())); break; // LONG_BINGET
      case 0x63: { const module = line(); const name = line(); stack.push(findGlobal(module, name)); break; } // GLOBAL
      case 0x93: { const name = stack.pop() as string; const module = stack.pop() as string; stack.push(findGlobal(module, name)); break; } // STACK_GLOBAL
      case 0x52: { const args = stack.pop() as unknown[]; const fn = stack.pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = stack.pop() as unknown[]; const cls = stack.pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x62: { const state = stack.pop(); const obj = stack.pop(); stack.push(build(obj, state)); break; } // BUILD
      default:
        fail(`opcode 0x${op.toString(16)} is not supported`);
    }
  }

  function finish(value: unknown): PyValue {
    if (value instanceof Map) {
      const keys = [...value.keys()].map(toKey);
      if (keys.every((k) => k !== null)) {
        const out: { [key: string]: PyValue } = {};
        [...value.values()].forEach((v, i) => (out[keys[i]!] = finish(v)));
        return out;
      }
      return new Map([...value.entries()].map(([k, v]) => [k, finish(v)]));
    }
    if (Array.isArray(value)) return value.map(finish);
    if (value instanceof PendingArray || value instanceof DType) throw new Error(`${what}: a NumPy object left incomplete`);
    return value as PyValue;
  }
}

/** A pickled str (Python 3) or Python 2 str (bytes, read as latin-1) as a string; else an error naming `what`. */
export function pyString(value: PyValue, what: string): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return latin1(value);
  throw new Error(`${what}: expected a string, got ${describe(value)}`);
}

/** A short description of a decoded value's type, for errors. */
export function describe(value: PyValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None';
  if (value instanceof NdArray) return `a NumPy array ${value.dtype} [${value.shape}]`;
  if (value instanceof Uint8Array) return `bytes (${value.length})`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Map) return 'a dict';
  return typeof value === 'object' ? `a dict with keys ${Object.keys(value).slice(0, 6).join(', ')}` : typeof value;
}
