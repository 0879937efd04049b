// StandardScaler, MinMaxScaler, RobustScaler and MaxAbsScaler: the same elementwise arithmetic as transform(), in the
// same order.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { NdArray } from '../pickle/numpy.js';
import type { PyObject } from '../pickle/values.js';
import { attr, inputWidth, optionalArray, array } from './attrs.js';
import { register, type ColumnFacts, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';

/**
 * Transformers that keep NaN as NaN in its column (scikit-learn's scalers, QuantileTransformer, PowerTransformer):
 * whether a missing value is accepted is up to the steps after them.
 */
export function keepsMissing(estimator: PyObject): ColumnFacts[] {
  return Array.from({ length: inputWidth(estimator) }, () => ({ passes: true }));
}

/** (x - center) / scale, each part only where the estimator keeps it. */
function centerThenScale(center: NdArray | null, scale: NdArray | null, input: Features, g: GraphBuilder): StepResult {
  let x = input.name;
  if (center) x = g.op('Sub', [x, f64(g, 'center', center.numbers(), [input.width])]);
  if (scale) x = g.op('Div', [x, f64(g, 'scale', scale.numbers(), [input.width])]);
  if (x === input.name) x = g.op('Identity', [x]);
  return { kind: 'features', features: { name: x, width: input.width, type: 'float64' } };
}

/** StandardScaler.transform, also what PowerTransformer(standardize=True) applies last. */
export function standard(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const mean = attr(estimator, 'with_mean') === false ? null : optionalArray(estimator, 'mean_');
  const scale = attr(estimator, 'with_std') === false ? null : optionalArray(estimator, 'scale_');
  return centerThenScale(mean, scale, input, g);
}

function robust(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const center = attr(estimator, 'with_centering') === false ? null : optionalArray(estimator, 'center_');
  const scale = attr(estimator, 'with_scaling') === false ? null : optionalArray(estimator, 'scale_');
  return centerThenScale(center, scale, input, g);
}

function maxAbs(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  return centerThenScale(null, array(estimator, 'scale_'), input, g);
}

function minMax(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  let x = g.op('Mul', [input.name, f64(g, 'scale', array(estimator, 'scale_').numbers(), [input.width])]);
  x = g.op('Add', [x, f64(g, 'min', array(estimator, 'min_').numbers(), [input.width])]);
  const range = attr(estimator, 'feature_range');
  if (attr(estimator, 'clip') === true && Array.isArray(range)) {
    x = g.op('Max', [x, f64(g, 'low', [Number(range[0])], [])]);
    x = g.op('Min', [x, f64(g, 'high', [Number(range[1])], [])]);
  }
  return { kind: 'features', features: { name: x, width: input.width, type: 'float64' } };
}

register({ classes: ['StandardScaler'], inputWidth, columnFacts: keepsMissing, convert: standard });
// clip=True clips with Max/Min, whose NaN handling onnxruntime does not promise.
register({ classes: ['MinMaxScaler'], inputWidth, columnFacts: (e) => (attr(e, 'clip') === true ? [] : keepsMissing(e)), convert: minMax });
register({ classes: ['RobustScaler'], inputWidth, columnFacts: keepsMissing, convert: robust });
register({ classes: ['MaxAbsScaler'], inputWidth, columnFacts: keepsMissing, convert: maxAbs });
