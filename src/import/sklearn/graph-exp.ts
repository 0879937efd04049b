// exp in the graph, correctly rounded but for rare near-ties, as glibc's exp (scipy's expit) nearly always is:
// onnxruntime's Exp (Eigen's polynomial) is a last bit off it for about one argument in seven. Built from
// additions and products only, in double-double arithmetic: x = m·ln2 + j·ln2/64 + r, exp x = 2^m · 2^(j/64) · e^r,
// with 2^(j/64) from a table of double-doubles and e^r from its series, then one final rounding.
import type { GraphBuilder } from '../../onnx/builder.js';
import { exp2Fractions, ln2Parts } from './correctly-rounded.js';
import { f64 } from './graph-ops.js';

const STEPS = 64;
/** Dekker's splitting constant, 2^27 + 1. */
const SPLIT = 134217729;

export function exactExp(g: GraphBuilder, input: string): string {
  const c = (name: string, v: number) => f64(g, name, [v], []);
  const add = (a: string, b: string) => g.op('Add', [a, b]);
  const sub = (a: string, b: string) => g.op('Sub', [a, b]);
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  /** a + b exactly, as s + e, whatever their magnitudes (Knuth). */
  const twoSum = (a: string, b: string): [string, string] => {
    const s = add(a, b);
    const bb = sub(s, a);
    return [s, add(sub(a, sub(s, bb)), sub(b, bb))];
  };
  /** a + b exactly, as s + e, when |a| >= |b|. */
  const fastTwoSum = (a: string, b: string): [string, string] => {
    const s = add(a, b);
    return [s, sub(b, sub(s, a))];
  };
  const split = (a: string): [string, string] => {
    const t = mul(a, c('split', SPLIT));
    const hi = sub(t, sub(t, a));
    return [hi, sub(a, hi)];
  };
  /** a · b exactly, as p + e (Dekker). */
  const twoProd = (a: string, b: string): [string, string] => {
    const p = mul(a, b);
    const [ah, al] = split(a);
    const [bh, bl] = split(b);
    return [p, add(add(add(sub(mul(ah, bh), p), mul(ah, bl)), mul(al, bh)), mul(al, bl))];
  };

  // Beyond these bounds exp is 0 or infinity; inside them n has at most 17 bits, so n·c1 and n·c2 are exact.
  // NaN is computed as 0 (the table index must stay valid) and put back at the end.
  const nan = g.op('IsNaN', [input]);
  const bounded = g.op('Min', [g.op('Max', [input, c('low', -746)]), c('high', 710)]);
  const x = g.op('Where', [nan, c('zero', 0), bounded]);
  const n = g.op('Floor', [add(mul(x, c('steps_per_ln2', STEPS / Math.LN2)), c('half', 0.5))]);
  const j = sub(n, mul(c('steps', STEPS), g.op('Floor', [mul(n, c('per_step', 1 / STEPS))])));
  const m = mul(sub(n, j), c('per_step', 1 / STEPS));
  const [c1, c2, c3] = ln2Parts(STEPS, 32);
  // r = x - n·ln2/64 as a double-double: x - n·c1 is exact (Sterbenz), so is n·c2.
  const [s, e] = twoSum(sub(x, mul(n, c('ln2_1', c1))), g.op('Neg', [mul(n, c('ln2_2', c2))]));
  const [rh, rl] = fastTwoSum(s, sub(e, mul(n, c('ln2_3', c3))));
  // e^r - 1 = r + r²/2 + r³·(1/6 + r/24 + … + r⁵/8!), |r| <= ln2/128: r²/2 exactly, the tail in double.
  const [p, pl] = twoProd(rh, rh);
  const halfP = mul(p, c('one_half', 0.5));
  let tail = c('c8', 1 / 40320);
  for (const k of [5040, 720, 120, 24, 6]) tail = add(mul(tail, rh), c(`c${k}`, 1 / k));
  const cube = mul(mul(p, rh), tail);
  const [q0, q0l] = fastTwoSum(rh, halfP);
  const small = add(add(add(q0l, rl), mul(pl, c('one_half', 0.5))), add(mul(rl, add(rh, halfP)), cube));
  const [qh, ql] = fastTwoSum(q0, small);
  // 2^(j/64) · (1 + q) = Th + Th·qh + (Th·ql + Tl + Tl·qh), rounded once.
  const table = exp2Fractions(STEPS);
  const index = g.op('Cast', [j], { to: { int: 7 } });
  const th = g.op('Gather', [f64(g, 'exp2_hi', table.hi, [STEPS]), index], { axis: { int: 0 } });
  const tl = g.op('Gather', [f64(g, 'exp2_lo', table.lo, [STEPS]), index], { axis: { int: 0 } });
  const [u, ul] = twoProd(th, qh);
  const [sum, suml] = fastTwoSum(th, u);
  const low = add(add(add(suml, ul), mul(th, ql)), add(tl, mul(tl, qh)));
  const rounded = add(sum, low);
  const result = mul(rounded, g.op('Pow', [c('two', 2), m]));
  return g.op('Where', [nan, input, result]);
}
