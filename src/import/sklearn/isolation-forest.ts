// IsolationForest. Each tree adds, for the leaf a row reaches (float32(x) <= threshold, as tree.apply decides),
// its path length + c(n_node_samples) - 1, where c is the average path length of an unsuccessful search in a
// binary tree of n samples; the ensemble sums these in tree order, as _compute_score_samples does.
// score_samples = -2^(-depth / (n_trees · c(max_samples_))), decision_function = score_samples - offset_, and
// predict() is 1 where decision_function >= 0, else -1.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject } from '../pickle/values.js';
import { treeEnsemble, type TargetTree } from '../trees/ensemble.js';
import { attr, ConversionError, inputWidth, numberAttr, objectAttr, optionalNumber, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { binaryProbabilities, f64 } from './graph-ops.js';
import { log } from './correctly-rounded.js';
import { readTree, roundToFloat32 } from './trees.js';

const EULER_GAMMA = 0.5772156649015329;

/** sklearn.ensemble._iforest._average_path_length for one sample count. */
function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2.0 * (log(n - 1.0) + EULER_GAMMA) - (2.0 * (n - 1.0)) / n;
}

/** The number of nodes on the path from the root to each node (1 at the root), as compute_node_depths counts. */
function pathLengths(left: ArrayLike<number>, right: ArrayLike<number>): Float64Array {
  const depths = new Float64Array(left.length);
  depths[0] = 1;
  for (let node = 0; node < left.length; node++) {
    if (left[node] >= 0) depths[left[node]] = depths[right[node]] = depths[node] + 1;
  }
  return depths;
}

/** The per-node average path lengths scikit-learn ≥ 1.4 stored at fit time, or null for older pickles. */
function storedAveragePathLengths(estimator: PyObject, tree: number): Float64Array | null {
  const stored = attr(estimator, '_average_path_length_per_tree');
  const entry = Array.isArray(stored) ? stored[tree] : undefined;
  return entry instanceof NdArray ? entry.numbers() : null;
}

/** score_samples and decision_function as [N, 1] graph values. */
export function isolationScores(estimator: PyObject, input: Features, g: GraphBuilder): { scoreSamples: string; decision: string } {
  const name = shortName(estimator);
  const members = attr(estimator, 'estimators_');
  if (!Array.isArray(members) || members.length === 0) throw new ConversionError(`${name}: no fitted trees (estimators_)`);
  const featureSets = attr(estimator, 'estimators_features_');
  const maxFeatures = optionalNumber(estimator, '_max_features') ?? input.width;
  // With every feature drawn, scikit-learn scores X as it is, whatever order estimators_features_ lists.
  const subsample = maxFeatures !== input.width;
  const entries: TargetTree[] = members.map((member, t) => {
    if (!(member instanceof PyObject)) throw new ConversionError(`${name}: estimators_ holds something that is not a tree`);
    const { layout } = readTree(member);
    const samples = objectAttr(member, 'tree_').get('nodes');
    if (!(samples instanceof NdArray)) throw new ConversionError(`${name}: a tree has no node records`);
    const counts = samples.field('n_node_samples').numbers();
    const depths = pathLengths(layout.left, layout.right);
    const average = storedAveragePathLengths(estimator, t) ?? counts.map(averagePathLength);
    let feature = layout.feature;
    if (subsample) {
      const set = Array.isArray(featureSets) ? featureSets[t] : undefined;
      if (!(set instanceof NdArray)) throw new ConversionError(`${name}: estimators_features_ is missing for tree ${t}`);
      const columns = set.numbers();
      feature = Array.from(layout.feature, (f) => (f >= 0 ? columns[f] : f));
    }
    return { tree: { ...layout, feature }, target: 0, leafWeight: (node) => depths[node] + average[node] - 1.0 };
  });
  const x = roundToFloat32(g, input.name);
  const depth = treeEnsemble(g, x, entries, { nTargets: 1, nFeatures: input.width, mode: 'LEQ', type: 'float64' });
  const maxSamples = optionalNumber(estimator, 'max_samples_') ?? numberAttr(estimator, '_max_samples');
  const denominator = members.length * averagePathLength(maxSamples);
  // np.divide(..., where=denominator != 0) leaves 1 where the denominator is 0.
  const ratio = denominator === 0
    ? g.op('Add', [g.op('Mul', [depth, f64(g, 'zero', [0], [])]), f64(g, 'one', [1], [])])
    : g.op('Div', [depth, f64(g, 'denominator', [denominator], [])]);
  const scoreSamples = g.op('Neg', [g.op('Pow', [f64(g, 'two', [2], []), g.op('Neg', [ratio])])]);
  const offset = numberAttr(estimator, 'offset_');
  return { scoreSamples, decision: g.op('Sub', [scoreSamples, f64(g, 'offset', [offset], [])]) };
}

function convert(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { decision } = isolationScores(estimator, input, g);
  // predict(): 1 (inlier) where decision_function >= 0, -1 (outlier) elsewhere; the decision value is the score.
  const inlier = g.op('Cast', [g.op('GreaterOrEqual', [decision, f64(g, 'zero', [0], [])])], { to: { int: 11 } });
  return { kind: 'classifier', decision: binaryProbabilities(g, inlier), classes: [-1, 1], score: decision };
}

register({ classes: ['IsolationForest'], inputWidth, convert });