// An XGBoost tree model in one form, whatever file it came from (JSON, UBJSON, the legacy binary format).
import { parseFloat32 } from './float32.js';

export interface XgbTree {
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  splitIndex: ArrayLike<number>;
  /** Split conditions at interior nodes, leaf values at leaves (float32). */
  splitCondition: ArrayLike<number>;
  defaultLeft: ArrayLike<number>;
  /** Categorical splits (XGBoost ≥ 1.3): node → the category codes of its set, which go right. */
  categories?: ReadonlyMap<number, readonly number[]>;
  /** Vector leaves (multi_strategy="multi_output_tree"): node × leafSize values, filled at leaves. */
  leafVectors?: ArrayLike<number>;
  /** Each node's sum of hessians (its cover), which TreeSHAP weighs the branches by. */
  cover?: ArrayLike<number>;
}

export interface XgbModel {
  objective: string;
  /** Per output group (class or target), in margin space (the link function already applied). */
  baseMargin: number[];
  numClass: number;
  /** Regression targets (XGBoost ≥ 1.6 `num_target`); 1 otherwise. */
  numTarget: number;
  numFeature: number;
  numParallelTree: number;
  trees: XgbTree[];
  /** The output group (class or target) of each tree; 0 for trees with vector leaves, which feed every target. */
  treeInfo: number[];
  /** Values per leaf: one per class or target for multi_output_tree models, 1 otherwise. */
  leafSize: number;
  featureNames?: string[];
  /** Category names per feature (XGBoost ≥ 3.1 stores them); a feature's code is the index of its name. */
  categoryNames?: ((string | number)[] | null)[];
  /** From the booster's attributes: set by early stopping. */
  bestIteration?: number;
  /**
   * The file was written by a scikit-learn wrapper's save_model (its attributes hold a `scikit_learn` entry), so
   * the program that trained it reloads it as a wrapper, whose predict() stops at best_iteration.
   */
  savedByWrapper?: boolean;
  /** dart boosters weigh each tree. */
  treeWeights?: number[];
  /** gblinear boosters (no trees): [numFeature + 1, groups] weights, row-major, the bias row last. */
  linearWeights?: Float32Array;
}

/** Outputs of the margin: one per class, or per regression target. */
export function outputGroups(model: XgbModel): number {
  return Math.max(model.numClass, model.numTarget);
}

const f32 = Math.fround;

const RT_EPS = f32(1e-6);

/** XGBoost's ProbToMargin for the objectives whose base_score is a probability or a mean. */
export function baseMarginOf(objective: string, baseScore: number): number {
  const b = f32(baseScore);
  switch (objective) {
    case 'binary:logistic':
    case 'reg:logistic': {
      // XGBoost ≥ 3.1 clamps the intercept into [1e-6, 1 - 1e-6] (earlier versions refuse 0 and 1 outright).
      const p = Math.min(Math.max(b, RT_EPS), f32(1 - RT_EPS));
      return f32(-f32(Math.log(f32(f32(1 / p) - 1))));
    }
    case 'count:poisson':
    case 'reg:gamma':
    case 'reg:tweedie':
    case 'survival:cox':
    case 'survival:aft':
      return f32(Math.log(b));
    default:
      return b;
  }
}

/** "5E-1", "[5E-1]" or "[1E0,2E0]" (XGBoost ≥ 2 writes a vector, one value per target), "0.500000" (1.0–1.1), or a number. */
export function parseBaseScore(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value !== 'string') throw new Error('base_score is missing');
  const parts = value.replace(/^\[|\]$/g, '').split(',').map((s) => parseFloat32(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n))) throw new Error(`invalid base_score '${value}'`);
  return parts;
}
