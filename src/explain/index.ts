// The explainer for a model's reconstructed objects, or why it has none: exact explanations only, never an
// approximation passed off as one.
import { flattenSteps, GRAPH_INPUT } from '../import/sklearn/compose.js';
import { inputWidth, shortName } from '../import/sklearn/attrs.js';
import { XGB_WRAPPERS } from '../import/xgboost/wrappers.js';
import type { ExplainConfig } from '../repository/manifest.js';
import { NotExplainableError, type Explainer, type NotExplainable } from './explainer.js';
import { LINEAR_MODELS, linearExplainer } from './linear.js';
import { SKLEARN_TREE_MODELS, sklearnTreeExplainer } from './sklearn-trees.js';
import { xgboostExplainer } from './xgboost.js';

export type { Explainer, ExplainedSpace, NotExplainable } from './explainer.js';

const SUPPORTED = 'tree models (decision trees, forests, extra trees, gradient boosting, HistGradientBoosting on numeric features, XGBoost gbtree/dart) and linear or logistic models, alone (with explain.background_mean in model.yaml) or behind a StandardScaler';

function explainerOf(objects: readonly unknown[], config: ExplainConfig): Explainer {
  const steps = flattenSteps(objects);
  // A LabelEncoder composed after a classifier only renames its classes.
  if (steps.length > 1 && shortName(steps[steps.length - 1]) === 'LabelEncoder') steps.pop();
  const names = steps.map(shortName);
  const last = steps[steps.length - 1];
  const name = names[names.length - 1];
  if (steps.length === 1 && (name === 'Booster' || XGB_WRAPPERS.includes(name))) {
    return xgboostExplainer(last, GRAPH_INPUT);
  }
  if (steps.length === 1 && SKLEARN_TREE_MODELS.includes(name)) return sklearnTreeExplainer(last, GRAPH_INPUT, inputWidth(last));
  if (LINEAR_MODELS.includes(name) && (steps.length === 1 || (steps.length === 2 && names[0] === 'StandardScaler'))) {
    return linearExplainer(steps.length === 2 ? steps[0] : null, last, GRAPH_INPUT, inputWidth(last), config.background_mean);
  }
  throw new NotExplainableError(`${names.join(' → ')}: explanations cover only ${SUPPORTED}`);
}

/**
 * An explainer for a model's objects (as importArtifacts reconstructs them), or the reason there is none. A model
 * that converted loads whatever happens here: a failure only makes it unexplainable, with the failure as the reason.
 */
export function explainerFor(objects: readonly unknown[], config: ExplainConfig = {}): Explainer | NotExplainable {
  try {
    return explainerOf(objects, config);
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

export function isExplainer(e: Explainer | NotExplainable | undefined): e is Explainer {
  return e !== undefined && !('reason' in e);
}
