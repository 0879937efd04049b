// The explainer for a model's reconstructed objects, or why it has none: exact explanations only, never an
// approximation passed off as one.
import { flattenSteps, GRAPH_INPUT } from '../import/sklearn/compose.js';
import { inputWidth, shortName } from '../import/sklearn/attrs.js';
import type { PyObject } from '../import/pickle/values.js';
import { XGB_WRAPPERS } from '../import/xgboost/wrappers.js';
import type { ExplainConfig } from '../repository/manifest.js';
import { encodingOf, ENCODING_STEPS, type Encoding } from './encoding.js';
import { NotExplainableError, overInput, type Explainer, type MatrixExplainer, type NotExplainable } from './explainer.js';
import { groupedExplainer } from './grouped.js';
import { LINEAR_MODELS, linearExplainer } from './linear.js';
import { SKLEARN_TREE_MODELS, sklearnTreeExplainer } from './sklearn-trees.js';
import { xgboostExplainer } from './xgboost.js';

export type { Explainer, ExplainedFeature, ExplainedSpace, NotExplainable } from './explainer.js';

const SUPPORTED = `tree models (decision trees, forests, extra trees, gradient boosting, HistGradientBoosting on numeric features, XGBoost gbtree/dart) and linear or logistic models (${LINEAR_MODELS.join(', ')}), alone or behind ${ENCODING_STEPS.join(', ')} steps`;

const isXgboost = (name: string) => name === 'Booster' || XGB_WRAPPERS.includes(name);

/** The model's own explainer over the encoded columns. */
function modelExplainer(model: PyObject, encoding: Encoding, config: ExplainConfig): MatrixExplainer {
  const name = shortName(model);
  if (LINEAR_MODELS.includes(name)) return linearExplainer(model, encoding.width, encoding.background(config));
  if (SKLEARN_TREE_MODELS.includes(name)) return sklearnTreeExplainer(model, encoding.width);
  const trees = xgboostExplainer(model);
  if (trees.width !== encoding.width) throw new NotExplainableError(`${name} takes ${trees.width} features but the steps before it give ${encoding.width}`);
  return trees;
}

function explainerOf(objects: readonly unknown[], config: ExplainConfig): Explainer {
  const steps = flattenSteps(objects);
  // A LabelEncoder composed after a classifier only renames its classes.
  if (steps.length > 1 && shortName(steps[steps.length - 1]) === 'LabelEncoder') steps.pop();
  const names = steps.map(shortName);
  const model = steps[steps.length - 1];
  const name = names[names.length - 1];
  const prefix = steps.slice(0, -1);
  // Trees on the graph's own input matrix read it as it is.
  if (prefix.length === 0 && isXgboost(name)) return overInput(xgboostExplainer(model), GRAPH_INPUT);
  if (prefix.length === 0 && SKLEARN_TREE_MODELS.includes(name)) return overInput(sklearnTreeExplainer(model, inputWidth(model)), GRAPH_INPUT);
  const explained = LINEAR_MODELS.includes(name) || SKLEARN_TREE_MODELS.includes(name) || isXgboost(name);
  if (!explained || !prefix.every((s) => ENCODING_STEPS.includes(shortName(s)))) {
    throw new NotExplainableError(`${names.join(' → ')}: explanations cover only ${SUPPORTED}`);
  }
  const encoding = encodingOf(prefix, model);
  return groupedExplainer(encoding, modelExplainer(model, encoding, config));
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
