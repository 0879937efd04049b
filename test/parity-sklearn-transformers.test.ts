// Numeric scikit-learn transformers, alone and inside Pipelines, from pickles written by scikit-learn 1.2.1, 1.4.2
// and 1.9.0. Scalers, bins, Normalizer (numpy's own summation orders), PolynomialFeatures and the uniform
// QuantileTransformer (np.interp step by step) are bit-identical. onnxruntime's exp/log/pow/tanh are not glibc's:
// measured up to 2 ulp (exp, log, log1p, pow), 3 (expm1) and 4 (tanh) apart, so PowerTransformer, the normal
// QuantileTransformer's tails and FunctionTransformer of those ufuncs are a few ulp off (≤ 1.3e-14 here on values
// up to ~50), as are MatMul's sums in PCA and TruncatedSVD (≤ 1.5e-14): all far inside 1e-12.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importArtifacts } from '../src/import/artifact.js';
import { readPickle } from '../src/import/pickle/joblib.js';
import { PickleError, PyClass } from '../src/import/pickle/unpickler.js';
import { resolveSklearn } from '../src/import/sklearn/index.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { FIXTURES } from './helpers/fixtures.js';
import { parityFixtures } from './helpers/parity.js';

parityFixtures('sklearn-transformers', { tolerance: () => 1e-12, minimumCases: 46 });

describe('FunctionTransformer functions', () => {
  for (const version of ['1.2.1', '1.4.2', '1.9.0']) {
    it(`${version}: a function from the training script is refused, saying why and what to do`, async () => {
      const path = join(FIXTURES, 'sklearn-transformers', version, 'function_custom.pkl');
      await assert.rejects(importArtifacts([{ name: path, bytes: readFileSync(path) }], DEFAULT_TUNING),
        /custom_square, a function defined in the training script; custom Python functions cannot be served.*Use a NumPy ufunc/);
    });
  }

  it("reads old NumPy's _ufunc_reconstruct as a reference, for allow-listed ufuncs only", () => {
    const ufunc = readPickle(Buffer.from("cnumpy.core\n_ufunc_reconstruct\n(S'numpy'\nS'log1p'\ntR.", 'latin1'), resolveSklearn);
    assert.ok(ufunc instanceof PyClass && ufunc.name === 'numpy.log1p');
    assert.throws(() => readPickle(Buffer.from("cnumpy.core\n_ufunc_reconstruct\n(S'os'\nS'system'\ntR.", 'latin1'), resolveSklearn),
      (err: Error) => err instanceof PickleError && /os\.system/.test(err.message));
  });

  it('never calls a ufunc or anything from the training script', () => {
    for (const pickle of ["cnumpy\nexp\n(F1.0\ntR.", "c__main__\nhelper\n(tR."]) {
      assert.throws(() => readPickle(Buffer.from(pickle, 'latin1'), resolveSklearn), PickleError);
    }
  });
});
