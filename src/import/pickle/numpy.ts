// numpy dtypes, arrays and scalars as they come out of a pickle, rebuilt without numpy.
import { PickleError, type ClassHandler } from './unpickler.js';
import { PyBytes } from './values.js';

export class DType {
  byteorder: '<' | '>' | '|' | '=' = '=';
  names: string[] | null = null;
  fields: Map<string, { dtype: DType; offset: number }> | null = null;

  constructor(readonly kind: string, public itemsize: number) {}

  static parse(spec: string): DType {
    const m = /^([<>|=]?)([bifuUSOVcMm])(\d*)$/.exec(spec);
    if (!m) throw new PickleError(`unsupported numpy dtype '${spec}'`);
    const kind = m[2] === 'c' ? 'S' : m[2];
    // 'U10' counts characters (UTF-32, four bytes each); every other kind counts bytes.
    const size = m[3] ? Number(m[3]) * (kind === 'U' ? 4 : 1) : kind === 'O' ? 8 : kind === 'b' ? 1 : 0;
    const dtype = new DType(kind, size);
    if (m[1]) dtype.byteorder = m[1] as DType['byteorder'];
    return dtype;
  }

  get name(): string {
    return `${this.kind}${this.itemsize}`;
  }

  get bigEndian(): boolean {
    return this.byteorder === '>';
  }
}

/** A numpy array in C order with native (little-endian) bytes, or a list of Python objects. */
export class NdArray {
  dtype: DType = new DType('f', 8);
  shape: number[] = [];
  /** Item bytes for numeric, string and structured dtypes. */
  raw: Uint8Array = new Uint8Array(0);
  /** Items of an object array. */
  objects: unknown[] | null = null;

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Every item as a JS value: numbers (int64 as number), booleans, strings or the objects themselves. */
  items(): unknown[] {
    if (this.objects) return this.objects;
    if (this.dtype.kind === 'U' || this.dtype.kind === 'S') return this.strings();
    return Array.from(this.numbers());
  }

  /** Numeric items as float64 (int64 beyond 2^53 rounds, as numpy's float conversion does). */
  numbers(): Float64Array {
    if (this.objects) return Float64Array.from(this.objects, (v) => Number(v));
    const n = this.size;
    const out = new Float64Array(n);
    const view = new DataView(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength);
    const { kind, itemsize } = this.dtype;
    const read = scalarReader(kind, itemsize);
    for (let i = 0; i < n; i++) out[i] = Number(read(view, i * itemsize));
    return out;
  }

  strings(): string[] {
    const { kind, itemsize } = this.dtype;
    if (kind !== 'U' && kind !== 'S') throw new PickleError(`expected a string array, got dtype ${this.dtype.name}`);
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) {
      const item = this.raw.subarray(i * itemsize, (i + 1) * itemsize);
      if (kind === 'S') {
        out.push(Buffer.from(item).toString('latin1').replace(/\0+$/, ''));
      } else {
        let s = '';
        const view = new DataView(item.buffer, item.byteOffset, item.byteLength);
        for (let j = 0; j + 4 <= item.length; j += 4) {
          const cp = view.getUint32(j, true);
          if (cp === 0) break;
          if (cp > 0x10ffff) throw new PickleError('invalid code point in a unicode array');
          s += String.fromCodePoint(cp);
        }
        out.push(s);
      }
    }
    return out;
  }

  /** One field of a structured array (the Tree's node records), as its own array. */
  field(name: string): NdArray {
    const f = this.dtype.fields?.get(name);
    if (!f) throw new PickleError(`structured array has no field '${name}'`);
    const { itemsize } = this.dtype;
    const size = f.dtype.itemsize;
    const out = new NdArray();
    out.dtype = f.dtype;
    out.shape = [...this.shape];
    out.raw = new Uint8Array(this.size * size);
    for (let i = 0; i < this.size; i++) out.raw.set(this.raw.subarray(i * itemsize + f.offset, i * itemsize + f.offset + size), i * size);
    return out;
  }
}

function scalarReader(kind: string, size: number): (view: DataView, at: number) => number | bigint {
  switch (`${kind}${size}`) {
    case 'f4': return (v, at) => v.getFloat32(at, true);
    case 'f8': return (v, at) => v.getFloat64(at, true);
    case 'i1': return (v, at) => v.getInt8(at);
    case 'i2': return (v, at) => v.getInt16(at, true);
    case 'i4': return (v, at) => v.getInt32(at, true);
    case 'i8': return (v, at) => v.getBigInt64(at, true);
    case 'u1': case 'b1': return (v, at) => v.getUint8(at);
    case 'u2': return (v, at) => v.getUint16(at, true);
    case 'u4': return (v, at) => v.getUint32(at, true);
    case 'u8': return (v, at) => v.getBigUint64(at, true);
    default: throw new PickleError(`numeric dtype ${kind}${size} is not supported`);
  }
}

function bytesOf(value: unknown, what: string): Uint8Array {
  if (value instanceof PyBytes) return value.bytes;
  if (typeof value === 'string') return Buffer.from(value, 'latin1'); // protocol 0/1/2 numpy pickles
  throw new PickleError(`${what} is not bytes`);
}

function shapeOf(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (!Array.isArray(value) || !value.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new PickleError('invalid array shape');
  }
  return value as number[];
}

function swapBytes(raw: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += size) for (let j = 0; j < size; j++) out[i + j] = raw[i + size - 1 - j];
  return out;
}

/** For each item in C order, its index in Fortran order. */
function fortranIndex(shape: number[]): Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    let stride = 1;
    for (let d = 0; d < shape.length; d++) { f += idx[d] * stride; stride *= shape[d]; }
    out[c] = f;
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return out;
}

/** Fills an array from item bytes, checking the length against shape × itemsize. */
export function fillArray(arr: NdArray, dtype: DType, shape: number[], fortran: boolean, data: unknown): NdArray {
  arr.dtype = dtype;
  arr.shape = shape;
  const n = arr.size;
  if (dtype.kind === 'O') {
    if (!Array.isArray(data) || data.length !== n) throw new PickleError(`object array expects ${n} items`);
    arr.objects = fortran && shape.length > 1 ? Array.from(fortranIndex(shape), (f) => data[f]) : [...data];
    return arr;
  }
  let raw = bytesOf(data, 'array data');
  if (raw.length !== n * dtype.itemsize) {
    throw new PickleError(`array data has ${raw.length} bytes; shape [${shape.join(', ')}] of ${dtype.name} needs ${n * dtype.itemsize}`);
  }
  raw = new Uint8Array(raw); // own, aligned copy: a subarray of the pickle may sit at any offset
  if (dtype.bigEndian && dtype.itemsize > 1 && !dtype.fields && dtype.kind !== 'S') {
    raw = swapBytes(raw, dtype.kind === 'U' ? 4 : dtype.itemsize);
    dtype.byteorder = '<';
  }
  if (fortran && shape.length > 1) {
    const size = dtype.itemsize;
    const c = new Uint8Array(raw.length);
    fortranIndex(shape).forEach((f, i) => c.set(raw.subarray(f * size, (f + 1) * size), i * size));
    raw = c;
  }
  arr.raw = raw;
  return arr;
}

function dtypeState(dtype: DType, state: unknown): DType {
  // (version, byteorder, subarray, names, fields, elsize, alignment, flags); version 3 and 4 (with metadata).
  if (!Array.isArray(state) || state.length < 8) throw new PickleError('unsupported numpy dtype state');
  const [, byteorder, subarray, names, fields, elsize] = state as unknown[];
  if (subarray !== null) throw new PickleError('numpy sub-array dtypes are not supported');
  if (typeof byteorder === 'string' && '<>|='.includes(byteorder)) dtype.byteorder = byteorder as DType['byteorder'];
  if (Array.isArray(names) && fields instanceof Map) {
    dtype.names = names.map(String);
    dtype.fields = new Map();
    for (const name of dtype.names) {
      const entry = fields.get(name);
      if (!Array.isArray(entry) || !(entry[0] instanceof DType) || typeof entry[1] !== 'number') {
        throw new PickleError(`invalid structured dtype field '${name}'`);
      }
      dtype.fields.set(name, { dtype: entry[0], offset: entry[1] });
    }
  }
  if (typeof elsize === 'number' && elsize > 0) dtype.itemsize = elsize;
  return dtype;
}

export function scalarFromBytes(dtype: DType, raw: Uint8Array): number | boolean | string {
  if (raw.length !== dtype.itemsize) throw new PickleError(`numpy scalar of ${dtype.name} has ${raw.length} bytes`);
  if (dtype.kind === 'U' || dtype.kind === 'S') {
    // A numpy string scalar (np.str_, np.bytes_): decode it as a one-item array would be.
    return fillArray(new NdArray(), dtype, [], false, new PyBytes(raw)).strings()[0];
  }
  const bytes = dtype.bigEndian ? swapBytes(raw, raw.length) : new Uint8Array(raw);
  const value = scalarReader(dtype.kind, dtype.itemsize)(new DataView(bytes.buffer), 0);
  if (dtype.kind === 'b') return value !== 0;
  return Number(value);
}

const reconstruct: ClassHandler = {
  construct: () => new NdArray(),
  build(target, state) {
    if (!Array.isArray(state) || state.length !== 5) throw new PickleError('unsupported ndarray state');
    const [, shape, dtype, fortran, data] = state as unknown[];
    if (!(dtype instanceof DType)) throw new PickleError('ndarray state without a dtype');
    return fillArray(target as NdArray, dtype, shapeOf(shape), fortran === true, data);
  },
};

const dtype: ClassHandler = {
  construct: ([spec]) => {
    if (typeof spec !== 'string') throw new PickleError('numpy dtype without a type string');
    return DType.parse(spec);
  },
  build: (target, state) => dtypeState(target as DType, state),
};

const scalar: ClassHandler = {
  construct: ([d, data]) => {
    if (!(d instanceof DType)) throw new PickleError('numpy scalar without a dtype');
    if (d.kind === 'O') return data;
    return scalarFromBytes(d, bytesOf(data, 'numpy scalar'));
  },
};

const frombuffer: ClassHandler = {
  construct: ([buf, d, shape, order]) => {
    if (!(d instanceof DType)) throw new PickleError('_frombuffer without a dtype');
    return fillArray(new NdArray(), d, shapeOf(shape), order === 'F', buf);
  },
};

const ndarrayClass: ClassHandler = {
  construct: () => { throw new PickleError('numpy.ndarray cannot be called directly'); },
};

/** numpy's reconstructors under numpy.core (NumPy 1) and numpy._core (NumPy 2). */
export function numpyHandlers(): Record<string, ClassHandler> {
  const out: Record<string, ClassHandler> = {
    'numpy.dtype': dtype,
    'numpy.ndarray': ndarrayClass,
    '_codecs.encode': {
      construct: ([text, encoding]) => {
        if (typeof text !== 'string') throw new PickleError('_codecs.encode of something that is not a string');
        if (encoding !== 'latin1' && encoding !== 'latin-1') throw new PickleError(`_codecs.encode to ${String(encoding)} is not supported`);
        return new PyBytes(Buffer.from(text, 'latin1'));
      },
    },
  };
  for (const core of ['numpy.core', 'numpy._core']) {
    out[`${core}.multiarray._reconstruct`] = reconstruct;
    out[`${core}.multiarray.scalar`] = scalar;
    out[`${core}.numeric._frombuffer`] = frombuffer;
  }
  return out;
}
