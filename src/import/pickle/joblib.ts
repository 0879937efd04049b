// Pickle and joblib files: joblib stores each numpy array's bytes right after the NumpyArrayWrapper that
// describes it, and may compress the whole stream.
import { gunzipSync, inflateSync } from 'node:zlib';
import { lzma, xz } from '@napi-rs/lzma';
import { DType, fillArray, NdArray } from './numpy.js';
import { ByteStream, PickleError, unpickle, type ClassHandler, type ClassResolver } from './unpickler.js';
import { allowList } from './allowlist.js';
import { PyBytes } from './values.js';

export interface ReadOptions {
  /** The largest decompressed size accepted (a zip bomb stops here). */
  maxDecompressedBytes?: number;
}

const DEFAULT_MAX_DECOMPRESSED = 2 ** 31 - 1;

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** Undoes joblib's compression (by magic bytes, as joblib itself decides); plain pickles pass through. */
export function decompress(bytes: Uint8Array, options: ReadOptions = {}): Uint8Array {
  const maxOutputLength = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED;
  try {
    if (startsWith(bytes, [0x78])) return inflateSync(bytes, { maxOutputLength });
    if (startsWith(bytes, [0x1f, 0x8b])) return gunzipSync(bytes, { maxOutputLength });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new PickleError(`decompressed data exceeds ${maxOutputLength} bytes`);
    throw new PickleError(`corrupt compressed joblib file: ${e.message}`);
  }
  if (startsWith(bytes, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) {
    // liblzma decodes in one go, so the size is checked first: the stream's index declares it (and liblzma
    // verifies the blocks against the index).
    return checkedDecode('xz', () => xz.decompressSync(bytes), xzDeclaredSize(bytes), maxOutputLength);
  }
  if (startsWith(bytes, [0x5d, 0x00])) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const declared = bytes.length >= 13 ? view.getBigInt64(5, true) : -1n;
    if (declared < 0n) {
      throw new PickleError("this lzma (LZMA-alone) joblib file does not declare its size, so it cannot be read safely; save with compress=('xz', 3)");
    }
    return checkedDecode('lzma', () => lzma.decompressSync(bytes), Number(declared), maxOutputLength);
  }
  const other: [number[], string][] = [[[0x42, 0x5a], 'bz2'], [[0x04, 0x22, 0x4d, 0x18], 'lz4']];
  for (const [magic, name] of other) {
    if (startsWith(bytes, magic)) {
      throw new PickleError(`joblib files compressed with ${name} are not supported; save with compress=('zlib', 3) or ('gzip', 3), or without compression`);
    }
  }
  return bytes;
}

function checkedDecode(format: string, decode: () => Uint8Array, declared: number, limit: number): Uint8Array {
  if (declared > limit) throw new PickleError(`decompressed data exceeds ${limit} bytes`);
  try {
    return decode();
  } catch (err) {
    throw new PickleError(`corrupt ${format}-compressed joblib file: ${(err as Error).message}`);
  }
}

/** Reads one multi-byte integer of the xz format (7 bits per byte, low first). */
function xzVarint(bytes: Uint8Array, at: { pos: number }): number {
  let value = 0;
  for (let shift = 0; shift < 63; shift += 7) {
    if (at.pos >= bytes.length) throw new PickleError('corrupt xz-compressed joblib file: truncated index');
    const b = bytes[at.pos++];
    value += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return value;
  }
  throw new PickleError('corrupt xz-compressed joblib file: invalid index');
}

/** The uncompressed size an .xz stream declares in its index (single stream, as joblib writes). */
function xzDeclaredSize(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 32 || bytes[n - 2] !== 0x59 || bytes[n - 1] !== 0x5a) throw new PickleError('corrupt xz-compressed joblib file: no stream footer');
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const indexSize = (view.getUint32(n - 8, true) + 1) * 4;
  const at = { pos: n - 12 - indexSize };
  if (at.pos < 12 || bytes[at.pos] !== 0x00) throw new PickleError('corrupt xz-compressed joblib file: invalid index');
  at.pos++;
  const records = xzVarint(bytes, at);
  let total = 0;
  for (let i = 0; i < records; i++) {
    xzVarint(bytes, at);
    total += xzVarint(bytes, at);
  }
  return total;
}

/** joblib.numpy_pickle.NumpyArrayWrapper: BUILD gives the array's layout, the bytes follow in the stream. */
function arrayWrapper(resolve: ClassResolver): ClassHandler {
  return {
    build(_target, state, stream) {
      if (!(state instanceof Map)) throw new PickleError('invalid NumpyArrayWrapper state');
      const dtype = state.get('dtype');
      const shape = state.get('shape');
      const order = state.get('order');
      if (!(dtype instanceof DType) || !Array.isArray(shape)) throw new PickleError('NumpyArrayWrapper without dtype or shape');
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new PickleError('NumpyArrayWrapper with an invalid shape');
      if (dtype.kind === 'O') {
        // Object arrays are a complete pickle of their own at this point.
        const inner = unpickle(stream, { resolve });
        if (!(inner instanceof NdArray)) throw new PickleError('object array in a joblib file is not an array');
        return inner;
      }
      if (state.get('numpy_array_alignment_bytes') != null) stream.take(stream.u8());
      const count = (shape as number[]).reduce((a, b) => a * b, 1);
      const bytes = stream.take(count * dtype.itemsize);
      // joblib writes Fortran-ordered arrays in Fortran order; fillArray reorders them to C order.
      return fillArray(new NdArray(), dtype, shape as number[], order === 'F', new PyBytes(bytes));
    },
  };
}

/** Reads a pickle or joblib file into plain data, naming only allow-listed classes. */
export function readPickle(bytes: Uint8Array, estimators: ClassResolver, options: ReadOptions = {}): unknown {
  const data = decompress(bytes, options);
  let resolve: ClassResolver;
  const wrapper = arrayWrapper((m, n) => resolve(m, n));
  resolve = allowList((module, name) => {
    if (module === 'joblib.numpy_pickle' && name === 'NumpyArrayWrapper') return wrapper;
    if (module === 'sklearn.externals.joblib.numpy_pickle' && name === 'NumpyArrayWrapper') return wrapper;
    return estimators(module, name);
  });
  const stream = new ByteStream(data);
  return unpickle(stream, { resolve });
}
