// The boosting rounds an XGBoost model predicts with: every round for a raw Booster (as Booster.predict), the
// first `end` rounds when model.yaml says `xgboost: {iteration_range: [0, end]}` (as predict(iteration_range=...)),
// and GET /models/{name} tells which. Fixtures: test/fixtures/xgboost-objectives/<version>/early_stopped_booster.*
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rowsToFeeds } from '../src/codecs/rows.js';
import { validateManifest } from '../src/repository/manifest.js';
import { ModelRepository } from '../src/repository/repository.js';
import { modelDetail } from '../src/server/views.js';
import { FIXTURES } from './helpers/fixtures.js';
import { linearRegressor, makeRepository } from './helpers/models.js';
import { maxDifference, tensorRows } from './helpers/parity.js';

const DIR = join(FIXTURES, 'xgboost-objectives');
const VERSIONS = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface EarlyStopped {
  X: (number | null)[][];
  predict: number[];
  best_iteration: number;
  iteration_range: [number, number];
  predict_iteration_range: number[];
}

describe('model.yaml xgboost.iteration_range', () => {
  it('is validated, naming the key', () => {
    assert.deepEqual(validateManifest({ xgboost: { iteration_range: [0, 12] } }, 'model.yaml').xgboost, { iteration_range: [0, 12] });
    const bad: [unknown, RegExp][] = [
      [{ xgboost: [0, 12] }, /'xgboost' must be a mapping/],
      [{ xgboost: { rounds: 3 } }, /unknown key 'xgboost.rounds'/],
      [{ xgboost: { iteration_range: [0] } }, /'xgboost.iteration_range' must be \[begin, end\]/],
      [{ xgboost: { iteration_range: [0, -1] } }, /'xgboost.iteration_range' must be \[begin, end\]/],
      [{ xgboost: { iteration_range: [2, 5] } }, /'xgboost.iteration_range' must start at 0/],
    ];
    for (const [raw, message] of bad) assert.throws(() => validateManifest(raw, 'model.yaml'), message);
  });

  for (const version of VERSIONS) {
    it(`${version}: a raw Booster uses every round, model.yaml the rounds it names`, async () => {
      const expected = JSON.parse(readFileSync(join(DIR, version, 'early_stopped_booster.expected.json'), 'utf8')) as EarlyStopped;
      const model = readFileSync(join(DIR, version, 'early_stopped_booster.ubj'));
      const [, end] = expected.iteration_range;
      const root = await makeRepository({
        'every/1/model.ubj': model,
        'best/model.yaml': `xgboost: {iteration_range: [0, ${end}]}\n`,
        'best/1/model.ubj': model,
        'beyond/model.yaml': 'xgboost: {iteration_range: [0, 1000]}\n',
        'beyond/1/model.ubj': model,
      });
      const repo = await ModelRepository.open(root);
      try {
        for (const [name, values] of [['every', expected.predict], ['best', expected.predict_iteration_range]] as const) {
          const v = repo.ready(name);
          const out = await v.runner.run(rowsToFeeds(v.signature, name, expected.X, { where: 'rows', single: false, textual: false }));
          assert.equal(maxDifference(tensorRows(out[v.signature.valueOutput ?? 'value']), values.map((x) => [x])), 0, name);
        }
        const info = (name: string) => (modelDetail(repo.get(name), repo.version(name)).signature as { info?: Record<string, unknown> }).info;
        assert.equal(info('best')?.boosting_rounds, end);
        assert.match(String(info('best')?.boosting_rounds_from), /iteration_range/);
        assert.equal(info('every')?.boosting_rounds, info('every')?.boosting_rounds_in_model);
        assert.match(repo.version('beyond').error ?? '', /xgboost.iteration_range ends at round 1000 but the model has \d+ rounds/);
      } finally {
        await repo.close();
      }
    });
  }

  it('is refused for a model without boosting rounds to choose', async () => {
    const root = await makeRepository({
      'm/model.yaml': 'xgboost: {iteration_range: [0, 3]}\n',
      'm/1/model.pkl': readFileSync(join(FIXTURES, 'sklearn', 'decision_tree_classifier.pkl')),
      'linear/model.yaml': 'xgboost: {iteration_range: [0, 3]}\n',
      'linear/1/model.json': readFileSync(join(DIR, VERSIONS[0], 'gblinear_squarederror.json')),
      'graph/model.yaml': 'xgboost: {iteration_range: [0, 3]}\n',
      'graph/1/model.onnx': linearRegressor(),
    });
    const repo = await ModelRepository.open(root);
    try {
      assert.match(repo.version('m').error ?? '', /model.yaml sets 'xgboost' but the model holds no XGBoost booster/);
      assert.match(repo.version('linear').error ?? '', /xgboost.iteration_range: a gblinear model has no rounds to choose/);
      assert.match(repo.version('graph').error ?? '', /model.yaml sets 'xgboost' but the model is an ONNX graph/);
    } finally {
      await repo.close();
    }
  });
});
