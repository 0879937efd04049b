// GradientBoostingClassifier/Regressor: raw = init + Σ learning_rate · tree(x), accumulated in stage order.
// The init prediction is folded into each target's first tree so the ensemble's running sum follows
// scikit-learn's own order of additions. Before 1.4 the loss is a sklearn.ensemble._gb_losses object
// (BinomialDeviance, MultinomialDeviance, ExponentialLoss…); from 1.4 a sklearn._loss one (HalfBinomialLoss,
// HalfMultinomialLoss, ExponentialLoss…, holding a Cython loss kept as inert data), whose links differ.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject } from '../pickle/values.js';
import { treeEnsemble, type TargetTree } from '../trees/ensemble.js';
import { array, attr, classesOf, ConversionError, inputWidth, numberAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { binaryProbabilities, f64, normalizedExp } from './graph-ops.js';
import { exp, log, log1p } from './correctly-rounded.js';
import { expit, hasLossModuleLoss, lossName, softmax } from './loss-links.js';
import { numpySum } from './numeric.js';
import { readTree, roundToFloat32 } from './trees.js';

const FLOAT32_EPS = 2 ** -23;

/** scipy.special.logit as recent scipy computes it: log1p(s) - log1p(-s), s = 2(p - 0.5), for p in [0.3, 0.65]. */
function scipyLogit(p: number): number {
  if (p < 0.3 || p > 0.65) return log(p / (1 - p));
  const s = 2 * (p - 0.5);
  return log1p(s) - log1p(-s);
}

/** The init estimator's raw prediction per target, as _raw_predict_init computes it. */
export function initialRaw(estimator: PyObject, k: number, classifier: boolean): Float64Array {
  const init = attr(estimator, 'init_');
  if (init === 'zero') return new Float64Array(k);
  if (!(init instanceof PyObject) || !shortName(init).startsWith('Dummy')) {
    throw new ConversionError(`${shortName(estimator)}: only the default init estimator (or 'zero') is supported`);
  }
  if (!classifier) {
    const constant = array(init, 'constant_').numbers();
    return Float64Array.from({ length: k }, (_, i) => constant[i] ?? constant[0]);
  }
  const prior = array(init, 'class_prior_').numbers().map((p) => Math.min(Math.max(p, FLOAT32_EPS), 1 - FLOAT32_EPS));
  const loss = lossName(estimator);
  if (k === 1) {
    // scikit-learn ≥ 1.4 links with scipy's logit, older versions with numpy's log(p / (1 - p)).
    const logit = hasLossModuleLoss(estimator) ? scipyLogit(prior[1]) : log(prior[1] / (1 - prior[1]));
    return Float64Array.of(loss === 'ExponentialLoss' || loss === 'exponential' ? 0.5 * logit : logit);
  }
  const logs = prior.map(log);
  if (loss === 'HalfMultinomialLoss') {
    // scikit-learn ≥ 1.4 links multinomial priors symmetrically, around their geometric mean (scipy's gmean).
    const gmean = exp(numpySum(logs) / logs.length);
    return prior.map((p) => log(p / gmean));
  }
  return logs;
}

/** The raw prediction [N, k]: init + Σ learning_rate · tree(float32(x)), as _raw_predict adds it. */
export function boostingRaw(estimator: PyObject, input: Features, g: GraphBuilder, classifier: boolean): { raw: string; k: number } {
  const stages = attr(estimator, 'estimators_');
  if (!(stages instanceof NdArray) || !stages.objects || stages.shape.length !== 2) {
    throw new ConversionError(`${shortName(estimator)}: estimators_ is missing (is it fitted?)`);
  }
  const [nStages, k] = stages.shape;
  const rate = numberAttr(estimator, 'learning_rate');
  const base = initialRaw(estimator, k, classifier);
  const entries: TargetTree[] = [];
  for (let s = 0; s < nStages; s++) {
    for (let t = 0; t < k; t++) {
      const member = stages.objects[s * k + t];
      if (!(member instanceof PyObject)) throw new ConversionError(`${shortName(estimator)}: stage ${s} is not a tree`);
      const { layout, values } = readTree(member);
      const first = s === 0;
      entries.push({ tree: layout, target: t, leafWeight: (node) => (first ? base[t] + rate * values[node] : rate * values[node]) });
    }
  }
  if (nStages === 0) throw new ConversionError(`${shortName(estimator)}: it has no stages`);
  return { raw: treeEnsemble(g, roundToFloat32(g, input.name), entries, { nTargets: k, nFeatures: input.width, mode: 'LEQ', type: 'float64' }), k };
}

function boosting(estimator: PyObject, input: Features, g: GraphBuilder, classifier: boolean): StepResult {
  const { raw, k } = boostingRaw(estimator, input, g, classifier);
  if (!classifier) return { kind: 'regressor', value: raw, targets: k };
  const classes = classesOf(estimator);
  const loss = lossName(estimator);
  if (k === 1) {
    const exponential = loss === 'ExponentialLoss' || loss === 'exponential';
    // AdaBoost loss: p = expit(2·raw). Binomial deviance: p = expit(raw).
    const probabilities = binaryProbabilities(g, expit(g, exponential ? g.op('Mul', [raw, f64(g, 'two', [2], [])]) : raw));
    // predict() says class 1 where raw >= 0, except the old binomial deviance, which takes the argmax of [1 - p, p].
    if (!exponential && !hasLossModuleLoss(estimator)) return { kind: 'classifier', probabilities, decision: probabilities, classes };
    const positive = g.op('Cast', [g.op('GreaterOrEqual', [raw, f64(g, 'zero', [0], [])])], { to: { int: 11 } });
    return { kind: 'classifier', probabilities, decision: binaryProbabilities(g, positive), classes };
  }
  if (hasLossModuleLoss(estimator)) return { kind: 'classifier', probabilities: softmax(g, raw, k), decision: raw, classes };
  // MultinomialDeviance: exp(raw - logsumexp(raw)), and predict() takes the argmax of those probabilities.
  const probabilities = normalizedExp(g, raw);
  return { kind: 'classifier', probabilities, decision: probabilities, classes };
}

register({ classes: ['GradientBoostingClassifier'], inputWidth, convert: (e, i, g) => boosting(e, i, g, true) });
register({ classes: ['GradientBoostingRegressor'], inputWidth, convert: (e, i, g) => boosting(e, i, g, false) });
