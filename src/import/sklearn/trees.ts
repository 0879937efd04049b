// Decision trees, random forests and extra trees. scikit-learn decides `float32(x) <= threshold` in double;
// the graph rounds the input to float32 and back, then compares in double, so every split decides exactly
// as scikit-learn does. Forests sum per-tree probabilities in tree order and divide, as predict_proba does.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject } from '../pickle/values.js';
import { treeEnsemble, type TargetTree, type TreeLayout } from '../trees/ensemble.js';
import { classesOf, ConversionError, inputWidth, objectAttr, shortName, sklearnVersion } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';
import { numpySum } from './numeric.js';

export interface SklearnTree {
  layout: TreeLayout;
  nOutputs: number;
  /** values[node][output][class], flattened. */
  values: Float64Array;
  maxClasses: number;
}

/** Reads a fitted sklearn.tree._tree.Tree: its node records by field name, whatever the version's layout. */
export function readTree(estimator: PyObject): SklearnTree {
  const tree = objectAttr(estimator, 'tree_');
  const nodes = tree.get('nodes');
  const values = tree.get('values');
  if (!(nodes instanceof NdArray) || !(values instanceof NdArray) || !nodes.dtype.fields) {
    throw new ConversionError(`${shortName(estimator)}: its tree has no node records`);
  }
  const nodeCount = nodes.size;
  const [count, nOutputs, maxClasses] = values.shape;
  if (count !== nodeCount) throw new ConversionError(`${shortName(estimator)}: tree has ${nodeCount} nodes but ${count} values`);
  const layout: TreeLayout = {
    left: nodes.field('left_child').numbers(),
    right: nodes.field('right_child').numbers(),
    feature: nodes.field('feature').numbers(),
    threshold: nodes.field('threshold').numbers(),
    ...(nodes.dtype.fields.has('missing_go_to_left') ? { missingLeft: nodes.field('missing_go_to_left').numbers() } : {}),
  };
  return { layout, nOutputs, values: values.numbers(), maxClasses };
}

/** Each node's weighted_n_node_samples: the cover TreeSHAP weighs a split's branches by. */
export function nodeCover(estimator: PyObject): Float64Array {
  const nodes = objectAttr(estimator, 'tree_').get('nodes');
  if (!(nodes instanceof NdArray) || !nodes.dtype.fields?.has('weighted_n_node_samples')) {
    throw new ConversionError(`${shortName(estimator)}: its tree has no weighted_n_node_samples`);
  }
  return Float64Array.from(nodes.field('weighted_n_node_samples').numbers());
}

/** The trees of an estimator: its own tree_, or each of its estimators_ in order. */
function treesOf(estimator: PyObject): SklearnTree[] {
  if (estimator.has('tree_')) return [readTree(estimator)];
  const members = estimator.get('estimators_');
  if (!Array.isArray(members) || members.length === 0) throw new ConversionError(`${shortName(estimator)}: no fitted trees (estimators_)`);
  return members.map((m) => {
    if (!(m instanceof PyObject)) throw new ConversionError(`${shortName(estimator)}: estimators_ holds something that is not a tree`);
    return readTree(m);
  });
}

/** float32(x) as a double: the value scikit-learn's trees compare. */
export function roundToFloat32(g: GraphBuilder, input: string): string {
  const f = g.op('Cast', [input], { to: { int: 1 } });
  return g.op('Cast', [f], { to: { int: 11 } });
}

function classifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = classesOf(estimator);
  const trees = treesOf(estimator);
  const nClasses = classes.length;
  const entries: TargetTree[] = [];
  // scikit-learn ≥ 1.4 stores each leaf's class fractions and predict_proba returns them as stored; before, leaves
  // held weighted counts that predict_proba divided by their sum.
  const [major, minor] = sklearnVersion(estimator);
  const storedFractions = major > 1 || (major === 1 && minor >= 4);
  for (const t of trees) {
    if (t.nOutputs !== 1) throw new ConversionError(`${shortName(estimator)}: multi-output classification is not supported`);
    if (t.maxClasses !== nClasses) throw new ConversionError(`${shortName(estimator)}: a tree has ${t.maxClasses} classes, the model ${nClasses}`);
    // Before 1.4, predict_proba normalises each leaf as value / value.sum(), summed the way numpy sums.
    const leaf = (node: number, c: number) => {
      const at = node * nClasses;
      if (storedFractions) return t.values[at + c];
      const sum = numpySum(t.values, at, nClasses);
      return t.values[at + c] / (sum === 0 ? 1 : sum);
    };
    for (let c = 0; c < nClasses; c++) entries.push({ tree: t.layout, target: c, leafWeight: (node) => leaf(node, c) });
  }
  const x = roundToFloat32(g, input.name);
  const sums = treeEnsemble(g, x, entries, { nTargets: nClasses, nFeatures: input.width, mode: 'LEQ', type: 'float64' });
  if (trees.length === 1) return { kind: 'classifier', probabilities: sums, decision: sums, classes };
  const proba = g.op('Div', [sums, f64(g, 'n_trees', [trees.length], [])]);
  return { kind: 'classifier', probabilities: proba, decision: proba, classes };
}

function regressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const trees = treesOf(estimator);
  const nOutputs = trees[0].nOutputs;
  const entries: TargetTree[] = [];
  for (const t of trees) {
    if (t.nOutputs !== nOutputs || t.maxClasses !== 1) throw new ConversionError(`${shortName(estimator)}: inconsistent tree outputs`);
    for (let k = 0; k < nOutputs; k++) entries.push({ tree: t.layout, target: k, leafWeight: (node) => t.values[node * nOutputs + k] });
  }
  const x = roundToFloat32(g, input.name);
  const sums = treeEnsemble(g, x, entries, { nTargets: nOutputs, nFeatures: input.width, mode: 'LEQ', type: 'float64' });
  if (trees.length === 1) return { kind: 'regressor', value: sums, targets: nOutputs };
  return { kind: 'regressor', value: g.op('Div', [sums, f64(g, 'n_trees', [trees.length], [])]), targets: nOutputs };
}

register({
  classes: ['DecisionTreeClassifier', 'ExtraTreeClassifier', 'RandomForestClassifier', 'ExtraTreesClassifier'],
  inputWidth,
  convert: classifier,
});

register({
  classes: ['DecisionTreeRegressor', 'ExtraTreeRegressor', 'RandomForestRegressor', 'ExtraTreesRegressor'],
  inputWidth,
  convert: regressor,
});
