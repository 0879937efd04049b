// The classes any pickle may name: Python's own containers, numpy's reconstructors, inert random-state
// objects and scipy's sparse matrices. Estimator classes are added by the importers that understand them.
import { numpyHandlers } from './numpy.js';
import { PickleError, PyClass, type ClassHandler, type ClassResolver } from './unpickler.js';
import { PyBytes, PyObject, PySet } from './values.js';

/** A class whose instances are kept as data (constructor arguments and state), and nothing else. */
export const PLAIN_OBJECT: ClassHandler = {};

/** A class that may be named (e.g. numpy.float64 as a dtype parameter) but never called. */
const TYPE_ONLY: ClassHandler = {
  construct: (_args, name) => { throw new PickleError(`'${name}' cannot be called in a model file`); },
};

const BASE: Record<string, ClassHandler> = {
  ...numpyHandlers(),
  'builtins.set': { construct: ([items]) => new PySet(Array.isArray(items) ? [...items] : [], false) },
  'builtins.frozenset': { construct: ([items]) => new PySet(Array.isArray(items) ? [...items] : [], true) },
  'builtins.object': TYPE_ONLY,
  // slice(start, stop, step) as ColumnTransformer keeps its output_indices_: data.
  'builtins.slice': PLAIN_OBJECT,
  // bytearray(b'...'), or bytearray('latin-1 text', 'latin-1') as protocols 0–2 write it.
  'builtins.bytearray': {
    construct: ([data, encoding]) => {
      if (data === undefined) return new PyBytes(new Uint8Array(0));
      if (data instanceof PyBytes) return data;
      if (typeof data === 'string' && (encoding === 'latin-1' || encoding === 'latin1')) return new PyBytes(Buffer.from(data, 'latin1'));
      throw new PickleError('unsupported bytearray arguments');
    },
  },
  // bytes() is how protocol 2 writes an empty bytes object (the raw data of an empty numpy array, for one).
  'builtins.bytes': {
    construct: (args) => {
      if (args.length === 0) return new PyBytes(new Uint8Array(0));
      throw new PickleError('only bytes() without arguments is supported');
    },
  },
  'collections.OrderedDict': { construct: () => new Map() },
  'copyreg._reconstructor': {
    construct: ([cls]) => {
      if (!(cls instanceof PyClass)) throw new PickleError('copyreg._reconstructor of something that is not a class');
      return cls.handler.construct ? cls.handler.construct([], cls.name) : new PyObject(cls.name);
    },
  },
};

for (const t of ['float64', 'float32', 'float16', 'int64', 'int32', 'int16', 'int8', 'uint64', 'uint32', 'uint16', 'uint8', 'bool_', 'object_', 'str_', 'bytes_']) {
  BASE[`numpy.${t}`] = TYPE_ONLY;
}
// make_column_selector(dtype_include=np.number) keeps abstract numpy types: named, never called.
for (const t of ['number', 'integer', 'signedinteger', 'unsignedinteger', 'floating', 'generic']) BASE[`numpy.${t}`] = TYPE_ONLY;
// A RandomState or Generator kept by an estimator (random_state=np.random.RandomState(0), gradient boosting's _rng)
// is only ever data here.
for (const name of ['numpy.random._pickle.__randomstate_ctor', 'numpy.random._pickle.__generator_ctor',
  'numpy.random._pickle.__bit_generator_ctor', 'numpy.random.__RandomState_ctor', 'numpy.random.mtrand.RandomState',
  'numpy.random._mt19937.MT19937', 'numpy.random._pcg64.PCG64',
  'numpy.random.bit_generator.SeedSequence', 'numpy.random.bit_generator.__pyx_unpickle_SeedSequence']) {
  BASE[name] = PLAIN_OBJECT;
}
// The other bit generators a Generator may hold, and the pandas objects kept where an estimator stored them
// (an Index of column names, a CategoricalDtype): constructor arguments and state, as data.
for (const name of ['numpy.random._pcg64.PCG64DXSM', 'numpy.random._philox.Philox', 'numpy.random._sfc64.SFC64',
  'pandas.core.indexes.base._new_Index', 'pandas.core.indexes.base.Index', 'pandas.core.indexes.range.RangeIndex',
  'pandas.core.dtypes.dtypes.CategoricalDtype']) {
  BASE[name] = PLAIN_OBJECT;
}
for (const module of ['scipy.sparse._csr', 'scipy.sparse.csr', 'scipy.sparse._csc', 'scipy.sparse.csc', 'scipy.sparse._dia', 'scipy.sparse.dia']) {
  for (const cls of ['csr_matrix', 'csc_matrix', 'dia_matrix', 'csr_array', 'csc_array', 'dia_array']) BASE[`${module}.${cls}`] = PLAIN_OBJECT;
}

// functools.partial(f, …) is kept as data (f, args, keywords): f itself must be allow-listed to be named at all.
BASE['functools.partial'] = PLAIN_OBJECT;

// NumPy ufuncs that FunctionTransformer may name: pickled as a global (numpy.log1p, numpy.core._multiarray_umath.log1p)
// or, by old NumPy, as _ufunc_reconstruct('numpy', 'log1p'). A reference only: calling one is refused.
export const SAFE_UFUNCS = ['absolute', 'fabs', 'negative', 'positive', 'square', 'sqrt', 'reciprocal', 'floor', 'ceil', 'rint',
  'exp', 'log', 'log1p', 'expm1', 'tanh'] as const;
export type SafeUfunc = (typeof SAFE_UFUNCS)[number];
for (const module of ['numpy', 'numpy.core._multiarray_umath', 'numpy._core._multiarray_umath', 'numpy.core.umath', 'numpy._core.umath']) {
  for (const name of SAFE_UFUNCS) BASE[`${module}.${name}`] = TYPE_ONLY;
}
for (const core of ['numpy.core', 'numpy._core']) {
  BASE[`${core}._ufunc_reconstruct`] = {
    construct: (args) => {
      // Python 2's str (protocols 0–1) arrives as bytes.
      const [module, name] = args.map((a) => (a instanceof PyBytes ? Buffer.from(a.bytes).toString('latin1') : a));
      if (typeof module !== 'string' || !module.startsWith('numpy') || !(SAFE_UFUNCS as readonly unknown[]).includes(name)) {
        throw new PickleError(`refusing to load the ufunc ${String(module)}.${String(name)}: it is not one Modelport can run`);
      }
      return new PyClass(`${module}.${String(name)}`, TYPE_ONLY);
    },
  };
}

/**
 * Functions and classes defined in the training script (__main__) may be named, so that the estimator holding one
 * can say what it is; calling one is refused.
 */
const SCRIPT_DEFINED: ClassHandler = {
  construct: (_args, name) => {
    throw new PickleError(`'${name}' is defined in the training script: custom Python code cannot be served (Modelport runs no Python)`);
  },
};

/** Python 2 names that pickles of protocol 0–2 use for the same things. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Resolves base classes, then asks `more` (the estimator registry). */
export function allowList(more: ClassResolver): ClassResolver {
  return (module, name) => {
    const m = PY2_MODULES[module] ?? module;
    if (m === '__main__') return SCRIPT_DEFINED;
    return BASE[`${m}.${name}`] ?? more(m, name);
  };
}
