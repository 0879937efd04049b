// Pickle and joblib files: joblib stores each numpy array's bytes right after the NumpyArrayWrapper that
// describes it, and may compress the whole stream.
import { gunzipSync, inflateSync } from 'node:zlib';
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
  const other: [number[], string][] = [
    [[0x42, 0x5a], 'bz2'], [[0xfd, 0x37, 0x7a, 0x58, 0x5a], 'xz'], [[0x5d, 0x00], 'lzma'], [[0x04, 0x22, 0x4d, 0x18], 'lz4'],
  ];
  for (const [magic, name] of other) {
    if (startsWith(bytes, magic)) {
      throw new PickleError(`joblib files compressed with ${name} are not supported; save with compress=('zlib', 3) or ('gzip', 3), or without compression`);
    }
  }
  return bytes;
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
