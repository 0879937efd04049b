// Graph pieces the converters share, in float64 throughout.
import type { GraphBuilder } from '../../onnx/builder.js';

export function f64(g: GraphBuilder, name: string, values: ArrayLike<number>, dims: number[]): string {
  return g.constant(name, { type: 'float64', dims, values });
}

/** An int64 list of axes, as Reduce*, Unsqueeze and friends take it. */
export const axes = (g: GraphBuilder, ...axis: number[]) => g.constant('axes', { type: 'int64', dims: [axis.length], values: axis });

/** Columns [start, end) of a [N, k] value. */
export function columns(g: GraphBuilder, x: string, start: number, end: number): string {
  const at = (v: number) => g.constant('index', { type: 'int64', dims: [1], values: [v] });
  return g.op('Slice', [x, at(start), at(end), axes(g, 1)]);
}

/** x @ W + b, with W given row-major as [rows = input width, cols = outputs]. */
export function affine(g: GraphBuilder, x: string, weights: ArrayLike<number>, rows: number, cols: number, bias: ArrayLike<number> | null): string {
  const product = g.op('MatMul', [x, f64(g, 'weights', weights, [rows, cols])]);
  return bias ? g.op('Add', [product, f64(g, 'bias', bias, [cols])]) : product;
}

/** Transposes a row-major [r, c] matrix into [c, r]. */
export function transpose(values: ArrayLike<number>, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = values[i * c + j];
  return out;
}

export function reduceSum(g: GraphBuilder, x: string, axis: number, keepdims = true): string {
  return g.op('ReduceSum', [x, axes(g, axis)], { keepdims: { int: keepdims ? 1 : 0 } });
}

/** scipy's logsumexp over axis 1: log(sum(exp(x - max))) + max, which never overflows. */
export function logSumExp(g: GraphBuilder, x: string): string {
  const max = g.op('ReduceMax', [x, axes(g, 1)], { keepdims: { int: 1 } });
  const s = reduceSum(g, g.op('Exp', [g.op('Sub', [x, max])]), 1);
  return g.op('Add', [g.op('Log', [s]), max]);
}

/** exp(x - logsumexp(x)): how scikit-learn turns joint log-likelihoods into probabilities. */
export function normalizedExp(g: GraphBuilder, x: string): string {
  return g.op('Exp', [g.op('Sub', [x, logSumExp(g, x)])]);
}

/** [1 - p, p] from a [N, 1] probability of the positive class. */
export function binaryProbabilities(g: GraphBuilder, p: string): string {
  const one = f64(g, 'one', [1], []);
  return g.op('Concat', [g.op('Sub', [one, p]), p], { axis: { int: 1 } });
}

/** [-d, d]: its argmax is 1 exactly when d > 0, as scikit-learn's binary predict decides. */
export function binaryDecision(g: GraphBuilder, d: string): string {
  return g.op('Concat', [g.op('Neg', [d]), d], { axis: { int: 1 } });
}
