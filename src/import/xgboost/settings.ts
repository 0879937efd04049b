// model.yaml's `xgboost:` settings, attached to the XGBoost objects of a version's artifacts before they are
// converted (the converters see one estimator at a time, not the manifest).
import type { XgboostConfig } from '../../repository/manifest.js';
import type { PyObject } from '../pickle/values.js';
import { flattenSteps } from '../sklearn/compose.js';

const settings = new WeakMap<PyObject, XgboostConfig>();

export function attachXgboostSettings(objects: readonly unknown[], config: XgboostConfig | undefined): void {
  if (!config) return;
  const boosters = flattenSteps(objects).filter((o) => o.className.startsWith('xgboost.'));
  if (boosters.length === 0) throw new Error("model.yaml sets 'xgboost' but the model holds no XGBoost booster");
  for (const booster of boosters) settings.set(booster, config);
}

export function xgboostSettingsOf(obj: PyObject): XgboostConfig | undefined {
  return settings.get(obj);
}
