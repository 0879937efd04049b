// k nearest neighbours: KNeighborsClassifier and KNeighborsRegressor from the fitted rows (_fit_X, _y); the
// KDTree/BallTree a pickle carries is only an index over the same rows, kept as inert data and not needed.
//
// Distances are computed as scikit-learn computes them for the stored algorithm: kd_tree, ball_tree and brute
// force with a non-Euclidean metric accumulate per-feature terms in feature order (Σ (x - y)² then sqrt,
// Σ |x - y|, max |x - y|, (Σ |x - y|^p)^(1/p)); brute force with the Euclidean metric uses ||x||² - 2 x·y + ||y||² (its pairwise-distances reduction), clipped
// at 0. TopK keeps the k smallest, the lower training index first among equal distances. Ties within the k
// nearest only reorder equal distances. A tie for the k-th place is decided by scikit-learn's search, which the
// graph does not replay: brute force's max-heap evicts whichever tied candidate sits at its root when a nearer
// row arrives, and the trees visit rows in their own order. So when several rows are exactly as far as the k-th
// neighbour, another of them may be kept than scikit-learn keeps; that takes exactly equal distances (duplicated
// or grid-like data). Weights 'distance' give 1/d, and a row with a neighbour at distance 0 weighs exactly those
// neighbours 1 and the others 0, as scikit-learn does.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, classesOf, ConversionError, numberAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { axes, f64, reduceSum, transpose } from './graph-ops.js';
import { numpyOrderSum } from './numpy-order.js';

type Metric = { kind: 'euclidean' | 'manhattan' | 'chebyshev' } | { kind: 'minkowski'; p: number };

const ALIASES: Record<string, 'euclidean' | 'manhattan' | 'chebyshev'> = {
  euclidean: 'euclidean', l2: 'euclidean', manhattan: 'manhattan', cityblock: 'manhattan', l1: 'manhattan',
  chebyshev: 'chebyshev', infinity: 'chebyshev',
};

function metricOf(estimator: PyObject): Metric {
  const name = attr(estimator, 'effective_metric_');
  const params = attr(estimator, 'effective_metric_params_');
  // Older versions store w: None beside p; only unset parameters may be ignored.
  const keys = params instanceof Map ? [...params.keys()].filter((key) => params.get(key) !== null) : [];
  if (typeof name === 'string' && ALIASES[name] && keys.length === 0) return { kind: ALIASES[name] };
  if (name === 'minkowski' && keys.every((k) => k === 'p')) {
    const p = params instanceof Map && params.has('p') ? Number(params.get('p')) : numberAttr(estimator, 'p');
    if (p === 1) return { kind: 'manhattan' };
    if (p === 2) return { kind: 'euclidean' };
    if (p === Infinity) return { kind: 'chebyshev' };
    if (p > 0 && Number.isFinite(p)) return { kind: 'minkowski', p };
  }
  const shown = typeof name === 'string' ? `'${name}'` : 'given as a callable or DistanceMetric';
  throw new ConversionError(`${shortName(estimator)}: metric ${shown}${keys.length ? ` with parameters ${keys.join(', ')}` : ''} `
    + 'is not supported (euclidean, manhattan, chebyshev and minkowski with p are)');
}

/** The fitted rows [M, D]. */
function fitRows(estimator: PyObject): { rows: Float64Array; count: number; width: number } {
  const fitX = array(estimator, '_fit_X');
  if (fitX.shape.length !== 2) throw new ConversionError(`${shortName(estimator)}: _fit_X is not a dense matrix (fitted on sparse input?)`);
  return { rows: fitX.numbers(), count: fitX.shape[0], width: fitX.shape[1] };
}

/** Column j of x as [N, 1]. */
function featureColumn(g: GraphBuilder, x: string, j: number): string {
  return g.op('Gather', [x, g.constant('feature', { type: 'int64', dims: [1], values: [j] })], { axis: { int: 1 } });
}

/**
 * [N, M] rank-preserving distances ("rdist", what the neighbour search compares) from each row to each fitted row,
 * and how to turn the k kept into true distances.
 */
function reducedDistances(estimator: PyObject, input: Features, g: GraphBuilder, metric: Metric): { rdist: string; toDistance(r: string): string } {
  const { rows, count, width } = fitRows(estimator);
  if (width !== input.width) throw new ConversionError(`${shortName(estimator)}: fitted on ${width} features, the input has ${input.width}`);
  const identity = (r: string) => r;
  const fitT = transpose(rows, count, width);
  if (metric.kind === 'euclidean' && attr(estimator, '_fit_method') === 'brute') {
    // ||x||² + (-2 x·y) + ||y||², in that order, then max(0, ·).
    const fitNorms = Float64Array.from({ length: count }, (_, m) => {
      let s = 0;
      for (let j = 0; j < width; j++) s += rows[m * width + j] * rows[m * width + j];
      return s;
    });
    const xNorms = reduceSum(g, g.op('Mul', [input.name, input.name]), 1);
    const middle = g.op('Mul', [f64(g, 'minus_two', [-2], []), g.op('MatMul', [input.name, f64(g, 'fit_x_t', transpose(rows, count, width), [width, count])])]);
    const squared = g.op('Add', [g.op('Add', [xNorms, middle]), f64(g, 'fit_norms', fitNorms, [count])]);
    const zero = f64(g, 'zero', [0], []);
    // A row equal to a fitted row is at distance 0 whatever the rounding of the expansion (scikit-learn gets 0
    // there when its BLAS rounds the norms and the dot product alike, which depends on the build).
    let same = '';
    for (let j = 0; j < width; j++) {
      const equal = g.op('Equal', [featureColumn(g, input.name, j), f64(g, 'fit_column', fitT.subarray(j * count, (j + 1) * count), [count])]);
      same = j === 0 ? equal : g.op('And', [same, equal]);
    }
    return { rdist: g.op('Where', [same, zero, g.op('Max', [squared, zero])]), toDistance: (r) => g.op('Sqrt', [r]) };
  }
  // Feature by feature, accumulated in feature order as the trees' metrics (and brute's DistanceMetric) do.
  let rdist = '';
  for (let j = 0; j < width; j++) {
    const diff = g.op('Sub', [featureColumn(g, input.name, j), f64(g, 'fit_column', fitT.subarray(j * count, (j + 1) * count), [count])]);
    let term: string;
    switch (metric.kind) {
      case 'euclidean': term = g.op('Mul', [diff, diff]); break;
      case 'minkowski': term = g.op('Pow', [g.op('Abs', [diff]), f64(g, 'p', [metric.p], [])]); break;
      default: term = g.op('Abs', [diff]);
    }
    rdist = j === 0 ? term : g.op(metric.kind === 'chebyshev' ? 'Max' : 'Add', [rdist, term]);
  }
  switch (metric.kind) {
    case 'euclidean': return { rdist, toDistance: (r) => g.op('Sqrt', [r]) };
    case 'minkowski': return { rdist, toDistance: (r) => g.op('Pow', [r, f64(g, 'inverse_p', [1 / metric.p], [])]) };
    default: return { rdist, toDistance: identity };
  }
}

interface Neighbours {
  /** [N, k] indices into the fitted rows, nearest first. */
  indices: string;
  /** [N, k] weights, or null for uniform weights. */
  weights: string | null;
  k: number;
}

function neighbours(estimator: PyObject, input: Features, g: GraphBuilder): Neighbours {
  const k = numberAttr(estimator, 'n_neighbors');
  const fitted = fitRows(estimator).count;
  if (!Number.isInteger(k) || k < 1 || k > fitted) throw new ConversionError(`${shortName(estimator)}: n_neighbors ${k} must be between 1 and the ${fitted} fitted rows`);
  const weighting = attr(estimator, 'weights');
  if (weighting !== 'uniform' && weighting !== 'distance' && weighting !== null) {
    throw new ConversionError(`${shortName(estimator)}: weights must be 'uniform' or 'distance' (a callable cannot be served)`);
  }
  const metric = metricOf(estimator);
  const { rdist, toDistance } = reducedDistances(estimator, input, g, metric);
  const kTensor = g.constant('k', { type: 'int64', dims: [1], values: [k] });
  const [nearest, indices] = g.node('TopK', [rdist, kTensor], 2, { axis: { int: 1 }, largest: { int: 0 }, sorted: { int: 1 } });
  if (weighting !== 'distance') return { indices, weights: null, k };
  // 1 / d; a row with any neighbour at distance 0 weighs those neighbours 1 and the others 0.
  const inverse = g.op('Div', [f64(g, 'one', [1], []), toDistance(nearest)]);
  const exact = g.op('IsInf', [inverse]);
  const exactWeights = g.op('Cast', [exact], { to: { int: 11 } });
  const anyExact = g.op('Cast', [g.op('ReduceMax', [exactWeights, axes(g, 1)], { keepdims: { int: 1 } })], { to: { int: 9 } });
  return { indices, weights: g.op('Where', [anyExact, exactWeights, inverse]), k };
}

/** Splits [N, n, ...] along axis 1 into n slices [N, 1, ...]. */
function splitAxis1(g: GraphBuilder, x: string, k: number): string[] {
  return k === 1 ? [x] : g.node('Split', [x], k, { axis: { int: 1 }, num_outputs: { int: k } });
}

function classifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  if (attr(estimator, 'outputs_2d_') === true) throw new ConversionError(`${shortName(estimator)}: multi-output classification is not supported`);
  const classes = classesOf(estimator);
  const y = array(estimator, '_y');
  const { indices, weights, k } = neighbours(estimator, input, g);
  const labels = g.op('Gather', [g.constant('fit_y', { type: 'int64', dims: [y.size], values: Array.from(y.numbers()) }), indices], { axis: { int: 0 } });
  const classIds = g.constant('class_ids', { type: 'int64', dims: [classes.length], values: classes.map((_, c) => c) });
  // [N, k, classes]: 1 where neighbour i is of class c.
  const oneHot = g.op('Cast', [g.op('Equal', [g.op('Unsqueeze', [labels, axes(g, 2)]), classIds])], { to: { int: 11 } });
  let scores: string;
  if (weights === null) {
    scores = reduceSum(g, oneHot, 1, false);
  } else {
    // proba[c] += w_i for each neighbour i in order; x + w·0 = x leaves the other classes' sums unchanged.
    const weighted = splitAxis1(g, g.op('Mul', [oneHot, g.op('Unsqueeze', [weights, axes(g, 2)])]), k);
    scores = g.op('Squeeze', [weighted.reduce((sum, term) => g.op('Add', [sum, term])), axes(g, 1)]);
  }
  const columns = splitAxis1(g, scores, classes.length);
  const normalizer = numpyOrderSum(g, columns);
  return { kind: 'classifier', probabilities: g.op('Div', [scores, normalizer]), decision: scores, classes };
}

function regressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const y = array(estimator, '_y');
  const targets = y.shape.length === 1 ? 1 : y.shape[1];
  const { indices, weights, k } = neighbours(estimator, input, g);
  // [N, k, targets]: the neighbours' targets.
  const neighbourY = g.op('Gather', [f64(g, 'fit_y', y.numbers(), [y.shape[0], targets]), indices], { axis: { int: 0 } });
  // numpy adds along a contiguous axis pairwise: the neighbours of one target; np.mean over the neighbours of
  // several targets ([N, k, targets], axis 1) adds them one after the other.
  const sumOverNeighbours = (x: string, sequential = false) => {
    const terms = splitAxis1(g, x, k);
    return g.op('Squeeze', [sequential ? terms.reduce((a, b) => g.op('Add', [a, b])) : numpyOrderSum(g, terms), axes(g, 1)]);
  };
  if (weights === null) {
    return { kind: 'regressor', value: g.op('Div', [sumOverNeighbours(neighbourY, targets > 1), f64(g, 'k', [k], [])]), targets };
  }
  const w = g.op('Unsqueeze', [weights, axes(g, 2)]);
  const value = g.op('Div', [sumOverNeighbours(g.op('Mul', [neighbourY, w])), sumOverNeighbours(w)]);
  return { kind: 'regressor', value, targets };
}

const fitWidth = (estimator: PyObject) => fitRows(estimator).width;

register({ classes: ['KNeighborsClassifier'], inputWidth: fitWidth, convert: classifier });
register({ classes: ['KNeighborsRegressor'], inputWidth: fitWidth, convert: regressor });
