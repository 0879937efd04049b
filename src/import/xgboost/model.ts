// An XGBoost tree model in one form, whatever file it came from (JSON, UBJSON, the legacy binary format).
export interface XgbTree {
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  splitIndex: ArrayLike<number>;
  /** Split conditions at interior nodes, leaf values at leaves (float32). */
  splitCondition: ArrayLike<number>;
  defaultLeft: ArrayLike<number>;
}

export interface XgbModel {
  objective: string;
  /** Per class, in margin space (the link function already applied). */
  baseMargin: number[];
  numClass: number;
  numFeature: number;
  numParallelTree: number;
  trees: XgbTree[];
  /** The output group (class) of each tree. */
  treeInfo: number[];
  featureNames?: string[];
  /** From the booster's attributes: set by early stopping. */
  bestIteration?: number;
  /**
   * The file was written by a scikit-learn wrapper's save_model (its attributes hold a `scikit_learn` entry), so
   * the program that trained it reloads it as a wrapper, whose predict() stops at best_iteration.
   */
  savedByWrapper?: boolean;
  /** dart boosters weigh each tree. */
  treeWeights?: number[];
}

const f32 = Math.fround;

/** XGBoost's ProbToMargin for the objectives whose base_score is a probability or a mean. */
export function baseMarginOf(objective: string, baseScore: number): number {
  const b = f32(baseScore);
  switch (objective) {
    case 'binary:logistic':
    case 'reg:logistic':
      return f32(-f32(Math.log(f32(f32(1 / b) - 1))));
    case 'count:poisson':
    case 'reg:gamma':
    case 'reg:tweedie':
    case 'survival:cox':
      return f32(Math.log(b));
    default:
      return b;
  }
}

/** "5E-1", "[5E-1]" (XGBoost ≥ 2 writes a vector), or a plain number. */
export function parseBaseScore(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value !== 'string') throw new Error('base_score is missing');
  const parts = value.replace(/^\[|\]$/g, '').split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n))) throw new Error(`invalid base_score '${value}'`);
  return parts;
}
