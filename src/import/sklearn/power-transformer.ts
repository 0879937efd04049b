// PowerTransformer.transform: Yeo-Johnson or Box-Cox with each feature's lambdas_, then its StandardScaler.
// Each feature's formula is picked by its lambda as scikit-learn/scipy pick it; all are computed for every column
// and a per-feature mask selects. log1p and expm1 are a few ulp from libm's (see special-functions.ts).
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, ConversionError, inputWidth, objectAttr, sklearnVersion } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';
import { keepsMissing, standard } from './scalers.js';
import { expm1, log1p, where } from './special-functions.js';

/** Per-feature choice between two [N, F] values. */
function select(g: GraphBuilder, mask: boolean[], a: string, b: string): string {
  if (mask.every(Boolean)) return a;
  if (!mask.some(Boolean)) return b;
  return where(g, g.constant('mask', { type: 'bool', dims: [mask.length], values: mask }), a, b);
}

/**
 * Yeo-Johnson. Up to scikit-learn 1.8 its own formula: ((x + 1)^λ - 1) / λ for x ≥ 0 and
 * -((1 - x)^(2-λ) - 1) / (2 - λ) below; from 1.9 scipy.stats.yeojohnson's expm1(λ log1p(x)) / λ and
 * -expm1((2 - λ) log1p(-x)) / (2 - λ); log1p where λ = 0 (resp. 2).
 */
function yeoJohnson(g: GraphBuilder, x: string, lambdas: Float64Array, scipyForm: boolean): string {
  const eps = Number.EPSILON;
  const width = lambdas.length;
  const lam = f64(g, 'lambda', lambdas, [width]);
  const twoMinus = f64(g, 'two_minus_lambda', Array.from(lambdas, (l) => 2 - l), [width]);
  const one = f64(g, 'one', [1], []);
  const negX = g.op('Neg', [x]);
  let positive: string;
  let negative: string;
  if (scipyForm) {
    positive = g.op('Div', [expm1(g, g.op('Mul', [lam, log1p(g, x)])), lam]);
    negative = g.op('Neg', [g.op('Div', [expm1(g, g.op('Mul', [twoMinus, log1p(g, negX)])), twoMinus])]);
  } else {
    positive = g.op('Div', [g.op('Sub', [g.op('Pow', [g.op('Add', [x, one]), lam]), one]), lam]);
    negative = g.op('Div', [g.op('Neg', [g.op('Sub', [g.op('Pow', [g.op('Add', [negX, one]), twoMinus]), one])]), twoMinus]);
  }
  positive = select(g, Array.from(lambdas, (l) => Math.abs(l) < eps), log1p(g, x), positive);
  negative = select(g, Array.from(lambdas, (l) => Math.abs(l - 2) > eps), negative, g.op('Neg', [log1p(g, negX)]));
  return where(g, g.op('GreaterOrEqual', [x, f64(g, 'zero', [0], [])]), positive, negative);
}

/** scipy.special.boxcox: log(x) where |λ| < 1e-19, expm1(λ log x) / λ, or past overflow sign(λ) exp(λ log x - log|λ|) - 1/λ. */
function boxCox(g: GraphBuilder, x: string, lambdas: Float64Array): string {
  const width = lambdas.length;
  const lam = f64(g, 'lambda', lambdas, [width]);
  const logX = g.op('Log', [x]);
  const t = g.op('Mul', [lam, logX]);
  const usual = g.op('Div', [expm1(g, t), lam]);
  const huge = g.op('Sub', [
    g.op('Mul', [f64(g, 'sign', Array.from(lambdas, (l) => (l < 0 || Object.is(l, -0) ? -1 : 1)), [width]),
      g.op('Exp', [g.op('Sub', [t, f64(g, 'log_abs_lambda', Array.from(lambdas, (l) => Math.log(Math.abs(l))), [width])])])]),
    f64(g, 'inverse_lambda', Array.from(lambdas, (l) => 1 / l), [width]),
  ]);
  const power = where(g, g.op('Less', [t, f64(g, 'limit', [709.78], [])]), usual, huge);
  return select(g, Array.from(lambdas, (l) => Math.abs(l) < 1e-19), logX, power);
}

function powerTransformer(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const lambdas = array(estimator, 'lambdas_').numbers();
  if (lambdas.length !== input.width) throw new ConversionError(`PowerTransformer: lambdas_ has ${lambdas.length} features, the input ${input.width}`);
  const method = attr(estimator, 'method');
  let y: string;
  if (method === 'yeo-johnson') {
    const [major, minor] = sklearnVersion(estimator);
    y = yeoJohnson(g, input.name, lambdas, major > 1 || (major === 1 && minor >= 9));
  } else if (method === 'box-cox') {
    y = boxCox(g, input.name, lambdas);
  } else {
    throw new ConversionError(`PowerTransformer: method '${String(method)}' is not supported`);
  }
  const transformed: Features = { name: y, width: input.width, type: 'float64' };
  return attr(estimator, 'standardize') === false ? { kind: 'features', features: transformed } : standard(objectAttr(estimator, '_scaler'), transformed, g);
}

register({ classes: ['PowerTransformer'], inputWidth, columnFacts: keepsMissing, convert: powerTransformer });
