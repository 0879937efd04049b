// GradientBoostingClassifier/Regressor: raw = init + Σ learning_rate · tree(x), accumulated in stage order.
// The init prediction is folded into each target's first tree so the ensemble's running sum follows
// scikit-learn's own order of additions.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject } from '../pickle/values.js';
import { treeEnsemble, type TargetTree } from '../trees/ensemble.js';
import { array, attr, classesOf, ConversionError, inputWidth, numberAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { binaryProbabilities, f64, normalizedExp } from './graph-ops.js';
import { readTree, roundToFloat32 } from './trees.js';

const FLOAT32_EPS = 2 ** -23;

function lossName(estimator: PyObject): string {
  const loss = attr(estimator, '_loss') ?? attr(estimator, 'loss_');
  if (loss instanceof PyObject) return shortName(loss);
  const named = attr(estimator, 'loss');
  return typeof named === 'string' ? named : 'unknown';
}

/** The init estimator's raw prediction per target, as _raw_predict_init computes it. */
function initialRaw(estimator: PyObject, k: number, classifier: boolean): Float64Array {
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
    const logit = Math.log(prior[1] / (1 - prior[1]));
    return Float64Array.of(loss === 'ExponentialLoss' || loss === 'exponential' ? 0.5 * logit : logit);
  }
  const logs = prior.map(Math.log);
  if (loss === 'HalfMultinomialLoss') {
    // scikit-learn ≥ 1.4 links multinomial priors symmetrically: log p - mean(log p).
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    return logs.map((v) => v - mean);
  }
  return logs;
}

function boosting(estimator: PyObject, input: Features, g: GraphBuilder, classifier: boolean): StepResult {
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
  const raw = treeEnsemble(g, roundToFloat32(g, input.name), entries, { nTargets: k, nFeatures: input.width, mode: 'LEQ', type: 'float64' });
  if (!classifier) return { kind: 'regressor', value: raw, targets: k };
  const classes = classesOf(estimator);
  const loss = lossName(estimator);
  if (k === 1) {
    if (loss === 'ExponentialLoss' || loss === 'exponential') {
      // AdaBoost loss: p = expit(2·raw), and predict() says class 1 where raw >= 0.
      const probabilities = binaryProbabilities(g, g.op('Sigmoid', [g.op('Mul', [raw, f64(g, 'two', [2], [])])]));
      const positive = g.op('Cast', [g.op('GreaterOrEqual', [raw, f64(g, 'zero', [0], [])])], { to: { int: 11 } });
      return { kind: 'classifier', probabilities, decision: binaryProbabilities(g, positive), classes };
    }
    // Binomial deviance: predict() is the argmax of the probabilities.
    const probabilities = binaryProbabilities(g, g.op('Sigmoid', [raw]));
    return { kind: 'classifier', probabilities, decision: probabilities, classes };
  }
  return { kind: 'classifier', probabilities: normalizedExp(g, raw), decision: raw, classes };
}

register({ classes: ['GradientBoostingClassifier'], inputWidth, convert: (e, i, g) => boosting(e, i, g, true) });
register({ classes: ['GradientBoostingRegressor'], inputWidth, convert: (e, i, g) => boosting(e, i, g, false) });
