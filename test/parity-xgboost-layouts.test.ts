// XGBoost model layouts across versions: categorical splits (codes in, unseen/negative/huge codes and NaN going
// where XGBoost sends them), multi-target regression and vector leaves (multi_output_tree), written by XGBoost
// 1.7.4, 3.0.0 and 3.3.0 in JSON, UBJSON, pickle and joblib; and the JSON and pickle layouts of XGBoost 1.0–1.5
// (boolean default_left, string base_score, no categories) rewritten from 1.7.4's trees and checked against
// 1.7.4's predictions (test/fixtures/xgboost-layouts/make_fixtures.py). Margins and probabilities bit-identical.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { importArtifacts } from '../src/import/artifact.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { FIXTURES } from './helpers/fixtures.js';
import { loadForParity, parityFixtures } from './helpers/parity.js';

parityFixtures('xgboost-layouts', { tolerance: () => 0, minimumCases: 3 });

it('a damaged XGBoost model is refused with what to do', async () => {
  const damaged = Buffer.from('{"learner": {"learner_model_param": {"num_feature": "2"}}}');
  await assert.rejects(importArtifacts([{ name: 'damaged.json', bytes: damaged }], DEFAULT_TUNING), /objective is missing: .*save it again with save_model/);
});

it('tells clients what a categorical feature takes: codes before XGBoost 3.1, the stored names after', async () => {
  const old = await loadForParity(join(FIXTURES, 'xgboost-layouts', '1.7.4', 'cat_regressor.json'));
  const named = await loadForParity(join(FIXTURES, 'xgboost-layouts', '3.3.0', 'cat_regressor.json'));
  try {
    const coded = old.signature.features?.filter((f) => f.description?.includes('category code')) ?? [];
    assert.ok(coded.length > 0, 'a categorical feature of a 1.7.4 model says it takes codes');
    assert.ok(old.signature.features?.some((f) => !f.description), 'numeric features carry no such note');
    const byName = named.signature.features?.filter((f) => f.type === 'string' && f.categories?.length) ?? [];
    assert.ok(byName.length > 0, 'a 3.3.0 model takes the category names it stores');
    assert.ok(byName.every((f) => !f.description));
  } finally {
    await old.dispose();
    await named.dispose();
  }
});
