// StandardScaler and MinMaxScaler: the same elementwise arithmetic as transform(), in the same order.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { attr, inputWidth, optionalArray, array } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';

function standard(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  let x = input.name;
  const mean = attr(estimator, 'with_mean') === false ? null : optionalArray(estimator, 'mean_');
  const scale = attr(estimator, 'with_std') === false ? null : optionalArray(estimator, 'scale_');
  if (mean) x = g.op('Sub', [x, f64(g, 'mean', mean.numbers(), [input.width])]);
  if (scale) x = g.op('Div', [x, f64(g, 'scale', scale.numbers(), [input.width])]);
  if (x === input.name) x = g.op('Identity', [x]);
  return { kind: 'features', features: { name: x, width: input.width, type: 'float64' } };
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

register({ classes: ['StandardScaler'], inputWidth, convert: standard });
register({ classes: ['MinMaxScaler'], inputWidth, convert: minMax });
