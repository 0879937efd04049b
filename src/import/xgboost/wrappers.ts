// XGBoost's scikit-learn wrappers and raw Boosters inside pickles, also as the last step of a Pipeline.
import { NdArray } from '../pickle/numpy.js';
import { PLAIN_OBJECT } from '../pickle/allowlist.js';
import type { ClassHandler } from '../pickle/unpickler.js';
import { PyBytes, PyObject } from '../pickle/values.js';
import { ConversionError, shortName } from '../sklearn/attrs.js';
import { register } from '../sklearn/converter.js';
import { parseBooster } from './booster.js';
import { xgboostColumnFacts, xgboostStep } from './convert.js';
import { gblinearStep } from './gblinear.js';
import { outputGroups, type XgbModel } from './model.js';
import { xgboostSettingsOf } from './settings.js';

export const XGB_WRAPPERS = ['XGBClassifier', 'XGBRegressor', 'XGBRFClassifier', 'XGBRFRegressor', 'XGBRanker'];

/** xgboost.core.Booster pickles its model as {'handle': bytearray(model buffer)}. */
function boosterOf(obj: PyObject): XgbModel {
  const handle = obj.get('handle');
  if (!(handle instanceof PyBytes)) throw new ConversionError(`${shortName(obj)}: the booster holds no model buffer`);
  return parseBooster(handle.bytes);
}

const parsed = new WeakMap<PyObject, XgbModel>();

/** The model of a Booster, or of a wrapper's _Booster, parsed once (the converter and the explainer share it). */
export function modelOf(obj: PyObject): XgbModel {
  let model = parsed.get(obj);
  if (!model) {
    const booster = shortName(obj) === 'Booster' ? obj : obj.get('_Booster');
    if (!(booster instanceof PyObject)) throw new ConversionError(`${shortName(obj)}: _Booster is missing (is it fitted?)`);
    model = boosterOf(booster);
    parsed.set(obj, model);
  }
  return model;
}

function classesOf(wrapper: PyObject): (string | number)[] | undefined {
  const direct = wrapper.get('classes_');
  const encoder = wrapper.get('_le');
  const source = direct instanceof NdArray ? direct : encoder instanceof PyObject ? encoder.get('classes_') : undefined;
  if (!(source instanceof NdArray)) return undefined;
  return source.items().map((c) => (typeof c === 'number' || typeof c === 'string' ? c : String(c)));
}

/**
 * The rounds a scikit-learn wrapper's predict() uses: best_iteration + 1 after early stopping, or best_ntree_limit in
 * pickles from before XGBoost 1.0. Versions keep it in different places: XGBoost 1.x sets Python attributes on the
 * pickled Booster (or, before 1.0, on the wrapper); XGBoost ≥ 2 keeps it only in the model's learner attributes.
 */
function roundsOf(wrapper: PyObject, model: XgbModel): number | undefined {
  const booster = wrapper.get('_Booster');
  const holders = booster instanceof PyObject ? [booster, wrapper] : [wrapper];
  for (const holder of holders) {
    const best = holder.get('best_iteration');
    if (typeof best === 'number') return best + 1;
  }
  for (const holder of holders) {
    const limit = holder.get('best_ntree_limit');
    if (typeof limit === 'number' && limit > 0) return Math.ceil(limit / model.numParallelTree);
  }
  return model.bestIteration !== undefined ? model.bestIteration + 1 : undefined;
}

/** Boosting rounds in the model: trees ÷ (parallel trees × trees per round). */
function roundsIn(model: XgbModel): number {
  return Math.ceil(model.trees.length / (model.numParallelTree * (model.leafSize > 1 ? 1 : outputGroups(model))));
}

/** The rounds predict() uses (all when undefined) and why: model.yaml's iteration_range, else the wrapper's rule. */
export function roundsUsed(obj: PyObject, model: XgbModel): { rounds?: number; from: string } {
  const range = xgboostSettingsOf(obj)?.iteration_range;
  if (range) {
    const [, end] = range;
    if (end > roundsIn(model)) {
      throw new ConversionError(`model.yaml's xgboost.iteration_range ends at round ${end} but the model has ${roundsIn(model)} rounds`);
    }
    return { ...(end > 0 ? { rounds: end } : {}), from: 'model.yaml xgboost.iteration_range' };
  }
  if (shortName(obj) === 'Booster') {
    // A raw Booster predicts with every tree, as Booster.predict does, unless a wrapper wrote the file: the
    // program that trained it reloads it with XGBClassifier/XGBRegressor.load_model and predicts as the wrapper.
    return model.savedByWrapper && model.bestIteration !== undefined
      ? { rounds: model.bestIteration + 1, from: 'best_iteration + 1: a scikit-learn wrapper saved the file after early stopping' }
      : { from: 'every round, as Booster.predict' };
  }
  const rounds = roundsOf(obj, model);
  return rounds === undefined ? { from: 'every round' } : { rounds, from: "early stopping, as the wrapper's predict" };
}

register({
  classes: [...XGB_WRAPPERS, 'Booster'],
  acceptsFloat32: true,
  handlesMissing: true,
  // Categorical features whose names the model stores (XGBoost ≥ 3.1) take those names.
  acceptsStrings: true,
  columnFacts: (obj) => xgboostColumnFacts(modelOf(obj)),
  inputWidth: (obj) => modelOf(obj).numFeature,
  featureNames: (obj) => modelOf(obj).featureNames,
  convert(obj, input, g) {
    const model = modelOf(obj);
    const classes = shortName(obj).includes('Classifier') ? classesOf(obj) : undefined;
    if (model.linearWeights) {
      if (xgboostSettingsOf(obj)?.iteration_range) {
        throw new ConversionError("model.yaml's xgboost.iteration_range: a gblinear model has no rounds to choose (its weights hold every round)");
      }
      return gblinearStep(model, classes, input, g);
    }
    const { rounds, from } = roundsUsed(obj, model);
    const step = xgboostStep(model, { ...(classes ? { classes } : {}), ...(rounds !== undefined ? { rounds } : {}) }, input, g);
    if (step.kind !== 'margin') return step;
    const total = roundsIn(model);
    const info = { boosting_rounds: Math.min(rounds ?? total, total), boosting_rounds_in_model: total, boosting_rounds_from: from };
    return { ...step, transform: { ...step.transform, hints: { ...step.transform.hints, info } } };
  },
});

/** A native model file as the Booster object a pickle would hold. */
export function boosterFromFile(bytes: Uint8Array): PyObject {
  const booster = new PyObject('xgboost.core.Booster');
  booster.state = new Map([['handle', new PyBytes(bytes)]]);
  return booster;
}

/** Classes of the xgboost package a pickle may name. */
export function resolveXgboost(module: string, name: string): ClassHandler | undefined {
  if (module === 'xgboost.core' && name === 'Booster') return PLAIN_OBJECT;
  if (module === 'xgboost.sklearn' && XGB_WRAPPERS.includes(name)) return PLAIN_OBJECT;
  if (module === 'xgboost.compat' && name === 'XGBoostLabelEncoder') return PLAIN_OBJECT;
  return undefined;
}
