// Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2): the EXTEND/UNWIND recursion over the
// unique features on the path to each leaf, weighing branches x does not follow by their cover. The arithmetic runs
// in the order XGBoost's C++ runs it; `round` is Math.fround to reproduce its float32 results, identity for float64.

/** A decision tree as TreeSHAP reads it: children (-1 at leaves), split features, node covers, leaf values. */
export interface ShapTree {
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  feature: ArrayLike<number>;
  cover: ArrayLike<number>;
  /** Values per leaf: values[node * outputs + k]. */
  values: ArrayLike<number>;
  outputs: number;
  /** The child a row follows at an interior node (the row's features start at `at` in `x`). */
  hot(node: number, x: ArrayLike<number>, at: number): number;
  /** Length of the longest root-to-leaf path, in edges. */
  depth: number;
}

export type Rounding = (v: number) => number;

export const FLOAT64: Rounding = (v) => v;
export const FLOAT32: Rounding = Math.fround;

/** Tree depth in edges, from the root. */
export function treeDepth(left: ArrayLike<number>, right: ArrayLike<number>): number {
  let deepest = 0;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length) {
    const [node, d] = stack.pop() as [number, number];
    if (left[node] < 0) deepest = Math.max(deepest, d);
    else stack.push([left[node], d + 1], [right[node], d + 1]);
  }
  return deepest;
}

/** The cover-weighted mean of the leaves under each node, per output: the tree's expected value at the root. */
export function expectedValues(tree: ShapTree, round: Rounding): Float64Array {
  const k = tree.outputs;
  const mean = new Float64Array(tree.left.length * k);
  const fill = (node: number): void => {
    const l = tree.left[node];
    const r = tree.right[node];
    if (l < 0) {
      for (let j = 0; j < k; j++) mean[node * k + j] = tree.values[node * k + j];
      return;
    }
    fill(l);
    fill(r);
    for (let j = 0; j < k; j++) {
      const sum = round(round(mean[l * k + j] * tree.cover[l]) + round(mean[r * k + j] * tree.cover[r]));
      mean[node * k + j] = round(sum / tree.cover[node]);
    }
  };
  fill(0);
  return mean;
}

/** The unique path: one segment per recursion level, laid out as XGBoost lays it out; reusable across trees. */
export class ShapPath {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
  /** Room for trees up to `depth` edges deep. */
  constructor(readonly depth: number) {
    const d = depth + 2;
    const size = (d * (d + 1)) / 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

function extend(p: ShapPath, at: number, depth: number, zero: number, one: number, feature: number, round: Rounding): void {
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  p.weight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.weight[at + i + 1] = round(p.weight[at + i + 1] + round(round(round(one * p.weight[at + i]) * (i + 1)) / (depth + 1)));
    p.weight[at + i] = round(round(round(zero * p.weight[at + i]) * (depth - i)) / (depth + 1));
  }
}

function unwind(p: ShapPath, at: number, depth: number, index: number, round: Rounding): void {
  const one = p.one[at + index];
  const zero = p.zero[at + index];
  let next = p.weight[at + depth];
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.weight[at + i];
      p.weight[at + i] = round(round(next * (depth + 1)) / round((i + 1) * one));
      next = round(tmp - round(round(round(p.weight[at + i] * zero) * (depth - i)) / (depth + 1)));
    } else {
      p.weight[at + i] = round(round(p.weight[at + i] * (depth + 1)) / round(zero * (depth - i)));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1];
    p.zero[at + i] = p.zero[at + i + 1];
    p.one[at + i] = p.one[at + i + 1];
  }
}

/** The total permutation weight if the path element at `index` were unwound. */
function unwoundSum(p: ShapPath, at: number, depth: number, index: number, round: Rounding): number {
  const one = p.one[at + index];
  const zero = p.zero[at + index];
  let next = p.weight[at + depth];
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = round(round(next * (depth + 1)) / round((i + 1) * one));
      total = round(total + tmp);
      next = round(p.weight[at + i] - round(round(tmp * zero) * round((depth - i) / (depth + 1))));
    } else if (zero !== 0) {
      total = round(total + round(round(p.weight[at + i] / zero) / round((depth - i) / (depth + 1))));
    }
  }
  return total;
}

/**
 * A feature held fixed, for SHAP interaction values (Lundberg et al. 2020; XGBoost's pred_interactions): condition 1
 * follows only the row's branch at its splits, -1 only the cover-weighted average of both, and the feature leaves the
 * path either way; 0 conditions nothing.
 */
export interface Condition {
  condition: -1 | 0 | 1;
  feature: number;
}

export const UNCONDITIONED: Condition = { condition: 0, feature: -1 };

interface Walk extends Condition {
  tree: ShapTree;
  x: ArrayLike<number>;
  at: number;
  phi: Float64Array;
  stride: number;
  round: Rounding;
  path: ShapPath;
}

function recurse(w: Walk, node: number, parentAt: number, depth: number, zeroFraction: number, oneFraction: number, parentFeature: number, conditionFraction: number): void {
  const { tree, path, round } = w;
  if (conditionFraction === 0) return;
  const seg = parentAt + depth + 1;
  for (let i = 0; i <= depth; i++) {
    path.feature[seg + i] = path.feature[parentAt + i];
    path.zero[seg + i] = path.zero[parentAt + i];
    path.one[seg + i] = path.one[parentAt + i];
    path.weight[seg + i] = path.weight[parentAt + i];
  }
  if (w.condition === 0 || w.feature !== parentFeature) extend(path, seg, depth, zeroFraction, oneFraction, parentFeature, round);
  const left = tree.left[node];
  if (left < 0) {
    const k = tree.outputs;
    for (let i = 1; i <= depth; i++) {
      const scale = round(unwoundSum(path, seg, depth, i, round) * round(path.one[seg + i] - path.zero[seg + i]));
      const f = path.feature[seg + i];
      for (let j = 0; j < k; j++) {
        w.phi[j * w.stride + f] = round(w.phi[j * w.stride + f] + round(round(scale * tree.values[node * k + j]) * conditionFraction));
      }
    }
    return;
  }
  const right = tree.right[node];
  const hot = tree.hot(node, w.x, w.at);
  const cold = hot === left ? right : left;
  const cover = tree.cover[node];
  const hotZero = round(tree.cover[hot] / cover);
  const coldZero = round(tree.cover[cold] / cover);
  let incomingZero = 1;
  let incomingOne = 1;
  const feature = tree.feature[node];
  let d = depth;
  let index = 0;
  while (index <= d && path.feature[seg + index] !== feature) index++;
  if (index <= d) {
    incomingZero = path.zero[seg + index];
    incomingOne = path.one[seg + index];
    unwind(path, seg, d, index, round);
    d -= 1;
  }
  let hotCondition = conditionFraction;
  let coldCondition = conditionFraction;
  if (w.condition !== 0 && feature === w.feature) {
    // The held feature takes no path element: its branches share out the condition fraction instead.
    if (w.condition > 0) {
      coldCondition = 0;
    } else {
      hotCondition = round(hotCondition * hotZero);
      coldCondition = round(coldCondition * coldZero);
    }
    d -= 1;
  }
  recurse(w, hot, seg, d + 1, round(hotZero * incomingZero), incomingOne, feature, hotCondition);
  recurse(w, cold, seg, d + 1, round(coldZero * incomingZero), 0, feature, coldCondition);
}

/**
 * Adds the tree's SHAP values for one row (its features start at `at` in `x`) to phi[k * stride + feature],
 * k = the tree's outputs; the caller's bias column is not touched. `path` must have room for the tree's depth.
 */
export function treeShap(tree: ShapTree, x: ArrayLike<number>, at: number, phi: Float64Array, stride: number, round: Rounding, path: ShapPath, held: Condition = UNCONDITIONED): void {
  // The root's path element stands for no feature (-1) and is never credited.
  recurse({ tree, x, at, phi, stride, round, path, ...held }, 0, 0, 0, 1, 1, -1, 1);
}
