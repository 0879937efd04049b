// VotingClassifier/Regressor and StackingClassifier/Regressor: their members run on the same input in one graph
// and are combined in the order and arithmetic scikit-learn uses.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { attr, classesOf, ConversionError, objectAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { axes, columns, f64 } from './graph-ops.js';
import { oneHot } from './labels.js';
import { memberResponse, memberResult, membersInputWidth, type ResponseMethod } from './members.js';
import { pairwise } from './numpy-order.js';

function fittedMembers(estimator: PyObject): unknown[] {
  const members = attr(estimator, 'estimators_');
  if (!Array.isArray(members) || members.length === 0) {
    throw new ConversionError(`${shortName(estimator)}: estimators_ is missing (is the estimator fitted?)`);
  }
  return members;
}

/** The weights of the members that were not dropped (_weights_not_none), or null when unweighted. */
function memberWeights(estimator: PyObject, count: number): number[] | null {
  const weights = attr(estimator, 'weights');
  if (weights === null || weights === undefined) return null;
  const declared = attr(estimator, 'estimators');
  const list = Array.isArray(weights) ? weights : null;
  if (!list || !Array.isArray(declared) || list.length !== declared.length) {
    throw new ConversionError(`${shortName(estimator)}: weights do not match its estimators`);
  }
  const kept = list.filter((_, i) => {
    const entry = declared[i];
    return !(Array.isArray(entry) && entry[1] === 'drop');
  }).map(Number);
  if (kept.length !== count) throw new ConversionError(`${shortName(estimator)}: weights do not match its fitted estimators`);
  return kept;
}

/**
 * np.average over the members: Σ_i w_i·x_i / Σ_i w_i, or the mean when unweighted. Members on the outer axis
 * (classifiers' probabilities) are added one after the other; on the inner, contiguous axis (regressors'
 * predictions side by side) numpy adds pairwise.
 */
function weightedAverage(g: GraphBuilder, tensors: string[], weights: number[] | null, order: 'sequential' | 'pairwise'): string {
  const terms = tensors.map((t, i) => (weights ? g.op('Mul', [t, f64(g, 'weight', [weights[i]], [])]) : t));
  const sum = order === 'pairwise' ? pairwise(terms, (a, b) => g.op('Add', [a, b])) : terms.reduce((a, b) => g.op('Add', [a, b]));
  const scale = !weights ? tensors.length : order === 'pairwise' ? pairwise(weights, (a, b) => a + b) : weights.reduce((a, b) => a + b);
  return g.op('Div', [sum, f64(g, 'scale', [scale], [])]);
}

function votingClassifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const owner = shortName(estimator);
  const classes = classesOf(estimator.has('classes_') ? estimator : objectAttr(estimator, 'le_'));
  const members = fittedMembers(estimator);
  const weights = memberWeights(estimator, members.length);
  const voting = attr(estimator, 'voting');
  if (voting === 'soft') {
    const probas = members.map((m) => memberResponse(m, 'predict_proba', input, g, owner));
    if (probas.some((p) => p.width !== classes.length)) throw new ConversionError(`${owner}: a member does not predict every class`);
    const probabilities = weightedAverage(g, probas.map((p) => p.tensor), weights, 'sequential');
    return { kind: 'classifier', probabilities, decision: probabilities, classes };
  }
  if (voting !== 'hard') throw new ConversionError(`${owner}: voting '${String(voting)}' is not supported`);
  // argmax(bincount(predictions, weights)): votes per class summed in member order, first maximum wins.
  const votes = members.map((m, i) => {
    const label = memberResponse(m, 'predict', input, g, owner).tensor;
    const row = oneHot(g, g.op('Cast', [g.op('Squeeze', [label, axes(g, 1)])], { to: { int: 7 } }), classes.length);
    return weights ? g.op('Mul', [row, f64(g, 'weight', [weights[i]], [])]) : row;
  }).reduce((a, b) => g.op('Add', [a, b]));
  // Hard voting has no predict_proba.
  return { kind: 'classifier', decision: votes, classes };
}

function votingRegressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const owner = shortName(estimator);
  const members = fittedMembers(estimator);
  const predictions = members.map((m) => memberResponse(m, 'predict', input, g, owner));
  if (predictions.some((p) => p.width !== 1)) throw new ConversionError(`${owner}: multi-output members are not supported`);
  const value = weightedAverage(g, predictions.map((p) => p.tensor), memberWeights(estimator, members.length), 'pairwise');
  return { kind: 'regressor', value, targets: 1 };
}

/** The stacked features: each member's output (binary probabilities without their first column), then X if passthrough. */
function stackedFeatures(estimator: PyObject, input: Features, g: GraphBuilder, nClasses: number): Features {
  const owner = shortName(estimator);
  const members = fittedMembers(estimator);
  const methods = attr(estimator, 'stack_method_');
  if (!Array.isArray(methods) || methods.length !== members.length) throw new ConversionError(`${owner}: stack_method_ does not match estimators_`);
  const parts: { tensor: string; width: number }[] = members.map((m, i) => {
    const method = methods[i] as ResponseMethod;
    if (!['predict_proba', 'decision_function', 'predict'].includes(method)) throw new ConversionError(`${owner}: stack method '${String(method)}' is not supported`);
    const out = memberResponse(m, method, input, g, owner);
    if (method === 'predict_proba' && nClasses === 2) return { tensor: columns(g, out.tensor, 1, out.width), width: out.width - 1 };
    return out;
  });
  if (attr(estimator, 'passthrough') === true) parts.push({ tensor: input.name, width: input.width });
  const width = parts.reduce((a, p) => a + p.width, 0);
  const name = parts.length === 1 ? parts[0].tensor : g.op('Concat', parts.map((p) => p.tensor), { axis: { int: 1 } });
  return { name, width, type: 'float64' };
}

function finalEstimator(estimator: PyObject, features: Features, g: GraphBuilder): StepResult {
  return memberResult(objectAttr(estimator, 'final_estimator_'), features, g, shortName(estimator));
}

function stackingClassifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const owner = shortName(estimator);
  const encoder = estimator.has('_label_encoder') ? '_label_encoder' : '_le';
  const classes = classesOf(estimator.has('classes_') ? estimator : objectAttr(estimator, encoder));
  const result = finalEstimator(estimator, stackedFeatures(estimator, input, g, classes.length), g);
  if (result.kind !== 'classifier' || result.classes.length !== classes.length) {
    throw new ConversionError(`${owner}: the final estimator must be a classifier of the same classes`);
  }
  // The final estimator learned the encoded labels 0…k-1; predict decodes them through the label encoder.
  return { ...result, classes };
}

function stackingRegressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const result = finalEstimator(estimator, stackedFeatures(estimator, input, g, 0), g);
  if (result.kind !== 'regressor') throw new ConversionError(`${shortName(estimator)}: the final estimator must be a regressor`);
  return result;
}

register({ classes: ['VotingClassifier'], inputWidth: membersInputWidth, convert: votingClassifier });
register({ classes: ['VotingRegressor'], inputWidth: membersInputWidth, convert: votingRegressor });
register({ classes: ['StackingClassifier'], inputWidth: membersInputWidth, convert: stackingClassifier });
register({ classes: ['StackingRegressor'], inputWidth: membersInputWidth, convert: stackingRegressor });
