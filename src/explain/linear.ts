// Linear and logistic models on the columns they weigh: the margin is intercept + Σ coef·z, so coef·(z − z̄) is each
// column's exact contribution against the background point z̄, and intercept + Σ coef·z̄ is the base value. The
// columns are the encoded ones when preprocessing comes first (see encoding.ts, which also finds z̄).
import { NdArray } from '../import/pickle/numpy.js';
import type { PyObject } from '../import/pickle/values.js';
import { array, attr, shortName } from '../import/sklearn/attrs.js';
import { NotExplainableError, type MatrixExplainer } from './explainer.js';

export const LINEAR_MODELS = ['LogisticRegression', 'LinearRegression', 'Ridge', 'Lasso', 'ElasticNet'];

export function linearExplainer(model: PyObject, width: number, background: Float64Array): MatrixExplainer {
  const coef = array(model, 'coef_');
  const outputs = coef.shape.length === 1 ? 1 : coef.shape[0];
  const weights = coef.numbers();
  if (weights.length !== outputs * width) throw new NotExplainableError(`${shortName(model)}: coef_ does not match the ${width} features it is given`);
  const raw = attr(model, 'intercept_');
  const intercept = raw instanceof NdArray ? raw.numbers() : new Float64Array(outputs).fill(typeof raw === 'number' ? raw : 0);
  const base = Float64Array.from({ length: outputs }, (_, k) => {
    let b = intercept[intercept.length === 1 ? 0 : k];
    for (let j = 0; j < width; j++) b += weights[k * width + j] * background[j];
    return b;
  });
  const classifier = shortName(model) === 'LogisticRegression';
  const classes = !classifier ? [null] : outputs === 1 ? [1] : Array.from({ length: outputs }, (_, k) => k);
  const stride = width + 1;
  return {
    width,
    space: !classifier ? 'value' : outputs === 1 ? 'log-odds' : 'margin',
    classes,
    explain(x, rows) {
      const out = new Float64Array(rows * outputs * stride);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < outputs; k++) {
          const at = (r * outputs + k) * stride;
          for (let j = 0; j < width; j++) out[at + j] = weights[k * width + j] * (x[r * width + j] - background[j]);
          out[at + width] = base[k];
        }
      }
      return out;
    },
  };
}
