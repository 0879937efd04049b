// What an explainer answers: per row and per explained output, one contribution per input feature and the base
// value (the bias column, last), which add up to the model's output in the space the explainer states.
import { expectedValues, ShapPath, treeShap, type Rounding, type ShapTree } from './treeshap.js';

/** What the contributions add up to. */
export const EXPLAINED_SPACES = ['probability', 'log-odds', 'margin', 'value'] as const;
export type ExplainedSpace = (typeof EXPLAINED_SPACES)[number];

export interface Explainer {
  /** The graph input it reads: a [N, width] matrix of numbers. */
  input: string;
  width: number;
  space: ExplainedSpace;
  /** Per explained output: the index of its class in the model's classes, or null for a regression value. */
  classes: (number | null)[];
  /** Contributions [rows, outputs, width + 1], the base value last in each output's row. */
  explain(x: ArrayLike<number>, rows: number): Float64Array;
}

/** A model that cannot be explained exactly, and why. */
export interface NotExplainable {
  reason: string;
}

export class NotExplainableError extends Error {}

/** One tree of an ensemble: it feeds outputs [output, output + tree.outputs), its contributions times `weight`. */
export interface EnsembleTerm {
  tree: ShapTree;
  output: number;
  weight: number;
}

export interface TreeEnsemble {
  terms: EnsembleTerm[];
  outputs: number;
  /** Added to each output's base value after the trees (XGBoost's base margin, boosting's init prediction). */
  base: ArrayLike<number>;
  /** The averaged ensembles divide the sums by their number of trees. */
  divisor: number;
  round: Rounding;
}

/**
 * Contributions summed tree by tree as XGBoost's predictor sums them: each tree's values (its expected value in the
 * bias column) in a zeroed buffer, times its weight, added to the total; the base margin added last.
 */
export function ensembleExplainer(ensemble: TreeEnsemble, input: string, width: number, space: ExplainedSpace, classes: (number | null)[]): Explainer {
  const { terms, outputs, base, divisor, round } = ensemble;
  const means = terms.map((t) => expectedValues(t.tree, round));
  const stride = width + 1;
  return {
    input,
    width,
    space,
    classes,
    explain(x, rows) {
      const out = new Float64Array(rows * outputs * stride);
      const buffer = new Float64Array(Math.max(...terms.map((t) => t.tree.outputs), 1) * stride);
      const path = new ShapPath(Math.max(...terms.map((t) => t.tree.depth), 0));
      for (let r = 0; r < rows; r++) {
        const total = out.subarray(r * outputs * stride, (r + 1) * outputs * stride);
        terms.forEach(({ tree, output, weight }, t) => {
          const k = tree.outputs;
          buffer.fill(0, 0, k * stride);
          for (let j = 0; j < k; j++) buffer[j * stride + width] = means[t][j];
          treeShap(tree, x, r * width, buffer, stride, round, path);
          for (let j = 0; j < k; j++) {
            const into = (output + j) * stride;
            for (let c = 0; c < stride; c++) total[into + c] = round(total[into + c] + round(buffer[j * stride + c] * weight));
          }
        });
        for (let j = 0; j < outputs; j++) total[j * stride + width] = round(total[j * stride + width] + base[j]);
        if (divisor !== 1) for (let i = 0; i < total.length; i++) total[i] /= divisor;
      }
      return out;
    },
  };
}
