// Row-wise and elementwise feature maps: Normalizer, Binarizer and PolynomialFeatures, each computed with the
// operations numpy performs, in its order, so that results are bit-identical.
import { tensorProto, type GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { attr, ConversionError, inputWidth, numberAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { axes, columns, f64 } from './graph-ops.js';
import { numpyOrderSum } from './numpy-order.js';

const features = (name: string, width: number): StepResult => ({ kind: 'features', features: { name, width, type: 'float64' } });

/** Sums the columns of a [N, width] value into [N, 1] in numpy's pairwise order (add.reduce along a row). */
function pairwiseRowSum(g: GraphBuilder, x: string, n: number): string {
  return numpyOrderSum(g, Array.from({ length: n }, (_, j) => columns(g, x, j, j + 1)));
}

/**
 * Σ x_j² per row as np.einsum('ij,ij->i') adds it: two accumulator lanes (even and odd columns), blocks of eight
 * columns taken from the highest pair down, the lanes added last. Measured bit-identical with NumPy 1.24 and 2.4.
 */
function einsumSquaredNorm(g: GraphBuilder, x: string, n: number): string {
  const sq = g.op('Mul', [x, x]);
  const col = (j: number) => columns(g, sq, j, j + 1);
  const lanes: (string | null)[] = [null, null];
  const accumulate = (lane: number, j: number) => {
    const prev = lanes[lane];
    lanes[lane] = prev === null ? col(j) : g.op('Add', [col(j), prev]);
  };
  let j = 0;
  for (; n - j >= 8; j += 8) for (const k of [3, 2, 1, 0]) for (const lane of [0, 1]) accumulate(lane, j + 2 * k + lane);
  for (; j < n; j += 2) for (const lane of [0, 1]) if (j + lane < n) accumulate(lane, j + lane);
  const [even, odd] = lanes;
  if (even === null) throw new ConversionError('Normalizer: no features to normalize');
  return odd === null ? even : g.op('Add', [even, odd]);
}

function normalizer(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const norm = attr(estimator, 'norm') ?? 'l2';
  let norms: string;
  if (norm === 'l1') norms = pairwiseRowSum(g, g.op('Abs', [input.name]), input.width);
  else if (norm === 'l2') norms = g.op('Sqrt', [einsumSquaredNorm(g, input.name, input.width)]);
  else if (norm === 'max') norms = g.op('ReduceMax', [g.op('Abs', [input.name]), axes(g, 1)], { keepdims: { int: 1 } });
  else throw new ConversionError(`Normalizer: norm '${String(norm)}' is not one of l1, l2, max`);
  // _handle_zeros_in_scale: norms below 10 eps divide by 1.
  const nearZero = g.op('Less', [norms, f64(g, 'tiny', [10 * Number.EPSILON], [])]);
  const safe = g.op('Where', [nearZero, f64(g, 'one', [1], []), norms]);
  return features(g.op('Div', [input.name, safe]), input.width);
}

function binarizer(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const above = g.op('Greater', [input.name, f64(g, 'threshold', [numberAttr(estimator, 'threshold')], [])]);
  return features(g.op('Cast', [above], { to: { int: 11 } }), input.width);
}

/** A [N, 1] column of ones, as wide as the batch. */
function ones(g: GraphBuilder, x: string): string {
  const rows = g.op('Slice', [g.op('Shape', [x]), ...[0, 1].map((v) => g.constant('bound', { type: 'int64', dims: [1], values: [v] }))]);
  const shape = g.op('Concat', [rows, g.constant('one', { type: 'int64', dims: [1], values: [1] })], { axis: { int: 0 } });
  return g.op('ConstantOfShape', [shape], { value: { tensor: tensorProto('one', { type: 'float64', dims: [1], values: [1] }) } });
}

function degrees(estimator: PyObject): [number, number] {
  const degree = attr(estimator, 'degree');
  if (typeof degree === 'number') return [0, degree];
  if (Array.isArray(degree) && degree.length === 2 && degree.every((d) => typeof d === 'number')) return [degree[0], degree[1]];
  throw new ConversionError(`PolynomialFeatures: degree ${String(degree)} is neither an integer nor a (min, max) pair`);
}

/**
 * PolynomialFeatures.transform on dense input: the columns of degree d are the columns of degree d - 1 that use
 * only features ≥ f, times feature f, block by block, exactly as scikit-learn multiplies them (so x0·x1·x2 is
 * (x2·x1)·x0 and equal bit for bit); the output order is that of powers_.
 */
function polynomial(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const [minDegree, maxDegree] = degrees(estimator);
  const interactionOnly = attr(estimator, 'interaction_only') === true;
  const includeBias = attr(estimator, 'include_bias') !== false;
  const n = input.width;
  const blocks: string[] = includeBias ? [ones(g, input.name)] : [];
  let width = blocks.length;
  if (maxDegree >= 1) {
    blocks.push(input.name);
    // index[f]: where the terms of the last degree that start at feature f begin; index[n]: where they end.
    let index = [...Array.from({ length: n }, (_, f) => width + f), width + n];
    width += n;
    for (let d = 2; d <= maxDegree; d++) {
      const all = blocks.length === 1 ? blocks[0] : g.op('Concat', blocks, { axis: { int: 1 } });
      const next: number[] = [];
      const end = index[n];
      for (let f = 0; f < n; f++) {
        let start = index[f];
        next.push(width);
        if (interactionOnly) start += index[f + 1] - index[f];
        if (end - start <= 0) break;
        blocks.push(g.op('Mul', [columns(g, all, start, end), columns(g, input.name, f, f + 1)]));
        width += end - start;
      }
      next.push(width);
      index = next;
    }
  }
  let out = blocks.length === 1 ? g.op('Identity', [blocks[0]]) : g.op('Concat', blocks, { axis: { int: 1 } });
  const expected = numberAttr(estimator, 'n_output_features_');
  if (minDegree > 1) {
    // Only the terms of degree ≥ min_degree, after the bias column.
    const kept = columns(g, out, width - expected + (includeBias ? 1 : 0), width);
    out = includeBias ? g.op('Concat', [ones(g, input.name), kept], { axis: { int: 1 } }) : kept;
    width = expected;
  }
  if (width !== expected) throw new ConversionError(`${shortName(estimator)}: ${width} output columns computed, n_output_features_ is ${expected}`);
  return features(out, width);
}

register({ classes: ['Normalizer'], inputWidth, convert: normalizer });
register({ classes: ['Binarizer'], inputWidth, convert: binarizer });
register({ classes: ['PolynomialFeatures'], inputWidth, convert: polynomial });
