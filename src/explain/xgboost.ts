// XGBoost gbtree and dart models for TreeSHAP, in float32 as XGBoost's predict(pred_contribs=True) computes them:
// decisions `x < condition` on float32(x), NaN to the default child, categorical sets sending their codes right,
// covers from the trees' sum_hessian, dart trees weighted, the base margin added to the bias last.
import type { PyObject } from '../import/pickle/values.js';
import { outputGroups, type XgbTree } from '../import/xgboost/model.js';
import { modelOf, roundsUsed } from '../import/xgboost/wrappers.js';
import { ensembleExplainer, NotExplainableError, type MatrixExplainer } from './explainer.js';
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

export function xgboostExplainer(obj: PyObject): MatrixExplainer {
  const model = modelOf(obj);
  if (model.linearWeights) throw new NotExplainableError('XGBoost gblinear boosters are not explained (only tree boosters are)');
  if (model.leafSize > 1) throw new NotExplainableError('XGBoost multi_output_tree models are not explained (XGBoost itself does not explain them)');
  if (model.categoryNames?.some((names) => names && names.length > 0)) {
    // Requests send such categories by name, which the graph codes; explanations read category codes only.
    throw new NotExplainableError('XGBoost models that store their category names (XGBoost ≥ 3.1) are not explained');
  }
  const k = outputGroups(model);
  // The rounds the converter serves, so explanations add up to the served margin.
  const rounds = roundsUsed(obj, model).rounds ?? Infinity;
  const used = Math.min(model.trees.length, rounds * model.numParallelTree * k);
  const terms = model.trees.slice(0, used).map((tree, t) => ({ tree: shapTree(tree, t), output: model.treeInfo[t], weight: model.treeWeights?.[t] ?? 1 }));
  const base = Array.from({ length: k }, (_, c) => model.baseMargin[c] ?? 0);
  const classifier = /^(binary|multi):/.test(model.objective);
  const classes = !classifier ? Array.from({ length: k }, () => null) : k === 1 ? [1] : Array.from({ length: k }, (_, c) => c);
  const space = model.objective === 'binary:logistic' ? 'log-odds' : /^reg:(squared|absolute|pseudohuber)/.test(model.objective) ? 'value' : 'margin';
  return ensembleExplainer({ terms, outputs: k, base, divisor: 1, round: FLOAT32, interactions: true }, model.numFeature, space, classes);
}
