// Estimators from pickles and XGBoost files → a runner: they become one ONNX graph, with the text steps before it
// and XGBoost's objective transform after it run in TypeScript.
import type { SessionTuning } from '../../runtime/onnx-runner.js';
import { PLAIN_OBJECT } from '../pickle/allowlist.js';
import type { ClassHandler, ClassResolver } from '../pickle/unpickler.js';
import { PickleError } from '../pickle/unpickler.js';
import type { ImportedModel } from '../artifact.js';
import { runnerFor } from '../composed-runner.js';
import { composeSteps } from './compose.js';
import { isRegistered, supportedEstimators } from './converter.js';
import { TEXT_ESTIMATORS } from './text.js';
// Each family registers its converters when imported.
import './trees.js';
import './gradient-boosting.js';
import './linear.js';
import './naive-bayes.js';
import './scalers.js';
import '../xgboost/wrappers.js';

/** Classes that appear inside supported estimators: their trees, pipelines, init estimators and losses. */
const PARTS = new Set(['Tree', 'Pipeline', 'DummyClassifier', 'DummyRegressor', 'LabelEncoder', ...TEXT_ESTIMATORS]);
const PART_MODULES = ['sklearn.ensemble._gb_losses', 'sklearn.ensemble.gb_losses', 'sklearn._loss'];

export function supportedSklearnEstimators(): string[] {
  return [...supportedEstimators(), ...TEXT_ESTIMATORS, 'Pipeline'].sort();
}

/** Allows scikit-learn classes by name; an unsupported estimator is refused with the list of supported ones. */
export const resolveSklearn: ClassResolver = (module, name): ClassHandler | undefined => {
  if (module !== 'sklearn' && !module.startsWith('sklearn.')) return undefined;
  if (isRegistered(name) || PARTS.has(name) || PART_MODULES.some((m) => module === m || module.startsWith(`${m}.`))) return PLAIN_OBJECT;
  throw new PickleError(`${module}.${name} is not supported; supported scikit-learn estimators: ${supportedSklearnEstimators().join(', ')}`);
};

export async function importEstimators(objects: readonly unknown[], tuning: SessionTuning): Promise<ImportedModel> {
  return runnerFor(composeSteps(objects), tuning);
}
