// XGBoost gbtree and dart models for TreeSHAP, in float32 as XGBoost's predict(pred_contribs=True) computes them:
// decisions `x < condition` on float32(x), NaN to the default child, categorical sets sending their codes right,
// covers from the trees' sum_hessian, dart trees weighted, the base margin added to the bias last.
import { PyBytes, PyObject } from '../import/pickle/values.js';
import { shortName } from '../import/sklearn/attrs.js';
import { parseBooster } from '../import/xgboost/booster.js';
import { xgboostSettingsOf } from '../import/xgboost/settings.js';
import { outputGroups, type XgbModel, type XgbTree } from '../import/xgboost/model.js';
import { ensembleExplainer, NotExplainableError, type Explainer } from './explainer.js';
import { FLOAT32, treeDepth, type ShapTree } from './treeshap.js';

function shapTree(tree: XgbTree, index: number): ShapTree {
  const { left, right, splitIndex: feature, splitCondition: condition, defaultLeft, categories } = tree;
  if (!tree.cover) throw new NotExplainableError(`XGBoost tree ${index} has no sum_hessian (node covers)`);
  return {
    left, right, feature, cover: tree.cover, values: condition, outputs: 1,
    depth: treeDepth(left, right),
    hot(node, x, at) {
      const v = Math.fround(x[at + feature[node]]);
      if (Number.isNaN(v)) return defaultLeft[node] ? left[node] : right[node];
      const set = categories?.get(node);
      // A code in the node's set goes right; every other value left, negative ones included (as the converter decides).
      if (set) return v >= 0 && set.includes(Math.floor(v)) ? right[node] : left[node];
      return v < condition[node] ? left[node] : right[node];
    },
  };
}

/** The model a Booster (a native file, or a wrapper's _Booster) holds. */
function modelOf(obj: PyObject): XgbModel {
  const booster = shortName(obj) === 'Booster' ? obj : obj.get('_Booster');
  const handle = booster instanceof PyObject ? booster.get('handle') : undefined;
  if (!(handle instanceof PyBytes)) throw new NotExplainableError(`${shortName(obj)}: the booster holds no model buffer`);
  return parseBooster(handle.bytes);
}

/**
 * The boosting rounds the model predicts with, as the converter decides them: model.yaml's iteration_range, else
 * early stopping's best_iteration (or best_ntree_limit) kept on the wrapper, its Booster or in the model; all otherwise.
 */
function roundsUsed(obj: PyObject, model: XgbModel): number {
  const range = xgboostSettingsOf(obj)?.iteration_range;
  if (range) return range[1];
  const holders = [obj.get('_Booster'), obj].filter((h): h is PyObject => h instanceof PyObject);
  for (const h of holders) {
    const best = h.get('best_iteration');
    if (typeof best === 'number') return best + 1;
  }
  for (const h of holders) {
    const limit = h.get('best_ntree_limit');
    if (typeof limit === 'number' && limit > 0) return Math.ceil(limit / model.numParallelTree);
  }
  const wrapped = shortName(obj) !== 'Booster' || model.savedByWrapper === true;
  return wrapped && model.bestIteration !== undefined ? model.bestIteration + 1 : Infinity;
}

export function xgboostExplainer(obj: PyObject, input: string): Explainer {
  const model = modelOf(obj);
  if (model.linearWeights) throw new NotExplainableError('XGBoost gblinear boosters are not explained (only tree boosters are)');
  if (model.leafSize > 1) throw new NotExplainableError('XGBoost multi_output_tree models are not explained (XGBoost itself does not explain them)');
  if (model.categoryNames?.some((names) => names && names.length > 0)) {
    // Requests send such categories by name, which the graph codes; explanations read category codes only.
    throw new NotExplainableError('XGBoost models that store their category names (XGBoost ≥ 3.1) are not explained');
  }
  const k = outputGroups(model);
  const used = Math.min(model.trees.length, roundsUsed(obj, model) * model.numParallelTree * k);
  const terms = model.trees.slice(0, used).map((tree, t) => ({ tree: shapTree(tree, t), output: model.treeInfo[t], weight: model.treeWeights?.[t] ?? 1 }));
  const base = Array.from({ length: k }, (_, c) => model.baseMargin[c] ?? 0);
  const classifier = /^(binary|multi):/.test(model.objective);
  const classes = !classifier ? Array.from({ length: k }, () => null) : k === 1 ? [1] : Array.from({ length: k }, (_, c) => c);
  const space = model.objective === 'binary:logistic' ? 'log-odds' : /^reg:(squared|absolute|pseudohuber)/.test(model.objective) ? 'value' : 'margin';
  return ensembleExplainer({ terms, outputs: k, base, divisor: 1, round: FLOAT32 }, input, model.numFeature, space, classes);
}
