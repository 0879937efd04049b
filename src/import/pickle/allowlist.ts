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
  // bytearray(b'...'), or bytearray('latin-1 text', 'latin-1') as protocols 0–2 write it.
  'builtins.bytearray': {
    construct: ([data, encoding]) => {
      if (data === undefined) return new PyBytes(new Uint8Array(0));
      if (data instanceof PyBytes) return data;
      if (typeof data === 'string' && (encoding === 'latin-1' || encoding === 'latin1')) return new PyBytes(Buffer.from(data, 'latin1'));
      throw new PickleError('unsupported bytearray arguments');
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
// A RandomState or Generator kept by an estimator (random_state=np.random.RandomState(0), gradient boosting's _rng)
// is only ever data here.
for (const name of ['numpy.random._pickle.__randomstate_ctor', 'numpy.random._pickle.__generator_ctor',
  'numpy.random._pickle.__bit_generator_ctor', 'numpy.random.__RandomState_ctor', 'numpy.random.mtrand.RandomState',
  'numpy.random._mt19937.MT19937', 'numpy.random._pcg64.PCG64']) {
  BASE[name] = PLAIN_OBJECT;
}
for (const module of ['scipy.sparse._csr', 'scipy.sparse.csr', 'scipy.sparse._csc', 'scipy.sparse.csc', 'scipy.sparse._dia', 'scipy.sparse.dia']) {
  for (const cls of ['csr_matrix', 'csc_matrix', 'dia_matrix', 'csr_array', 'csc_array', 'dia_array']) BASE[`${module}.${cls}`] = PLAIN_OBJECT;
}

/** Python 2 names that pickles of protocol 0–2 use for the same things. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Resolves base classes, then asks `more` (the estimator registry). */
export function allowList(more: ClassResolver): ClassResolver {
  return (module, name) => {
    const m = PY2_MODULES[module] ?? module;
    return BASE[`${m}.${name}`] ?? more(m, name);
  };
}
