// The members of ensembles and calibrated classifiers: each one (an estimator or a Pipeline) is converted by its
// registered converter on the same input features, and gives what scikit-learn would call on it.
import type { GraphBuilder } from '../../onnx/builder.js';
import { PyObject } from '../pickle/values.js';
import { ConversionError, optionalNumber, shortName } from './attrs.js';
import { applySteps, flattenSteps } from './compose.js';
import { converterFor, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';
import { decisionFunction, LINEAR_CLASSIFIERS } from './linear.js';

export type ResponseMethod = 'predict_proba' | 'decision_function' | 'predict';

/** A member's output in the graph: [N, width] float64. */
export interface Response {
  tensor: string;
  width: number;
}

/** Classifiers whose decision_function is X @ coef_.T + intercept_ (LinearSVC's converter lives with the SVMs). */
const LINEAR_DECISION_FUNCTIONS = new Set([...LINEAR_CLASSIFIERS, 'LinearSVC']);

/** Classifiers with a decision_function Modelport does not compute: calibration and stacking refuse them. */
const OTHER_DECISION_FUNCTIONS = new Set(['SVC', 'NuSVC', 'GradientBoostingClassifier', 'HistGradientBoostingClassifier',
  'AdaBoostClassifier', 'LinearDiscriminantAnalysis', 'QuadraticDiscriminantAnalysis', 'StackingClassifier', 'OneVsRestClassifier',
  'OneVsOneClassifier']);

function steps(member: unknown, owner: string): PyObject[] {
  const all = flattenSteps([member]);
  if (all.length === 0) throw new ConversionError(`${owner}: a fitted member is missing`);
  return all;
}

/** The member's own result (classifier, regressor…) on `input`. */
export function memberResult(member: unknown, input: Features, g: GraphBuilder, owner: string): StepResult {
  return applySteps(steps(member, owner), input, g);
}

/** Which of decision_function and predict_proba scikit-learn's calibration uses: the first the member has. */
export function calibrationMethod(member: unknown, owner: string): ResponseMethod {
  const all = steps(member, owner);
  const name = shortName(all[all.length - 1]);
  return LINEAR_DECISION_FUNCTIONS.has(name) || OTHER_DECISION_FUNCTIONS.has(name) ? 'decision_function' : 'predict_proba';
}

/** getattr(member, method)(X) as a 2-D float64 tensor; a 1-D result (binary decision, predict) is one column. */
export function memberResponse(member: unknown, method: ResponseMethod, input: Features, g: GraphBuilder, owner: string): Response {
  const all = steps(member, owner);
  const last = all[all.length - 1];
  if (method === 'decision_function') {
    if (!LINEAR_DECISION_FUNCTIONS.has(shortName(last))) {
      throw new ConversionError(`${owner}: the decision_function of ${shortName(last)} is not supported as a member's output`);
    }
    const before = applySteps(all.slice(0, -1), input, g);
    if (before.kind !== 'features') throw new ConversionError(`${owner}: a member's Pipeline predicts before its last step`);
    const { scores, outputs } = decisionFunction(last, before.features, g);
    return { tensor: scores, width: outputs };
  }
  const result = applySteps(all, input, g);
  if (method === 'predict_proba') {
    if (result.kind === 'classifier' && result.probabilityStage) {
      // libsvm's coupling runs after the graph, so it cannot feed another step inside it.
      throw new ConversionError(`${owner}: the probabilities of a ${shortName(last)} member are not supported; use its decision_function (probability=False)`);
    }
    if (result.kind !== 'classifier' || !result.probabilities) throw new ConversionError(`${owner}: ${shortName(last)} has no predict_proba`);
    return { tensor: result.probabilities, width: result.classes.length };
  }
  if (result.kind === 'regressor') return { tensor: result.value, width: result.targets };
  if (result.kind !== 'classifier') throw new ConversionError(`${owner}: ${shortName(last)} does not predict`);
  // Members are fitted on encoded labels (0…k-1), so predict gives numbers: classes_[argmax].
  if (!result.classes.every((c) => typeof c === 'number')) throw new ConversionError(`${owner}: a member predicts labels that are not numbers`);
  const index = g.op('ArgMax', [result.decision], { axis: { int: 1 }, keepdims: { int: 1 }, select_last_index: { int: 0 } });
  const values = f64(g, 'member_classes', result.classes as number[], [result.classes.length]);
  return { tensor: g.op('Gather', [values, index], { axis: { int: 0 } }), width: 1 };
}

/** n_features_in_, or the first fitted member's (voting and stacking estimators delegate it to their members). */
export function membersInputWidth(estimator: PyObject): number {
  const own = optionalNumber(estimator, 'n_features_in_');
  if (own !== null) return own;
  const members = estimator.get('estimators_') ?? estimator.get('calibrated_classifiers_');
  const first = Array.isArray(members) ? members[0] : undefined;
  const member = first instanceof PyObject && shortName(first) === '_CalibratedClassifier' ? first.get('estimator') ?? first.get('base_estimator') : first;
  const head = steps(member, shortName(estimator))[0];
  return converterFor(head).inputWidth(head);
}
