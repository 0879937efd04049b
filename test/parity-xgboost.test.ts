// Parity with XGBoost itself: test/fixtures/xgboost/make_fixtures.py trained each model, saved it in every
// format, and recorded XGBoost's margins and predictions. Margins and probabilities must match bit for bit.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importArtifacts, type ImportedModel } from '../src/import/artifact.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { makeTensor, type Tensor } from '../src/tensor.js';
import { FIXTURES, maxAbsError } from './helpers/fixtures.js';

const DIR = join(FIXTURES, 'xgboost');

interface Expected {
  X: (number | null)[][];
  margin?: (number | number[])[];
  predict: (number | number[])[];
  predict_proba?: number[][];
  feature_names?: string[];
}

const asRows = (values: (number | number[])[]) => values.map((v) => (Array.isArray(v) ? v : [v]));

function matrix(t: Tensor): number[][] {
  const width = t.dims[1] ?? 1;
  const data = Array.from(t.data as ArrayLike<number | bigint>, Number);
  return Array.from({ length: t.dims[0] }, (_, r) => data.slice(r * width, (r + 1) * width));
}

async function run(model: ImportedModel, X: Expected['X']) {
  const spec = model.runner.inputs[0];
  const flat = X.flat().map((v) => (v === null ? NaN : v));
  const data = spec.type === 'float32' ? Float32Array.from(flat) : Float64Array.from(flat);
  return model.runner.run({ [spec.name]: makeTensor(spec.type, data, [X.length, X[0].length]) });
}

const names = readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).map((f) => f.replace('.expected.json', '')).sort();

describe('XGBoost parity', () => {
  for (const name of names) {
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
    const files = readdirSync(DIR).filter((f) => f.startsWith(`${name}.`) && !f.endsWith('.expected.json')).sort();
    assert.ok(files.length > 0, name);
    for (const file of files) {
      it(file, async (t) => {
        const model = await importArtifacts([{ name: file, bytes: readFileSync(join(DIR, file)) }], DEFAULT_TUNING);
        try {
          const out = await run(model, expected.X);
          if (expected.feature_names) assert.deepEqual(model.hints.featureNames, expected.feature_names);
          if (expected.margin) {
            const err = maxAbsError(matrix(out.margin), asRows(expected.margin));
            t.diagnostic(`margin max abs error ${err}`);
            assert.equal(err, 0, `margin differs by ${err}`);
          }
          if (expected.predict_proba) {
            const err = maxAbsError(matrix(out.probabilities), expected.predict_proba);
            t.diagnostic(`probability max abs error ${err}`);
            assert.equal(err, 0, `probabilities differ by ${err}`);
            assert.deepEqual(matrix(out.label).flat(), expected.predict);
            return;
          }
          // A raw booster's predict(): the positive-class probability, the class probabilities, the class
          // index (multi:softmax), or the transformed value.
          let actual: number[][];
          if (out.probabilities && out.probabilities.dims[1] === 2 && !Array.isArray(expected.predict[0])) {
            actual = matrix(out.probabilities).map((row) => [row[1]]);
          } else if (out.probabilities && Array.isArray(expected.predict[0])) {
            actual = matrix(out.probabilities);
          } else if (out.label) {
            actual = matrix(out.label);
          } else {
            actual = matrix(out.value);
          }
          const err = maxAbsError(actual, asRows(expected.predict));
          t.diagnostic(`prediction max abs error ${err}`);
          assert.equal(err, 0, `predictions differ by ${err}`);
        } finally {
          await model.runner.dispose();
        }
      });
    }
  }
});
