// The inverse links of scikit-learn's sklearn._loss objects (≥ 1.1 for HistGradientBoosting, ≥ 1.4 for
// GradientBoosting), spelled with the same operations in the same order as scipy and numpy compute them.
import type { GraphBuilder } from '../../onnx/builder.js';
import { PyObject } from '../pickle/values.js';
import { attr, shortName } from './attrs.js';
import { exactExp } from './graph-exp.js';
import { axes, columns, f64 } from './graph-ops.js';
import { numpyOrderSum } from './numpy-order.js';

/** The class name of the estimator's loss object (`_loss`), or its `loss` parameter when it has none. */
export function lossName(estimator: PyObject): string {
  const loss = attr(estimator, '_loss') ?? attr(estimator, 'loss_');
  if (loss instanceof PyObject) return shortName(loss);
  const named = attr(estimator, 'loss');
  return typeof named === 'string' ? named : 'unknown';
}

/** The loss is one of sklearn._loss (GradientBoosting ≥ 1.4, HistGradientBoosting), not of sklearn.ensemble._gb_losses. */
export function hasLossModuleLoss(estimator: PyObject): boolean {
  const loss = attr(estimator, '_loss');
  return loss instanceof PyObject && loss.className.startsWith('sklearn._loss.');
}

/** The class name of the loss object's link (IdentityLink, LogLink, LogitLink, MultinomialLogit…), or null. */
export function linkName(estimator: PyObject): string | null {
  const loss = attr(estimator, '_loss');
  const link = loss instanceof PyObject ? loss.get('link') : undefined;
  return link instanceof PyObject ? shortName(link) : null;
}

/** onnxruntime's Exp: one Eigen polynomial, a last bit off glibc's for about one argument in seven. */
export const onnxExp = (g: GraphBuilder, x: string) => g.op('Exp', [x]);

/**
 * scipy.special.expit: 1 / (1 + exp(-x)), by default with the C library's (correctly rounded) exp. Written out
 * rather than onnxruntime's Sigmoid, which flushes tiny values (x < -40 or so) to 0.
 */
export function expit(g: GraphBuilder, x: string, exp: (g: GraphBuilder, x: string) => string = exactExp): string {
  const one = f64(g, 'one', [1], []);
  return g.op('Div', [one, g.op('Add', [one, exp(g, g.op('Neg', [x]))])]);
}

/** The row sums of a [N, k] value in the order numpy's pairwise add.reduce adds a contiguous row. */
export function numpyRowSum(g: GraphBuilder, x: string, k: number): string {
  return numpyOrderSum(g, Array.from({ length: k }, (_, j) => columns(g, x, j, j + 1)));
}

/** sklearn.utils.extmath.softmax: exp(x - max(x)) / sum, row by row. */
export function softmax(g: GraphBuilder, x: string, k: number): string {
  const max = g.op('ReduceMax', [x, axes(g, 1)], { keepdims: { int: 1 } });
  const e = exactExp(g, g.op('Sub', [x, max]));
  return g.op('Div', [e, numpyRowSum(g, e, k)]);
}
