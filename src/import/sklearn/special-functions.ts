// Functions ONNX lacks, built from its ops in float64: log1p and expm1 (accurate to a few ulp, where the naive
// log(1 + x) and exp(x) - 1 lose every digit near 0), and scipy's ndtri (the normal quantile function) step by
// step as Cephes computes it, so its result differs from scipy's only through onnxruntime's log.
import type { GraphBuilder } from '../../onnx/builder.js';
import { f64 } from './graph-ops.js';

const scalar = (g: GraphBuilder, value: number) => f64(g, 'c', [value], []);

/** Where(condition, a, b), for brevity. */
export const where = (g: GraphBuilder, condition: string, a: string, b: string) => g.op('Where', [condition, a, b]);

/** log1p(x) = log(u) * (x / (u - 1)) with u = 1 + x (Goldberg's formula); x itself where u rounds to 1. */
export function log1p(g: GraphBuilder, x: string): string {
  const u = g.op('Add', [x, scalar(g, 1)]);
  const d = g.op('Sub', [u, scalar(g, 1)]);
  const accurate = g.op('Mul', [g.op('Log', [u]), g.op('Div', [x, d])]);
  return where(g, g.op('IsInf', [u]), u, where(g, g.op('Equal', [d, scalar(g, 0)]), x, accurate));
}

/** expm1(y) = (u - 1) * (y / log(u)) with u = exp(y) (Kahan's formula); y where u rounds to 1, -1 where u - 1 does. */
export function expm1(g: GraphBuilder, y: string): string {
  const u = g.op('Exp', [y]);
  const um1 = g.op('Sub', [u, scalar(g, 1)]);
  const accurate = g.op('Mul', [um1, g.op('Div', [y, g.op('Log', [u])])]);
  const tiny = g.op('Equal', [um1, scalar(g, 0)]);
  const saturated = g.op('Or', [g.op('Equal', [um1, scalar(g, -1)]), g.op('IsInf', [u])]);
  return where(g, tiny, y, where(g, saturated, um1, accurate));
}

/** Cephes polevl: c[0] x^n + … + c[n] by Horner's rule. */
function polevl(g: GraphBuilder, x: string, c: readonly number[]): string {
  let acc = scalar(g, c[0]);
  for (const k of c.slice(1)) acc = g.op('Add', [g.op('Mul', [acc, x]), scalar(g, k)]);
  return acc;
}

/** Cephes p1evl: as polevl with a leading coefficient of 1 that is not stored. */
function p1evl(g: GraphBuilder, x: string, c: readonly number[]): string {
  let acc = g.op('Add', [x, scalar(g, c[0])]);
  for (const k of c.slice(1)) acc = g.op('Add', [g.op('Mul', [acc, x]), scalar(g, k)]);
  return acc;
}

// Cephes ndtri's rational approximations (Moshier): |y - 0.5| <= 3/8, then z = sqrt(-2 log y) in [2, 8) and [8, 64].
const P0 = [-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1, 1.39312609387279679503e1,
  -1.23916583867381258016e0];
const Q0 = [1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1, -2.25462687854119370527e2,
  2.00260212380060660359e2, -8.20372256168333339912e1, 1.59056225126211695515e1, -1.18331621121330003142e0];
const P1 = [4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1, 4.40805073893200834700e1,
  1.46849561928858024014e1, 2.18663306850790267539e0, -1.40256079171354495875e-1, -3.50424626827848203418e-2,
  -8.57456785154685413611e-4];
const Q1 = [1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1, 1.50425385692907503408e1,
  2.50464946208309415979e0, -1.42182922854787788574e-1, -3.80806407691578277194e-2, -9.33259480895457427372e-4];
const P2 = [3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0, 1.33303460815807542389e0,
  2.01485389549179081538e-1, 1.23716634817820021358e-2, 3.01581553508235416007e-4, 2.65806974686737550832e-6,
  6.23974539184983293730e-9];
const Q2 = [6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0, 2.16236993594496635890e-1,
  1.34204006088543189037e-2, 3.28014464682127739104e-4, 2.89247864745380683936e-6, 6.79019408009981274425e-9];
const SQRT_2PI = 2.50662827463100050242e0;
const EXP_MINUS_2 = 0.13533528323661269189;

/** scipy.stats.norm.ppf(q): scipy.special.ndtri, -inf at 0, +inf at 1, NaN outside [0, 1] and for NaN. */
export function normalPpf(g: GraphBuilder, q: string): string {
  const upper = g.op('Greater', [q, scalar(g, 1 - EXP_MINUS_2)]);
  const y = where(g, upper, g.op('Sub', [scalar(g, 1), q]), q);
  // Centre: x = (w + w (w² P0(w²) / Q0(w²))) sqrt(2π), w = y - 0.5.
  const w = g.op('Sub', [y, scalar(g, 0.5)]);
  const w2 = g.op('Mul', [w, w]);
  const ratio = g.op('Div', [g.op('Mul', [w2, polevl(g, w2, P0)]), p1evl(g, w2, Q0)]);
  const centre = g.op('Mul', [g.op('Add', [w, g.op('Mul', [w, ratio])]), scalar(g, SQRT_2PI)]);
  // Tails: x = sqrt(-2 log y); x - log(x)/x - z P(z)/Q(z) with z = 1/x, negated on the lower side.
  const x = g.op('Sqrt', [g.op('Mul', [scalar(g, -2), g.op('Log', [y])])]);
  const x0 = g.op('Sub', [x, g.op('Div', [g.op('Log', [x]), x])]);
  const z = g.op('Div', [scalar(g, 1), x]);
  const near = g.op('Div', [g.op('Mul', [z, polevl(g, z, P1)]), p1evl(g, z, Q1)]);
  const far = g.op('Div', [g.op('Mul', [z, polevl(g, z, P2)]), p1evl(g, z, Q2)]);
  const tail = g.op('Sub', [x0, where(g, g.op('Less', [x, scalar(g, 8)]), near, far)]);
  const signed = where(g, upper, tail, g.op('Neg', [tail]));
  const inner = where(g, g.op('Greater', [y, scalar(g, EXP_MINUS_2)]), centre, signed);
  const atZero = g.op('Equal', [q, scalar(g, 0)]);
  const atOne = g.op('Equal', [q, scalar(g, 1)]);
  const outside = g.op('Or', [g.op('Less', [q, scalar(g, 0)]), g.op('Greater', [q, scalar(g, 1)])]);
  return where(g, atZero, scalar(g, -Infinity), where(g, atOne, scalar(g, Infinity), where(g, outside, scalar(g, NaN), inner)));
}
