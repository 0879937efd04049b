// numpy's summation order, where the order decides the last bit: for graph values and for plain numbers alike.
import type { GraphBuilder } from '../../onnx/builder.js';

/**
 * Σ items in the order numpy's pairwise summation adds them (add.reduce over a contiguous axis): in sequence below
 * 8 terms, 8 interleaved partial sums up to 128, halves (cut at a multiple of 8) above.
 */
export function pairwise<T>(items: readonly T[], add: (a: T, b: T) => T): T {
  const n = items.length;
  if (n < 8) return items.reduce(add);
  if (n <= 128) {
    const r = items.slice(0, 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = add(r[j], items[i + j]);
    let sum = add(add(add(r[0], r[1]), add(r[2], r[3])), add(add(r[4], r[5]), add(r[6], r[7])));
    for (; i < n; i++) sum = add(sum, items[i]);
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return add(pairwise(items.slice(0, half), add), pairwise(items.slice(half), add));
}

/** Σ of graph values in numpy's pairwise order. */
export function numpyOrderSum(g: GraphBuilder, terms: readonly string[]): string {
  return pairwise(terms, (a, b) => g.op('Add', [a, b]));
}
