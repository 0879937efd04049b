// Linear models: LogisticRegression (binary, multinomial, one-vs-rest) and the least-squares family.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, classesOf, ConversionError, inputWidth, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { affine, binaryDecision, binaryProbabilities, reduceSum, transpose } from './graph-ops.js';

/** X @ coef_.T + intercept_ as [N, outputs]. */
function decisionFunction(estimator: PyObject, input: Features, g: GraphBuilder): { scores: string; outputs: number } {
  const coef = array(estimator, 'coef_');
  const outputs = coef.shape.length === 1 ? 1 : coef.shape[0];
  const width = coef.shape[coef.shape.length - 1];
  if (width !== input.width) throw new ConversionError(`${shortName(estimator)}: coef_ has ${width} features, the input ${input.width}`);
  const raw = attr(estimator, 'intercept_');
  let intercept: Float64Array;
  if (raw instanceof NdArray) intercept = raw.numbers();
  else if (typeof raw === 'number') intercept = new Float64Array(outputs).fill(raw);
  else throw new ConversionError(`${shortName(estimator)}: intercept_ is missing`);
  if (intercept.length === 1 && outputs > 1) intercept = new Float64Array(outputs).fill(intercept[0]);
  const weights = transpose(coef.numbers(), outputs, width);
  return { scores: affine(g, input.name, weights, width, outputs, intercept), outputs };
}

function logistic(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = classesOf(estimator);
  const { scores } = decisionFunction(estimator, input, g);
  const multiClass = attr(estimator, 'multi_class');
  const solver = attr(estimator, 'solver');
  const ovr = multiClass === 'ovr' || multiClass === 'warn'
    || ((multiClass === 'auto' || multiClass === undefined || multiClass === 'deprecated') && (classes.length <= 2 || solver === 'liblinear'));
  if (classes.length === 2) {
    const decision = binaryDecision(g, scores);
    // One-vs-rest: [1 - expit(d), expit(d)]; multinomial on two classes: softmax([-d, d]).
    const probabilities = ovr ? binaryProbabilities(g, g.op('Sigmoid', [scores])) : g.op('Softmax', [decision], { axis: { int: 1 } });
    return { kind: 'classifier', probabilities, decision, classes };
  }
  if (ovr) {
    const p = g.op('Sigmoid', [scores]);
    return { kind: 'classifier', probabilities: g.op('Div', [p, reduceSum(g, p, 1)]), decision: scores, classes };
  }
  return { kind: 'classifier', probabilities: g.op('Softmax', [scores], { axis: { int: 1 } }), decision: scores, classes };
}

function leastSquares(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { scores, outputs } = decisionFunction(estimator, input, g);
  return { kind: 'regressor', value: scores, targets: outputs };
}

register({ classes: ['LogisticRegression'], inputWidth, convert: logistic });
register({
  classes: ['LinearRegression', 'Ridge', 'Lasso', 'ElasticNet'],
  inputWidth,
  convert: leastSquares,
});
