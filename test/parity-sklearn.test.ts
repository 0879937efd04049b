// Parity with scikit-learn itself: every fixture in test/fixtures/sklearn was written by make_fixtures.py
// with the predictions scikit-learn made; Modelport must reproduce them from the pickle and the joblib file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importArtifacts, type ImportedModel } from '../src/import/artifact.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { makeTensor, type Tensor } from '../src/tensor.js';
import { FIXTURES, maxAbsError, type Expected } from './helpers/fixtures.js';

const DIR = join(FIXTURES, 'sklearn');

/** Families whose probabilities and values must be bit-identical; every other family must be within 1e-12. */
const EXACT = /^(decision_tree|random_forest|extra_trees|pipeline_minmax_forest|protocol0_tree|tree_sklearn13_layout|forest_numpy2_names|standard_scaler|min_max_scaler)/;
const TOLERANCE = 1e-12;

async function load(file: string): Promise<ImportedModel> {
  return importArtifacts([{ name: file, bytes: readFileSync(join(DIR, file)) }], DEFAULT_TUNING);
}

function inputTensor(model: ImportedModel, X: Expected['X']): Tensor {
  const spec = model.runner.inputs[0];
  if (spec.type === 'string') return makeTensor('string', X as string[], [X.length]);
  const rows = X as number[][];
  return makeTensor('float64', Float64Array.from(rows.flat()), [rows.length, rows[0].length]);
}

export async function predict(model: ImportedModel, X: Expected['X']) {
  const out = await model.runner.run({ [model.runner.inputs[0].name]: inputTensor(model, X) });
  return out;
}

function rows(t: Tensor): number[][] {
  const width = t.dims[1] ?? 1;
  const data = Array.from(t.data as Float64Array);
  return Array.from({ length: t.dims[0] }, (_, r) => data.slice(r * width, (r + 1) * width));
}

const names = readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).map((f) => f.replace('.expected.json', '')).sort();

describe('scikit-learn parity', () => {
  it('has fixtures for every required estimator', () => {
    assert.ok(names.length >= 30, `only ${names.length} fixtures`);
  });

  for (const name of names) {
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
    const files = readdirSync(DIR).filter((f) => f === `${name}.pkl` || f === `${name}.joblib`);
    for (const file of files) {
      it(file, async (t) => {
        const model = await load(file);
        try {
          const out = await predict(model, expected.X);
          const tolerance = EXACT.test(name) ? 0 : TOLERANCE;
          if (expected.transform) {
            const err = maxAbsError(rows(out.transformed), expected.transform);
            t.diagnostic(`max abs error ${err}`);
            assert.ok(err <= tolerance, `transform differs by ${err}`);
            return;
          }
          if (expected.predict_proba) {
            const labels = Array.from(out.label.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
            assert.deepEqual(labels, expected.predict);
            const err = maxAbsError(rows(out.probabilities), expected.predict_proba);
            t.diagnostic(`max abs error ${err}`);
            assert.ok(err <= tolerance, `probabilities differ by ${err}`);
          } else {
            const values = rows(out.value);
            const want = (expected.predict as (number | number[])[]).map((v) => (Array.isArray(v) ? v : [v]));
            const err = maxAbsError(values, want);
            t.diagnostic(`max abs error ${err}`);
            assert.ok(err <= tolerance, `values differ by ${err}`);
          }
        } finally {
          await model.runner.dispose();
        }
      });
    }
  }
});
