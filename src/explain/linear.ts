// Linear and logistic models, alone or behind a StandardScaler: the margin is intercept + Σ coef·z with
// z = (x − mean) / scale (z = x without a scaler), so coef·(z − z̄) is each feature's exact contribution against the
// background mean (z̄ = the scaled mean: 0 when the scaler centres on it), and intercept + Σ coef·z̄ is the base value.
import { NdArray } from '../import/pickle/numpy.js';
import type { PyObject } from '../import/pickle/values.js';
import { array, attr, optionalArray, shortName } from '../import/sklearn/attrs.js';
import { NotExplainableError, type Explainer } from './explainer.js';

export const LINEAR_MODELS = ['LogisticRegression', 'LinearRegression', 'Ridge', 'Lasso', 'ElasticNet'];

interface Scaling {
  center: Float64Array | null;
  scale: Float64Array | null;
  mean: Float64Array;
}

function scalingOf(scaler: PyObject, background?: readonly number[]): Scaling {
  const mean = optionalArray(scaler, 'mean_');
  if (!mean && !background) throw new NotExplainableError('the StandardScaler keeps no mean_ (with_mean=False, with_std=False): set explain.background_mean in model.yaml');
  const center = attr(scaler, 'with_mean') === false || !mean ? null : mean.numbers();
  const scale = attr(scaler, 'with_std') === false ? null : optionalArray(scaler, 'scale_')?.numbers() ?? null;
  return { center, scale, mean: background ? Float64Array.from(background) : (mean as NdArray).numbers() };
}

function scaled(s: Scaling, j: number, v: number): number {
  let z = v;
  if (s.center) z -= s.center[j];
  if (s.scale) z /= s.scale[j];
  return z;
}

/**
 * `background` (model.yaml's explain.background_mean, in input space) is the mean explained against; without it, the
 * scaler's mean_.
 */
export function linearExplainer(scaler: PyObject | null, model: PyObject, input: string, width: number, background?: readonly number[]): Explainer {
  if (!scaler && !background) {
    throw new NotExplainableError(`${shortName(model)} has no background mean to explain against: set explain.background_mean in model.yaml, or serve it behind a StandardScaler`);
  }
  if (background && background.length !== width) throw new NotExplainableError(`explain.background_mean has ${background.length} values for ${width} input features`);
  const s: Scaling = scaler ? scalingOf(scaler, background) : { center: null, scale: null, mean: Float64Array.from(background ?? []) };
  const coef = array(model, 'coef_');
  const outputs = coef.shape.length === 1 ? 1 : coef.shape[0];
  const weights = coef.numbers();
  if (weights.length !== outputs * width) throw new NotExplainableError(`${shortName(model)}: coef_ does not match the ${width} input features`);
  const raw = attr(model, 'intercept_');
  const intercept = raw instanceof NdArray ? raw.numbers() : new Float64Array(outputs).fill(typeof raw === 'number' ? raw : 0);
  const zMean = Float64Array.from({ length: width }, (_, j) => scaled(s, j, s.mean[j]));
  const base = Float64Array.from({ length: outputs }, (_, k) => {
    let b = intercept[intercept.length === 1 ? 0 : k];
    for (let j = 0; j < width; j++) b += weights[k * width + j] * zMean[j];
    return b;
  });
  const classifier = shortName(model) === 'LogisticRegression';
  const classes = !classifier ? [null] : outputs === 1 ? [1] : Array.from({ length: outputs }, (_, k) => k);
  const stride = width + 1;
  return {
    input,
    width,
    space: !classifier ? 'value' : outputs === 1 ? 'log-odds' : 'margin',
    classes,
    explain(x, rows) {
      const out = new Float64Array(rows * outputs * stride);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < outputs; k++) {
          const at = (r * outputs + k) * stride;
          for (let j = 0; j < width; j++) out[at + j] = weights[k * width + j] * (scaled(s, j, x[r * width + j]) - zMean[j]);
          out[at + width] = base[k];
        }
      }
      return out;
    },
  };
}
