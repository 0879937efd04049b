// QuantileTransformer.transform: per feature, the mean of np.interp upwards and downwards through quantiles_
// (so repeated quantiles map to the middle of their references), the bounds set exactly, NaN kept; for the normal
// output scipy's norm.ppf clipped to the values of BOUNDS_THRESHOLD = 1e-7.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, ConversionError, inputWidth } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { axes, f64 } from './graph-ops.js';
import { keepsMissing } from './scalers.js';
import { normalPpf, where } from './special-functions.js';

const BOUNDS_THRESHOLD = 1e-7;

/**
 * np.interp(x, xp[f], fp[f]) for every feature f at once, step by step as numpy computes it: j is the last index
 * with xp[j] ≤ x; fp[0] left of the table, fp[-1] from its last point on, fp[j] when x equals xp[j], else
 * slope[j] * (x - xp[j]) + fp[j] with slope[j] = (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]).
 * xp and fp are row-major [F, M].
 */
function interp(g: GraphBuilder, x: string, xp: Float64Array, fp: Float64Array, features: number, m: number): string {
  const slopes = new Float64Array(features * m);
  for (let f = 0; f < features; f++) {
    for (let j = 0; j + 1 < m; j++) {
      const a = f * m + j;
      slopes[a] = (fp[a + 1] - fp[a]) / (xp[a + 1] - xp[a]);
    }
  }
  const below = g.op('LessOrEqual', [f64(g, 'xp', xp, [features, m]), g.op('Unsqueeze', [x, axes(g, 2)])]);
  // int32 counts: the [N, F, M] comparison is the largest value in the graph.
  const count = g.op('ReduceSum', [g.op('Cast', [below], { to: { int: 6 } }), axes(g, 2)], { keepdims: { int: 0 } });
  const int32 = (name: string, values: number[], dims: number[]) => g.constant(name, { type: 'int32', dims, values });
  const j = g.op('Clip', [g.op('Sub', [count, int32('one', [1], [])]), int32('low', [0], []), int32('high', [Math.max(0, m - 2)], [])]);
  const flat = g.op('Add', [j, int32('offsets', Array.from({ length: features }, (_, f) => f * m), [features])]);
  const pick = (table: Float64Array) => g.op('Gather', [f64(g, 'table', table, [features * m]), flat], { axis: { int: 0 } });
  const xpj = pick(xp);
  const fpj = pick(fp);
  const between = g.op('Add', [g.op('Mul', [pick(slopes), g.op('Sub', [x, xpj])]), fpj]);
  const first = Float64Array.from({ length: features }, (_, f) => fp[f * m]);
  const last = Float64Array.from({ length: features }, (_, f) => fp[f * m + m - 1]);
  const onPoint = where(g, g.op('Equal', [x, xpj]), fpj, between);
  const right = where(g, g.op('Equal', [count, int32('m', [m], [])]), f64(g, 'last', last, [features]), onPoint);
  return where(g, g.op('Equal', [count, int32('zero', [0], [])]), f64(g, 'first', first, [features]), right);
}

function quantileTransformer(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const quantiles = array(estimator, 'quantiles_');
  const references = array(estimator, 'references_').numbers();
  const [m, features] = quantiles.shape;
  if (features !== input.width || references.length !== m) {
    throw new ConversionError(`QuantileTransformer: quantiles_ is ${m}×${features}, references_ has ${references.length}, the input ${input.width} features`);
  }
  const q = quantiles.numbers();
  // Per feature: quantiles up and references, and (for the downward pass) -quantiles[::-1] and -references[::-1].
  const up = new Float64Array(features * m);
  const upRef = new Float64Array(features * m);
  const down = new Float64Array(features * m);
  const downRef = new Float64Array(features * m);
  for (let f = 0; f < features; f++) {
    for (let j = 0; j < m; j++) {
      up[f * m + j] = q[j * features + f];
      upRef[f * m + j] = references[j];
      down[f * m + j] = -q[(m - 1 - j) * features + f];
      downRef[f * m + j] = -references[m - 1 - j];
    }
  }
  const x = input.name;
  const upwards = interp(g, x, up, upRef, features, m);
  const downwards = interp(g, g.op('Neg', [x]), down, downRef, features, m);
  let y = g.op('Mul', [f64(g, 'half', [0.5], []), g.op('Sub', [upwards, downwards])]);
  const low = f64(g, 'low', Float64Array.from({ length: features }, (_, f) => up[f * m]), [features]);
  const high = f64(g, 'high', Float64Array.from({ length: features }, (_, f) => up[f * m + m - 1]), [features]);
  const distribution = attr(estimator, 'output_distribution');
  let atLow: string;
  let atHigh: string;
  if (distribution === 'normal') {
    const t = f64(g, 'threshold', [BOUNDS_THRESHOLD], []);
    atLow = g.op('Less', [g.op('Sub', [x, t]), low]);
    atHigh = g.op('Greater', [g.op('Add', [x, t]), high]);
  } else if (distribution === 'uniform') {
    atLow = g.op('Equal', [x, low]);
    atHigh = g.op('Equal', [x, high]);
  } else {
    throw new ConversionError(`QuantileTransformer: output_distribution '${String(distribution)}' is not supported`);
  }
  // The upper bound is set first, so a constant feature (low = high) maps to 0.
  y = where(g, atLow, f64(g, 'zero', [0], []), where(g, atHigh, f64(g, 'one', [1], []), y));
  if (distribution === 'normal') {
    const eps = Number.EPSILON;
    const bounds = normalPpf(g, f64(g, 'bounds', [BOUNDS_THRESHOLD - eps, 1 - (BOUNDS_THRESHOLD - eps)], [2]));
    const [clipMin, clipMax] = [0, 1].map((i) => g.op('Gather', [bounds, g.constant('i', { type: 'int64', dims: [], values: [i] })], { axis: { int: 0 } }));
    y = g.op('Min', [g.op('Max', [normalPpf(g, y), clipMin]), clipMax]);
  }
  y = where(g, g.op('IsNaN', [x]), x, y);
  return { kind: 'features', features: { name: y, width: features, type: 'float64' } };
}

register({ classes: ['QuantileTransformer'], inputWidth, columnFacts: keepsMissing, convert: quantileTransformer });
