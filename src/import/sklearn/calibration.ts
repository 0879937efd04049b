// CalibratedClassifierCV: each calibrated classifier maps its estimator's decision_function (or predict_proba) through
// one calibrator per class (Platt's sigmoid or isotonic regression), normalises, and the classifiers are averaged.
import type { GraphBuilder } from '../../onnx/builder.js';
import { PyObject } from '../pickle/values.js';
import { array, attr, classesOf, ConversionError, numberAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { columns, f64, reduceSum } from './graph-ops.js';
import { expit, onnxExp } from './loss-links.js';
import { calibrationMethod, memberResponse, membersInputWidth } from './members.js';

const OWNER = 'CalibratedClassifierCV';

/** _SigmoidCalibration.predict: expit(-(a_ * T + b_)). */
function sigmoid(calibrator: PyObject, t: string, g: GraphBuilder): string {
  const scaled = g.op('Mul', [t, f64(g, 'a', [numberAttr(calibrator, 'a_')], [])]);
  return expit(g, g.op('Neg', [g.op('Add', [scaled, f64(g, 'b', [numberAttr(calibrator, 'b_')], [])])]), onnxExp);
}

const int64 = (g: GraphBuilder, name: string, value: number) => g.constant(name, { type: 'int64', dims: [], values: [value] });

/**
 * IsotonicRegression.predict: np.interp over the thresholds (scipy's interp1d delegates to it) — a value equal to a
 * threshold gives that threshold's y exactly, others slope_j * (x - x_j) + y_j on the segment x_j <= x < x_{j+1} —
 * after clipping T to [X_min_, X_max_] (out_of_bounds='clip', as calibration uses), or NaN outside the thresholds
 * (out_of_bounds='nan', the default).
 */
function isotonic(calibrator: PyObject, t: string, g: GraphBuilder): string {
  const xs = array(calibrator, 'X_thresholds_').numbers();
  const ys = array(calibrator, 'y_thresholds_').numbers();
  const n = xs.length;
  if (n === 0 || ys.length !== n) throw new ConversionError('IsotonicRegression: X_thresholds_ and y_thresholds_ are missing or malformed');
  if (n === 1) return g.op('Expand', [f64(g, 'y', [ys[0]], [1, 1]), g.op('Shape', [t])]);
  const outOfBounds = attr(calibrator, 'out_of_bounds');
  if (outOfBounds !== 'clip' && outOfBounds !== 'nan') {
    throw new ConversionError(`IsotonicRegression: out_of_bounds='${String(outOfBounds)}' is not supported (clip and nan are)`);
  }
  const x = outOfBounds === 'clip'
    ? g.op('Clip', [t, f64(g, 'x_min', [numberAttr(calibrator, 'X_min_')], []), f64(g, 'x_max', [numberAttr(calibrator, 'X_max_')], [])])
    : t;
  const slopes = Float64Array.from({ length: n - 1 }, (_, j) => (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]));
  // j = (number of thresholds <= x) - 1, kept within the table.
  const atOrBelow = g.op('Cast', [g.op('LessOrEqual', [f64(g, 'x_thresholds', xs, [1, n]), x])], { to: { int: 7 } });
  const count = reduceSum(g, atOrBelow, 1);
  const j = g.op('Clip', [g.op('Sub', [count, int64(g, 'one', 1)]), int64(g, 'first', 0), int64(g, 'last', n - 1)]);
  const segment = g.op('Min', [j, int64(g, 'last_segment', n - 2)]);
  const gather = (values: ArrayLike<number>, name: string, index: string) =>
    g.op('Gather', [f64(g, name, values, [values.length]), index], { axis: { int: 0 } });
  const xj = gather(xs, 'xs', segment);
  const interpolated = g.op('Add', [g.op('Mul', [gather(slopes, 'slopes', segment), g.op('Sub', [x, xj])]), gather(ys, 'ys', segment)]);
  const onThreshold = g.op('Equal', [x, gather(xs, 'xs', j)]);
  const y = g.op('Where', [onThreshold, gather(ys, 'ys', j), interpolated]);
  if (outOfBounds === 'clip') return y;
  const outside = g.op('Or', [g.op('Less', [x, f64(g, 'first_x', [xs[0]], [])]), g.op('Greater', [x, f64(g, 'last_x', [xs[n - 1]], [])])]);
  return g.op('Where', [outside, f64(g, 'nan', [NaN], []), y]);
}

function calibrate(calibrator: unknown, t: string, g: GraphBuilder): string {
  if (!(calibrator instanceof PyObject)) throw new ConversionError(`${OWNER}: a calibrator is missing`);
  switch (shortName(calibrator)) {
    case '_SigmoidCalibration': return sigmoid(calibrator, t, g);
    case 'IsotonicRegression': return isotonic(calibrator, t, g);
    default: throw new ConversionError(`${OWNER}: calibrator ${shortName(calibrator)} is not supported (sigmoid and isotonic are)`);
  }
}

/** The first attribute present among the names different versions used. */
function either(obj: PyObject, names: string[]): unknown {
  for (const name of names) if (obj.has(name)) return obj.get(name);
  throw new ConversionError(`${OWNER}: a calibrated classifier has no ${names.join(' or ')}`);
}

/** _CalibratedClassifier.predict_proba, [N, classes]. */
function calibratedProbabilities(calibrated: PyObject, classes: (string | number)[], input: Features, g: GraphBuilder): string {
  const method = calibrated.get('method');
  if (method !== undefined && method !== 'sigmoid' && method !== 'isotonic') {
    throw new ConversionError(`${OWNER}: method '${String(method)}' is not supported (sigmoid and isotonic are)`);
  }
  const estimator = either(calibrated, ['estimator', 'base_estimator']);
  const calibrators = either(calibrated, ['calibrators', 'calibrators_']);
  if (!(estimator instanceof PyObject) || !Array.isArray(calibrators)) throw new ConversionError(`${OWNER}: a calibrated classifier is malformed`);
  const k = classes.length;
  const responseMethod = calibrationMethod(estimator, OWNER);
  const response = memberResponse(estimator, responseMethod, input, g, OWNER);
  let predictions = response.tensor;
  let width = response.width;
  // Binary probabilities: only the positive class's column is calibrated.
  if (responseMethod === 'predict_proba' && k === 2) {
    predictions = columns(g, predictions, 1, 2);
    width = 1;
  }
  const estimatorClasses = classesOf(estimator.has('classes_') ? estimator : lastStep(estimator));
  if (calibrators.length !== width) throw new ConversionError(`${OWNER}: ${calibrators.length} calibrators for ${width} outputs`);
  const perClass = new Array<string | null>(k).fill(null);
  calibrators.forEach((calibrator, i) => {
    const classIndex = k === 2 ? 1 : classes.indexOf(estimatorClasses[i]);
    if (classIndex < 0) throw new ConversionError(`${OWNER}: the estimator knows a class the calibrated classifier does not`);
    const column = columns(g, predictions, i, i + 1);
    perClass[classIndex] = calibrate(calibrator, column, g);
  });
  let proba: string;
  if (k === 2) {
    proba = g.op('Concat', [g.op('Sub', [f64(g, 'one', [1], []), perClass[1]!]), perClass[1]!], { axis: { int: 1 } });
  } else {
    // A class the estimator never saw keeps probability 0 before normalisation.
    const zero = g.op('Expand', [f64(g, 'zero', [0], [1, 1]), g.op('Shape', [columns(g, predictions, 0, 1)])]);
    const raw = g.op('Concat', perClass.map((c) => c ?? zero), { axis: { int: 1 } });
    // Divided by the row sum; a row whose calibrators all gave 0 becomes uniform.
    const sum = reduceSum(g, raw, 1);
    const zeroSum = g.op('Equal', [sum, f64(g, 'zero', [0], [])]);
    proba = g.op('Where', [zeroSum, f64(g, 'uniform', [1 / k], []), g.op('Div', [raw, sum])]);
  }
  // Probabilities above 1 by at most 1e-5 (rounding) become 1.
  const one = f64(g, 'one', [1], []);
  const barelyAbove = g.op('And', [g.op('Less', [one, proba]), g.op('LessOrEqual', [proba, f64(g, 'limit', [1 + 1e-5], [])])]);
  return g.op('Where', [barelyAbove, one, proba]);
}

function lastStep(estimator: PyObject): PyObject {
  const steps = estimator.get('steps');
  const last = Array.isArray(steps) ? steps[steps.length - 1] : undefined;
  const step = Array.isArray(last) ? last[1] : undefined;
  if (!(step instanceof PyObject)) throw new ConversionError(`${OWNER}: the calibrated estimator has no classes_`);
  return step;
}

/** CalibratedClassifierCV.predict_proba: the calibrated classifiers' probabilities added in order, over their count. */
function calibratedClassifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = classesOf(estimator);
  const members = attr(estimator, 'calibrated_classifiers_');
  if (!Array.isArray(members) || members.length === 0) throw new ConversionError(`${OWNER}: calibrated_classifiers_ is missing (is it fitted?)`);
  let sum: string | null = null;
  for (const member of members) {
    if (!(member instanceof PyObject)) throw new ConversionError(`${OWNER}: calibrated_classifiers_ holds something else`);
    const p = calibratedProbabilities(member, classes, input, g);
    sum = sum ? g.op('Add', [sum, p]) : p;
  }
  const probabilities = members.length === 1 ? sum! : g.op('Div', [sum!, f64(g, 'count', [members.length], [])]);
  return { kind: 'classifier', probabilities, decision: probabilities, classes };
}

/** IsotonicRegression on its own: one feature in, its interpolated value out. */
function isotonicRegressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  if (input.width !== 1) throw new ConversionError(`IsotonicRegression takes one feature, the input has ${input.width}`);
  return { kind: 'regressor', value: isotonic(estimator, input.name, g), targets: 1 };
}

register({ classes: ['IsotonicRegression'], inputWidth: () => 1, convert: isotonicRegressor });
register({ classes: ['CalibratedClassifierCV'], inputWidth: membersInputWidth, convert: calibratedClassifier });
