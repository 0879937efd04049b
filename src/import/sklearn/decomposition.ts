// PCA and TruncatedSVD: projections onto components_, centred and whitened as each scikit-learn version does it.
// MatMul sums in onnxruntime's order, not BLAS's, so results may differ from scikit-learn's by a few ulp.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, ConversionError, inputWidth, optionalArray, shortName, sklearnVersion } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { f64, transpose } from './graph-ops.js';

/** components_ ([k, F]) transposed into a [F, k] constant, and k. */
function components(g: GraphBuilder, estimator: PyObject, width: number): { weights: string; k: number } {
  const c = array(estimator, 'components_');
  const [k, f] = c.shape;
  if (f !== width) throw new ConversionError(`${shortName(estimator)}: components_ has ${f} features, the input ${width}`);
  return { weights: f64(g, 'components', transpose(c.numbers(), k, f), [f, k]), k };
}

function pca(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { weights, k } = components(g, estimator, input.width);
  const mean = optionalArray(estimator, 'mean_');
  const [major, minor] = sklearnVersion(estimator);
  const projectThenCentre = major > 1 || (major === 1 && minor >= 5);
  let x: string;
  if (!mean) x = g.op('MatMul', [input.name, weights]);
  else if (projectThenCentre) {
    // scikit-learn ≥ 1.5: X @ C.T - mean @ C.T.
    const centre = g.op('MatMul', [f64(g, 'mean', mean.numbers(), [1, input.width]), weights]);
    x = g.op('Sub', [g.op('MatMul', [input.name, weights]), centre]);
  } else {
    x = g.op('MatMul', [g.op('Sub', [input.name, f64(g, 'mean', mean.numbers(), [input.width])]), weights]);
  }
  if (attr(estimator, 'whiten') === true) {
    // ≥ 1.5 raises scales below eps to eps; before, a zero variance divided by zero.
    const scale = Array.from(array(estimator, 'explained_variance_').numbers(), Math.sqrt)
      .map((s) => (projectThenCentre && s < Number.EPSILON ? Number.EPSILON : s));
    x = g.op('Div', [x, f64(g, 'scale', scale, [k])]);
  }
  return { kind: 'features', features: { name: x, width: k, type: 'float64' } };
}

function truncatedSvd(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { weights, k } = components(g, estimator, input.width);
  return { kind: 'features', features: { name: g.op('MatMul', [input.name, weights]), width: k, type: 'float64' } };
}

register({ classes: ['PCA'], inputWidth, convert: pca });
register({ classes: ['TruncatedSVD'], inputWidth, convert: truncatedSvd });
