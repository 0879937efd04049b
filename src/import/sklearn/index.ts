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
import './hist-gradient-boosting.js';
import './isolation-forest.js';
import './linear.js';
import './naive-bayes.js';
import './mlp.js';
import './ensembles.js';
import './calibration.js';
import './scalers.js';
import './preprocessing.js';
import './discretizer.js';
import './quantile-transformer.js';
import './power-transformer.js';
import './decomposition.js';
import './function-transformer.js';
import './column-transformer.js';
import './encoders.js';
import './imputers.js';
import './svm.js';
import './neighbors.js';
import '../xgboost/wrappers.js';

/** Classes that appear inside supported estimators: their trees, pipelines, init estimators and losses. */
const PARTS = new Set(['Tree', 'Pipeline', 'DummyClassifier', 'DummyRegressor', 'LabelEncoder', ...TEXT_ESTIMATORS,
  'LabelBinarizer', 'Bunch', '_CalibratedClassifier', '_SigmoidCalibration',
  'TreePredictor', '_BinMapper', 'ColumnTransformer', 'OrdinalEncoder', 'FunctionTransformer', 'check_array',
  'OneHotEncoder',
  // A ColumnTransformer's column specs as newer versions pickle them.
  '_RemainderColsList', 'make_column_selector',
  // The cross-validation splitter a TargetEncoder keeps (cv=KFold(...)): settings only.
  'KFold', 'StratifiedKFold']);
const PART_MODULES = ['sklearn.ensemble._gb_losses', 'sklearn.ensemble.gb_losses', 'sklearn._loss',
  'sklearn.neighbors._kd_tree', 'sklearn.neighbors._ball_tree', 'sklearn.metrics._dist_metrics', 'sklearn.neighbors._dist_metrics',
  'sklearn.linear_model._sgd_fast', 'sklearn.linear_model.sgd_fast', 'sklearn.neural_network._stochastic_optimizers'];

export function supportedSklearnEstimators(): string[] {
  return [...supportedEstimators(), ...TEXT_ESTIMATORS, 'Pipeline'].sort();
}

/** Allows scikit-learn classes by name; an unsupported estimator is refused in one line naming it. */
export const resolveSklearn: ClassResolver = (module, name): ClassHandler | undefined => {
  if (module !== 'sklearn' && !module.startsWith('sklearn.')) return undefined;
  if (isRegistered(name) || PARTS.has(name) || PART_MODULES.some((m) => module === m || module.startsWith(`${m}.`))) return PLAIN_OBJECT;
  throw new PickleError(`${module}.${name} is not supported (\`modelport inspect --supported\` lists what is)`);
};

export async function importEstimators(objects: readonly unknown[], tuning: SessionTuning): Promise<ImportedModel> {
  return runnerFor(composeSteps(objects), tuning);
}
