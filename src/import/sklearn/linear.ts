// Linear models: LogisticRegression (binary, multinomial, one-vs-rest), the SGD family (SGDClassifier, Perceptron,
// PassiveAggressive*), RidgeClassifier, the least-squares regressors and the GLMs (Poisson, Gamma, Tweedie).
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, ConversionError, inputWidth, objectAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { affine, binaryDecision, binaryProbabilities, f64, reduceSum, transpose } from './graph-ops.js';
import { fittedClasses } from './labels.js';
import { expit, onnxExp } from './loss-links.js';

/** decision_function: X @ coef_.T + intercept_ as [N, outputs] (outputs = 1 for a binary classifier). */
export function decisionFunction(estimator: PyObject, input: Features, g: GraphBuilder): { scores: string; outputs: number } {
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
  const classes = fittedClasses(estimator);
  const { scores } = decisionFunction(estimator, input, g);
  const multiClass = attr(estimator, 'multi_class');
  const solver = attr(estimator, 'solver');
  const ovr = multiClass === 'ovr' || multiClass === 'warn'
    || ((multiClass === 'auto' || multiClass === undefined || multiClass === 'deprecated') && (classes.length <= 2 || solver === 'liblinear'));
  if (classes.length === 2) {
    const decision = binaryDecision(g, scores);
    // One-vs-rest: [1 - expit(d), expit(d)]; multinomial on two classes: softmax([-d, d]).
    const probabilities = ovr ? binaryProbabilities(g, expit(g, scores, onnxExp)) : g.op('Softmax', [decision], { axis: { int: 1 } });
    return { kind: 'classifier', probabilities, decision, classes };
  }
  if (ovr) {
    const p = expit(g, scores, onnxExp);
    return { kind: 'classifier', probabilities: g.op('Div', [p, reduceSum(g, p, 1)]), decision: scores, classes };
  }
  return { kind: 'classifier', probabilities: g.op('Softmax', [scores], { axis: { int: 1 } }), decision: scores, classes };
}

/** Each row divided by its sum; a row of zeros becomes uniform, as SGDClassifier's predict_proba makes it. */
function normalizeRows(g: GraphBuilder, p: string, width: number): string {
  const sum = reduceSum(g, p, 1);
  const allZero = g.op('Equal', [sum, f64(g, 'zero', [0], [])]);
  return g.op('Div', [g.op('Where', [allZero, f64(g, 'one', [1], []), p]), g.op('Where', [allZero, f64(g, 'width', [width], []), sum])]);
}

/** _predict_proba_lr: expit of the decision, [1 - p, p] for two classes, else one-vs-rest rows normalised. */
function oneVsRestProbabilities(g: GraphBuilder, scores: string, width: number): string {
  const p = expit(g, scores, onnxExp);
  return width === 2 ? binaryProbabilities(g, p) : normalizeRows(g, p, width);
}

/** modified_huber: (clip(d, -1, 1) + 1) / 2, [1 - p, p] for two classes, else rows normalised. */
function modifiedHuberProbabilities(g: GraphBuilder, scores: string, width: number): string {
  const clipped = g.op('Clip', [scores, f64(g, 'lo', [-1], []), f64(g, 'hi', [1], [])]);
  const p = g.op('Div', [g.op('Add', [clipped, f64(g, 'one', [1], [])]), f64(g, 'two', [2], [])]);
  return width === 2 ? binaryProbabilities(g, p) : normalizeRows(g, p, width);
}

/**
 * Classifiers that predict classes_[argmax(decision_function)] (d > 0 for two classes). SGDClassifier with log or
 * modified Huber loss has predict_proba; the others (hinge, Perceptron, RidgeClassifier, PassiveAggressive) have
 * none, and answer with the label alone.
 */
function linearClassifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = fittedClasses(estimator);
  const { scores } = decisionFunction(estimator, input, g);
  const decision = classes.length === 2 ? binaryDecision(g, scores) : scores;
  const loss = shortName(estimator) === 'SGDClassifier' ? attr(estimator, 'loss') : undefined;
  if (loss === 'log_loss' || loss === 'log') return { kind: 'classifier', probabilities: oneVsRestProbabilities(g, scores, classes.length), decision, classes };
  if (loss === 'modified_huber') return { kind: 'classifier', probabilities: modifiedHuberProbabilities(g, scores, classes.length), decision, classes };
  return { kind: 'classifier', decision, classes };
}

function leastSquares(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { scores, outputs } = decisionFunction(estimator, input, g);
  return { kind: 'regressor', value: scores, targets: outputs };
}

/** Poisson, Gamma and Tweedie regression: the inverse of the loss's link applied to X @ coef_ + intercept_. */
function generalizedLinear(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const link = shortName(objectAttr(objectAttr(estimator, '_base_loss'), 'link'));
  const { scores, outputs } = decisionFunction(estimator, input, g);
  if (link === 'IdentityLink') return { kind: 'regressor', value: scores, targets: outputs };
  if (link === 'LogLink') return { kind: 'regressor', value: g.op('Exp', [scores]), targets: outputs };
  throw new ConversionError(`${shortName(estimator)}: the ${link} link is not supported (log and identity are)`);
}

register({ classes: ['LogisticRegression', 'LogisticRegressionCV'], inputWidth, convert: logistic });
register({
  classes: ['LinearRegression', 'Ridge', 'RidgeCV', 'Lasso', 'LassoCV', 'ElasticNet', 'ElasticNetCV', 'MultiTaskLasso', 'MultiTaskLassoCV',
    'MultiTaskElasticNet', 'MultiTaskElasticNetCV', 'Lars', 'LarsCV', 'LassoLars', 'LassoLarsCV', 'LassoLarsIC',
    'OrthogonalMatchingPursuit', 'OrthogonalMatchingPursuitCV', 'BayesianRidge', 'ARDRegression', 'HuberRegressor',
    'TheilSenRegressor', 'QuantileRegressor', 'SGDRegressor', 'PassiveAggressiveRegressor'],
  inputWidth,
  convert: leastSquares,
});
register({ classes: ['PoissonRegressor', 'GammaRegressor', 'TweedieRegressor'], inputWidth, convert: generalizedLinear });

/** Classifiers whose decision_function is decisionFunction() above. */
export const LINEAR_CLASSIFIERS: readonly string[] = ['LogisticRegression', 'LogisticRegressionCV', 'SGDClassifier', 'RidgeClassifier',
  'RidgeClassifierCV', 'Perceptron', 'PassiveAggressiveClassifier'];

register({
  classes: ['SGDClassifier', 'RidgeClassifier', 'RidgeClassifierCV', 'Perceptron', 'PassiveAggressiveClassifier'],
  inputWidth,
  convert: linearClassifier,
});
