// FunctionTransformer: func=None passes X through; a NumPy ufunc on the allow-list becomes the matching ONNX ops.
// Any other function is Python code, which Modelport never runs: it is refused with what to do instead.
// inverse_func is only used by inverse_transform, so whatever it is does not matter here.
import type { GraphBuilder } from '../../onnx/builder.js';
import { SAFE_UFUNCS, type SafeUfunc } from '../pickle/allowlist.js';
import { PyClass } from '../pickle/unpickler.js';
import type { PyObject } from '../pickle/values.js';
import { attr, ConversionError, inputWidth } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';
import { keepsMissing } from './scalers.js';
import { expm1, log1p } from './special-functions.js';

/** Each allow-listed ufunc as ONNX ops; sqrt, abs, square, reciprocal, floor, ceil and rint are exact. */
const UFUNCS: Record<SafeUfunc, (g: GraphBuilder, x: string) => string> = {
  absolute: (g, x) => g.op('Abs', [x]),
  fabs: (g, x) => g.op('Abs', [x]),
  negative: (g, x) => g.op('Neg', [x]),
  positive: (g, x) => g.op('Identity', [x]),
  square: (g, x) => g.op('Mul', [x, x]),
  sqrt: (g, x) => g.op('Sqrt', [x]),
  reciprocal: (g, x) => g.op('Div', [f64(g, 'one', [1], []), x]),
  floor: (g, x) => g.op('Floor', [x]),
  ceil: (g, x) => g.op('Ceil', [x]),
  rint: (g, x) => g.op('Round', [x]),
  exp: (g, x) => g.op('Exp', [x]),
  log: (g, x) => g.op('Log', [x]),
  log1p,
  expm1,
  tanh: (g, x) => g.op('Tanh', [x]),
};

const isSafeUfunc = (name: string): name is SafeUfunc => (SAFE_UFUNCS as readonly string[]).includes(name);

function ufuncOf(func: unknown): SafeUfunc | null {
  if (func === null || func === undefined) return null;
  const name = func instanceof PyClass ? func.name : String(func);
  const [module, short] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)];
  if (module === '__main__') {
    throw new ConversionError(`FunctionTransformer: func is ${short}, a function defined in the training script; custom Python functions `
      + 'cannot be served (Modelport runs no Python). Use a NumPy ufunc (np.log1p, np.sqrt, …) or func=None, or apply the function to the input before sending it.');
  }
  if (func instanceof PyClass && module.startsWith('numpy') && isSafeUfunc(short)) return short;
  throw new ConversionError(`FunctionTransformer: func ${name} cannot be served; supported: None or one of numpy's ${SAFE_UFUNCS.join(', ')}`);
}

function functionTransformer(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const ufunc = ufuncOf(attr(estimator, 'func'));
  const kwArgs = attr(estimator, 'kw_args');
  if (ufunc && kwArgs instanceof Map && kwArgs.size > 0) {
    throw new ConversionError(`FunctionTransformer: kw_args (${[...kwArgs.keys()].join(', ')}) for np.${ufunc} are not supported`);
  }
  const name = ufunc ? UFUNCS[ufunc](g, input.name) : g.op('Identity', [input.name]);
  return { kind: 'features', features: { name, width: input.width, type: 'float64' } };
}

// Without validate=True NaN reaches the ufunc, which keeps it NaN in its column.
const columnFacts = (estimator: PyObject) => (attr(estimator, 'validate') === true ? [] : keepsMissing(estimator));

register({ classes: ['FunctionTransformer'], inputWidth, columnFacts, convert: functionTransformer });
