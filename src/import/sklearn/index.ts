// scikit-learn artifacts → a runner: the estimators become one ONNX graph (text steps run in TypeScript).
import { OnnxRunner, type SessionTuning } from '../../runtime/onnx-runner.js';
import { StagedRunner, type Feeds } from '../../runtime/runner.js';
import { makeTensor } from '../../tensor.js';
import { PLAIN_OBJECT } from '../pickle/allowlist.js';
import type { ClassHandler, ClassResolver } from '../pickle/unpickler.js';
import { PickleError } from '../pickle/unpickler.js';
import type { ImportedModel } from '../artifact.js';
import { composeSteps, GRAPH_INPUT } from './compose.js';
import { isRegistered, supportedEstimators } from './converter.js';
import { densify, TEXT_ESTIMATORS } from './text.js';
// Each family registers its converters when imported.
import './trees.js';
import './gradient-boosting.js';
import './linear.js';
import './naive-bayes.js';
import './scalers.js';

/** Classes that appear inside supported estimators: their trees, pipelines, init estimators and losses. */
const PARTS = new Set(['Tree', 'Pipeline', 'DummyClassifier', 'DummyRegressor', ...TEXT_ESTIMATORS]);
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

export async function importSklearn(objects: readonly unknown[], tuning: SessionTuning): Promise<ImportedModel> {
  const composed = composeSteps(objects);
  const graph = await OnnxRunner.create(composed.onnx, tuning);
  const stage = composed.textStage;
  if (!stage) return { runner: graph, hints: composed.hints, onnx: composed.onnx };
  const inputName = stage.input === 'text' ? 'text' : GRAPH_INPUT;
  const inputs = stage.input === 'text'
    ? [{ name: inputName, type: 'string' as const, shape: [-1] }]
    : [{ name: inputName, type: 'float64' as const, shape: [-1, stage.inputWidth] }];
  const pre = (feeds: Feeds): Feeds => {
    const t = feeds[inputName];
    const n = t.dims[0];
    const rows = stage.rows(t.data as string[] | Float64Array, n);
    return { [GRAPH_INPUT]: makeTensor('float64', densify(rows, stage.width), [n, stage.width]) };
  };
  return {
    runner: new StagedRunner(graph, inputs, graph.outputs, pre, null),
    hints: composed.hints,
    onnx: composed.onnx,
  };
}
