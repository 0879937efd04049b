// libsvm's probability estimates (svm_predict_probability): Platt's sigmoid per pair of classes, then the
// pairwise coupling of Wu, Lin and Weng (multiclass_probability), for two classes too. The coupling iterates
// until each row converges; the graph runs libsvm's max_iter iterations for every row and freezes a row once it
// has converged (its step becomes exactly 0, dividing by +inf, which leaves p, Qp and pQp unchanged), so every row
// goes through the very operations libsvm applies to it, in the same order.
import type { GraphBuilder } from '../../onnx/builder.js';
import { axes, f64 } from './graph-ops.js';

const MIN_PROB = 1e-7;

/** libsvm's sigmoid_predict, clipped to [1e-7, 1 - 1e-7]: the probability that class i beats class j. */
function pairProbabilities(g: GraphBuilder, decisions: string, probA: Float64Array, probB: Float64Array): string {
  const fApB = g.op('Add', [g.op('Mul', [decisions, f64(g, 'prob_a', probA, [probA.length])]), f64(g, 'prob_b', probB, [probB.length])]);
  const one = f64(g, 'one', [1], []);
  const expNeg = g.op('Exp', [g.op('Neg', [fApB])]);
  const nonNegative = g.op('Div', [expNeg, g.op('Add', [one, expNeg])]);
  const negative = g.op('Div', [one, g.op('Add', [one, g.op('Exp', [fApB])])]);
  const zero = f64(g, 'zero', [0], []);
  const sigmoid = g.op('Where', [g.op('GreaterOrEqual', [fApB, zero]), nonNegative, negative]);
  return g.op('Min', [g.op('Max', [sigmoid, f64(g, 'min_prob', [MIN_PROB], [])]), f64(g, 'max_prob', [1 - MIN_PROB], [])]);
}

/** Columns of x ([N, width]) picked by index: [N, indices.length]. */
function columns(g: GraphBuilder, x: string, indices: number[]): string {
  return g.op('Gather', [x, g.constant('columns', { type: 'int64', dims: [indices.length], values: indices })], { axis: { int: 1 } });
}

/**
 * [N, k] class probabilities from the [N, pairs] decision values, as libsvm's multiclass_probability computes them.
 * r[i][j] is the probability that i beats j; Q[t][t] = Σ_{j≠t} r[j][t]² (j ascending), Q[t][j] = -r[j][t]·r[t][j].
 */
export function pairwiseCoupling(g: GraphBuilder, decisions: string, probA: Float64Array, probB: Float64Array, k: number): string {
  const pp = pairProbabilities(g, decisions, probA, probB);
  const pairs = probA.length;
  const one = f64(g, 'one', [1], []);
  const zeroColumn = g.op('Mul', [columns(g, pp, [0]), f64(g, 'zero', [0], [])]);
  // r as columns of [pp, 1 - pp, 0]: pair p's i-beats-j at p, j-beats-i at pairs + p, the (unused) diagonal at 2·pairs.
  const table = g.op('Concat', [pp, g.op('Sub', [one, pp]), zeroColumn], { axis: { int: 1 } });
  const rIndex: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(2 * pairs));
  let p = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++, p++) {
      rIndex[i][j] = p;
      rIndex[j][i] = pairs + p;
    }
  }
  // Q's diagonal, summed over j in libsvm's order; r[t][t] reads the zero column, and x + 0 = x.
  let qDiag = '';
  for (let j = 0; j < k; j++) {
    const r = columns(g, table, Array.from({ length: k }, (_, t) => rIndex[j][t]));
    const square = g.op('Mul', [r, r]);
    qDiag = j === 0 ? square : g.op('Add', [qDiag, square]);
  }
  const flat = <T>(f: (t: number, j: number) => T) => Array.from({ length: k * k }, (_, n) => f(Math.floor(n / k), n % k));
  const offDiagonal = g.op('Neg', [g.op('Mul', [
    columns(g, table, flat((t, j) => rIndex[j][t])),
    columns(g, table, flat((t, j) => rIndex[t][j])),
  ])]);
  const isDiagonal = g.constant('diagonal', { type: 'bool', dims: [k * k], values: flat((t, j) => t === j) });
  const q = g.op('Where', [isDiagonal, columns(g, qDiag, flat((t) => t)), offDiagonal]);
  // Q is symmetric: column t of Q (over rows) is also row t.
  const qColumn = Array.from({ length: k }, (_, t) => columns(g, q, Array.from({ length: k }, (_, s) => s * k + t)));
  const qDiagonal = Array.from({ length: k }, (_, t) => columns(g, qDiag, [t]));
  const zero = f64(g, 'zero', [0], []);
  const two = f64(g, 'two', [2], []);
  const eps = f64(g, 'eps', [0.005 / k], []);
  const infinity = f64(g, 'infinity', [Infinity], []);
  // The state is [p | Qp] ([N, 2k]): step t adds diff·[e_t | Q row t], then divides the whole row by 1 + diff.
  const stepRows = Array.from({ length: k }, (_, t) => {
    const unit = f64(g, 'unit', Array.from({ length: k }, (_, s) => (s === t ? 1 : 0)), [k]);
    return g.op('Concat', [g.op('Add', [g.op('Mul', [qColumn[t], zero]), unit]), qColumn[t]], { axis: { int: 1 } });
  });
  const pColumns = (state: string) => g.op('Slice', [state,
    g.constant('start', { type: 'int64', dims: [1], values: [0] }), g.constant('end', { type: 'int64', dims: [1], values: [k] }),
    g.constant('axis', { type: 'int64', dims: [1], values: [1] })]);

  let state = g.op('Concat', [g.op('Add', [g.op('Mul', [qDiag, zero]), f64(g, 'uniform', [1 / k], [])]), qDiag], { axis: { int: 1 } });
  // Q[t][t] to divide by, or +inf once a row has converged: its every step is then exactly 0.
  let divisor = qDiag;
  const maxIter = Math.max(100, k);
  for (let iter = 0; iter < maxIter; iter++) {
    // Stopping condition: Qp and pQp recomputed from p, summed in libsvm's order.
    const pj = g.node('Split', [state], 2 * k, { axis: { int: 1 }, num_outputs: { int: 2 * k } });
    let qp = g.op('Mul', [qColumn[0], pj[0]]);
    for (let j = 1; j < k; j++) qp = g.op('Add', [qp, g.op('Mul', [qColumn[j], pj[j]])]);
    const prob = pColumns(state);
    const terms = g.node('Split', [g.op('Mul', [prob, qp])], k, { axis: { int: 1 }, num_outputs: { int: k } });
    let pqp = terms.reduce((sum, term) => g.op('Add', [sum, term]));
    const maxError = g.op('ReduceMax', [g.op('Abs', [g.op('Sub', [qp, pqp])]), axes(g, 1)], { keepdims: { int: 1 } });
    divisor = g.op('Where', [g.op('GreaterOrEqual', [maxError, eps]), divisor, infinity]);
    const divisors = g.node('Split', [divisor], k, { axis: { int: 1 }, num_outputs: { int: k } });
    state = g.op('Concat', [prob, qp], { axis: { int: 1 } });
    for (let t = 0; t < k; t++) {
      const qpt = columns(g, state, [k + t]);
      const diff = g.op('Div', [g.op('Sub', [pqp, qpt]), divisors[t]]);
      const onePlus = g.op('Add', [one, diff]);
      const step = g.op('Mul', [diff, g.op('Add', [g.op('Mul', [diff, qDiagonal[t]]), g.op('Mul', [two, qpt])])]);
      pqp = g.op('Div', [g.op('Div', [g.op('Add', [pqp, step]), onePlus]), onePlus]);
      state = g.op('Div', [g.op('Add', [state, g.op('Mul', [diff, stepRows[t]])]), onePlus]);
    }
  }
  return pColumns(state);
}
