// scikit-learn's trees for TreeSHAP: decisions `float32(x) <= threshold` in double (NaN where the tree sends it),
// covers from weighted_n_node_samples, leaves as the model adds them up — forests average per-class leaf
// probabilities (value / sum), gradient boosting adds learning_rate × leaf to its init prediction. HistGradientBoosting's
// predictors decide on the raw double input and weigh by their sample counts.
import { NdArray } from '../import/pickle/numpy.js';
import { PyObject } from '../import/pickle/values.js';
import { classesOf, numberAttr, shortName } from '../import/sklearn/attrs.js';
import { initialRaw } from '../import/sklearn/gradient-boosting.js';
import { lossName } from '../import/sklearn/loss-links.js';
import { numpySum } from '../import/sklearn/numeric.js';
import { nodeCover, readTree, type SklearnTree } from '../import/sklearn/trees.js';
import { ensembleExplainer, NotExplainableError, type EnsembleTerm, type MatrixExplainer } from './explainer.js';
import { FLOAT64, treeDepth, type ShapTree } from './treeshap.js';

export const SKLEARN_TREE_MODELS = ['DecisionTreeClassifier', 'ExtraTreeClassifier', 'RandomForestClassifier', 'ExtraTreesClassifier',
  'DecisionTreeRegressor', 'ExtraTreeRegressor', 'RandomForestRegressor', 'ExtraTreesRegressor',
  'GradientBoostingClassifier', 'GradientBoostingRegressor', 'HistGradientBoostingClassifier', 'HistGradientBoostingRegressor'];

function shapTree(estimator: PyObject, tree: SklearnTree, values: ArrayLike<number>, outputs: number): ShapTree {
  const { left, right, feature, threshold, missingLeft } = tree.layout;
  return {
    left, right, feature, values, outputs,
    cover: nodeCover(estimator),
    depth: treeDepth(left, right),
    hot(node, x, at) {
      const v = Math.fround(x[at + feature[node]]);
      if (Number.isNaN(v)) return missingLeft?.[node] ? left[node] : right[node];
      return v <= threshold[node] ? left[node] : right[node];
    },
  };
}

function members(estimator: PyObject): PyObject[] {
  if (estimator.has('tree_')) return [estimator];
  const list = estimator.get('estimators_');
  if (!Array.isArray(list) || !list.every((m) => m instanceof PyObject)) throw new NotExplainableError(`${shortName(estimator)}: no fitted trees`);
  return list as PyObject[];
}

/** predict_proba's leaves, value / sum per class; a binary classifier explains its positive class only. */
function forestClassifier(estimator: PyObject, width: number): MatrixExplainer {
  const nClasses = classesOf(estimator).length;
  const explained = nClasses === 2 ? [1] : Array.from({ length: nClasses }, (_, c) => c);
  const trees = members(estimator);
  const terms: EnsembleTerm[] = trees.map((m) => {
    const t = readTree(m);
    if (t.nOutputs !== 1) throw new NotExplainableError(`${shortName(estimator)}: multi-output trees are not explained`);
    const nodes = t.layout.left.length;
    const values = new Float64Array(nodes * explained.length);
    for (let node = 0; node < nodes; node++) {
      const sum = numpySum(t.values, node * nClasses, nClasses);
      explained.forEach((c, j) => { values[node * explained.length + j] = t.values[node * nClasses + c] / (sum === 0 ? 1 : sum); });
    }
    return { tree: shapTree(m, t, values, explained.length), output: 0, weight: 1 };
  });
  const ensemble = { terms, outputs: explained.length, base: new Float64Array(explained.length), divisor: trees.length, round: FLOAT64 };
  return ensembleExplainer(ensemble, width, 'probability', explained);
}

function forestRegressor(estimator: PyObject, width: number): MatrixExplainer {
  const trees = members(estimator);
  const terms: EnsembleTerm[] = trees.map((m) => {
    const t = readTree(m);
    if (t.nOutputs !== 1) throw new NotExplainableError(`${shortName(estimator)}: multi-output trees are not explained`);
    return { tree: shapTree(m, t, t.values, 1), output: 0, weight: 1 };
  });
  return ensembleExplainer({ terms, outputs: 1, base: [0], divisor: trees.length, round: FLOAT64 }, width, 'value', [null]);
}

/** raw = init + Σ learning_rate · tree: contributions in the raw (log-odds) space, per class for multinomial losses. */
function boosting(estimator: PyObject, width: number, classifier: boolean): MatrixExplainer {
  const stages = estimator.get('estimators_');
  if (!(stages instanceof NdArray) || !stages.objects || stages.shape.length !== 2) throw new NotExplainableError(`${shortName(estimator)}: estimators_ is missing`);
  const [nStages, k] = stages.shape;
  const rate = numberAttr(estimator, 'learning_rate');
  const terms: EnsembleTerm[] = [];
  for (let s = 0; s < nStages; s++) {
    for (let c = 0; c < k; c++) {
      const m = stages.objects[s * k + c] as PyObject;
      const t = readTree(m);
      terms.push({ tree: shapTree(m, t, t.values, 1), output: c, weight: rate });
    }
  }
  const base = initialRaw(estimator, k, classifier);
  const classes = !classifier ? [null] : k === 1 ? [1] : Array.from({ length: k }, (_, c) => c);
  const exponential = ['ExponentialLoss', 'exponential'].includes(lossName(estimator));
  const space = !classifier ? 'value' : k === 1 && !exponential ? 'log-odds' : 'margin';
  return ensembleExplainer({ terms, outputs: k, base, divisor: 1, round: FLOAT64 }, width, space, classes);
}

/** A TreePredictor: `x <= num_threshold` in double on the raw input, NaN following missing_go_to_left, count as cover. */
function predictorTree(predictor: unknown, owner: string): ShapTree {
  const nodes = predictor instanceof PyObject ? predictor.get('nodes') : undefined;
  if (!(nodes instanceof NdArray) || !nodes.dtype.fields) throw new NotExplainableError(`${owner}: a predictor has no node records`);
  const field = (f: string) => nodes.field(f).numbers();
  const isLeaf = field('is_leaf');
  if (field('is_categorical').some((c, node) => c !== 0 && !isLeaf[node])) throw new NotExplainableError(`${owner}: categorical splits are not explained`);
  const [left, right] = [field('left'), field('right')].map((children) => children.map((c, i) => (isLeaf[i] ? -1 : c)));
  const feature = field('feature_idx');
  const threshold = field('num_threshold');
  const missingLeft = field('missing_go_to_left');
  return {
    left, right, feature, values: field('value'), outputs: 1,
    cover: field('count'),
    depth: treeDepth(left, right),
    hot(node, x, at) {
      const v = x[at + feature[node]];
      if (Number.isNaN(v)) return missingLeft[node] ? left[node] : right[node];
      return v <= threshold[node] ? left[node] : right[node];
    },
  };
}

/** raw = _baseline_prediction + Σ predictor leaves (the learning rate is in the leaves), for numeric features only. */
function histBoosting(estimator: PyObject, width: number, classifier: boolean): MatrixExplainer {
  const owner = shortName(estimator);
  if (estimator.get('_preprocessor') instanceof PyObject) throw new NotExplainableError(`${owner}: models with categorical features are not explained`);
  const baselineValue = estimator.get('_baseline_prediction');
  const base = baselineValue instanceof NdArray ? baselineValue.numbers() : typeof baselineValue === 'number' ? Float64Array.of(baselineValue) : null;
  const iterations = estimator.get('_predictors');
  if (!base || !Array.isArray(iterations)) throw new NotExplainableError(`${owner}: it is not fitted`);
  const k = base.length;
  const terms: EnsembleTerm[] = iterations.flatMap((predictors) => (predictors as unknown[]).map((p, c) => ({ tree: predictorTree(p, owner), output: c, weight: 1 })));
  const classes = !classifier ? [null] : k === 1 ? [1] : Array.from({ length: k }, (_, c) => c);
  const identity = ['squared_error', 'absolute_error', 'quantile', 'HalfSquaredError', 'AbsoluteError', 'PinballLoss'].includes(lossName(estimator));
  const space = classifier ? (k === 1 ? 'log-odds' : 'margin') : identity ? 'value' : 'margin';
  return ensembleExplainer({ terms, outputs: k, base, divisor: 1, round: FLOAT64 }, width, space, classes);
}

export function sklearnTreeExplainer(estimator: PyObject, width: number): MatrixExplainer {
  const name = shortName(estimator);
  if (name === 'HistGradientBoostingClassifier') return histBoosting(estimator, width, true);
  if (name === 'HistGradientBoostingRegressor') return histBoosting(estimator, width, false);
  if (name === 'GradientBoostingClassifier') return boosting(estimator, width, true);
  if (name === 'GradientBoostingRegressor') return boosting(estimator, width, false);
  return name.endsWith('Classifier') ? forestClassifier(estimator, width) : forestRegressor(estimator, width);
}
