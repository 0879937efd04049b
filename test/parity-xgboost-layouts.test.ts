// XGBoost model layouts across versions: categorical splits (codes in, unseen/negative/huge codes and NaN going
// where XGBoost sends them), multi-target regression and vector leaves (multi_output_tree), written by XGBoost
// 1.7.4, 3.0.0 and 3.3.0 in JSON, UBJSON, pickle and joblib; and the JSON and pickle layouts of XGBoost 1.0–1.5
// (boolean default_left, string base_score, no categories) rewritten from 1.7.4's trees and checked against
// 1.7.4's predictions (test/fixtures/xgboost-layouts/make_fixtures.py). Margins and probabilities bit-identical.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { importArtifacts } from '../src/import/artifact.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { parityFixtures } from './helpers/parity.js';

parityFixtures('xgboost-layouts', { tolerance: () => 0, minimumCases: 3 });

it('a damaged XGBoost model is refused with what to do', async () => {
  const damaged = Buffer.from('{"learner": {"learner_model_param": {"num_feature": "2"}}}');
  await assert.rejects(importArtifacts([{ name: 'damaged.json', bytes: damaged }], DEFAULT_TUNING), /objective is missing: .*save it again with save_model/);
});
