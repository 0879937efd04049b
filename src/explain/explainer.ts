// What an explainer answers: per row and per explained output, one contribution per input feature and the base
// value (the bias column, last), which add up to the model's output in the space the explainer states.
import type { Feeds } from '../runtime/runner.js';
import { expectedValues, ShapPath, treeShap, UNCONDITIONED, type Condition, type Rounding, type ShapTree } from './treeshap.js';

/** What the contributions add up to. */
export const EXPLAINED_SPACES = ['probability', 'log-odds', 'margin', 'value'] as const;
export type ExplainedSpace = (typeof EXPLAINED_SPACES)[number];

/** Contributions over the columns of one [N, width] matrix of numbers: the features a model itself splits or weighs. */
export interface MatrixExplainer {
  width: number;
  space: ExplainedSpace;
  /** Per explained output: the index of its class in the model's classes, or null for a regression value. */
  classes: (number | null)[];
  /** Contributions [rows, outputs, width + 1], the base value last in each output's row. */
  explain(x: ArrayLike<number>, rows: number): Float64Array;
  /** SHAP interaction values [rows, outputs, width + 1, width + 1] (the bias last), where the model has them. */
  interactions?(x: ArrayLike<number>, rows: number): Float64Array;
}

/** An explained feature: the graph input it is read from and its column there (null: the whole [N, 1] input). */
export interface ExplainedFeature {
  input: string;
  column: number | null;
}

/** What the server asks: contributions of the model's input features, read from the feeds the graph takes. */
export interface Explainer {
  /** The graph inputs it reads. */
  inputs: string[];
  features: ExplainedFeature[];
  /** features.length */
  width: number;
  space: ExplainedSpace;
  classes: (number | null)[];
  /**
   * True when a feature's contribution is the sum of the contributions of the several columns an encoder made of it
   * (one-hot): for linear models that is the feature's exact contribution; for trees it is the sum of the encoded
   * columns' TreeSHAP values (shap's grouping of one-hot columns), not a Shapley value of the feature as one player.
   */
  grouped: boolean;
  /** Contributions [rows, outputs, width + 1], the base value last in each output's row. */
  explain(feeds: Feeds, rows: number): Float64Array;
  /** SHAP interaction values [rows, outputs, width + 1, width + 1], where the model has them (XGBoost trees). */
  interactions?(feeds: Feeds, rows: number): Float64Array;
}

/** A matrix explainer over one [N, width] graph input, each of its columns a feature. */
export function overInput(m: MatrixExplainer, input: string): Explainer {
  const matrix = (feeds: Feeds) => feeds[input].data as ArrayLike<number>;
  const { interactions } = m;
  return {
    inputs: [input],
    features: Array.from({ length: m.width }, (_, column) => ({ input, column })),
    width: m.width,
    space: m.space,
    classes: m.classes,
    grouped: false,
    explain: (feeds, rows) => m.explain(matrix(feeds), rows),
    ...(interactions ? { interactions: (feeds: Feeds, rows: number) => interactions(matrix(feeds), rows) } : {}),
  };
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
  /** Offer SHAP interaction values (XGBoost's, whose predict(pred_interactions=True) they reproduce). */
  interactions?: boolean;
}

/**
 * Contributions summed tree by tree as XGBoost's predictor sums them: each tree's values (its expected value in the
 * bias column, unless a feature is held) in a zeroed buffer, times its weight, added to the total; the base margin
 * added last.
 */
export function ensembleExplainer(ensemble: TreeEnsemble, width: number, space: ExplainedSpace, classes: (number | null)[]): MatrixExplainer {
  const { terms, outputs, base, divisor, round } = ensemble;
  const means = terms.map((t) => expectedValues(t.tree, round));
  const stride = width + 1;
  const buffer = new Float64Array(Math.max(...terms.map((t) => t.tree.outputs), 1) * stride);
  const path = new ShapPath(Math.max(...terms.map((t) => t.tree.depth), 0));
  /** One row's contributions [outputs, width + 1] into `total` (zeroed). */
  const explainRow = (x: ArrayLike<number>, at: number, total: Float64Array, held: Condition) => {
    terms.forEach(({ tree, output, weight }, t) => {
      const k = tree.outputs;
      buffer.fill(0, 0, k * stride);
      if (held.condition === 0) for (let j = 0; j < k; j++) buffer[j * stride + width] = means[t][j];
      treeShap(tree, x, at, buffer, stride, round, path, held);
      for (let j = 0; j < k; j++) {
        const into = (output + j) * stride;
        for (let c = 0; c < stride; c++) total[into + c] = round(total[into + c] + round(buffer[j * stride + c] * weight));
      }
    });
    for (let j = 0; j < outputs; j++) total[j * stride + width] = round(total[j * stride + width] + base[j]);
    if (divisor !== 1) for (let i = 0; i < total.length; i++) total[i] /= divisor;
  };
  const explainer: MatrixExplainer = {
    width,
    space,
    classes,
    explain(x, rows) {
      const out = new Float64Array(rows * outputs * stride);
      for (let r = 0; r < rows; r++) explainRow(x, r * width, out.subarray(r * outputs * stride, (r + 1) * outputs * stride), UNCONDITIONED);
      return out;
    },
  };
  if (!ensemble.interactions) return explainer;
  return {
    ...explainer,
    // XGBoost's PredictInteractionContributions: for each column i, the row's values with i held on and held off;
    // half their difference is i's interaction with each other column, and i's own effect is its contribution less
    // those interactions, subtracted (and added) in column order in float32.
    interactions(x, rows) {
      const size = outputs * stride;
      const out = new Float64Array(rows * outputs * stride * stride);
      const plain = new Float64Array(size);
      const on = new Float64Array(size);
      const off = new Float64Array(size);
      for (let r = 0; r < rows; r++) {
        plain.fill(0);
        explainRow(x, r * width, plain, UNCONDITIONED);
        for (let i = 0; i < stride; i++) {
          off.fill(0);
          on.fill(0);
          explainRow(x, r * width, off, { condition: -1, feature: i });
          explainRow(x, r * width, on, { condition: 1, feature: i });
          for (let k = 0; k < outputs; k++) {
            const row = ((r * outputs + k) * stride + i) * stride;
            out[row + i] = 0;
            for (let c = 0; c < stride; c++) {
              if (c === i) {
                out[row + i] = round(out[row + i] + plain[k * stride + c]);
              } else {
                out[row + c] = round(round(on[k * stride + c] - off[k * stride + c]) / 2);
                out[row + i] = round(out[row + i] - out[row + c]);
              }
            }
          }
        }
      }
      return out;
    },
  };
}
