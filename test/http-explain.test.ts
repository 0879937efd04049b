// POST /models/{name}/explain and the V2 extension: named contributions sorted by magnitude that add up to the
// model's own output, per class where a model explains several, and a 400 for models that cannot be explained.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LARGE_BODY_BYTES } from '../src/codecs/offload/pool.js';
import { FIXTURES } from './helpers/fixtures.js';
import { linearRegressor, makeRepository } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';

const EXAMPLES = join(FIXTURES, '..', '..', 'examples', 'models');
const FRAUD = { amount: 950, hour: 3, distance_from_home_km: 420, minutes_since_last: 2, transactions_last_24h: 9, card_present: 0, foreign: 1, merchant_risk: 0.7 };
const ROUTINE = { amount: 12.5, hour: 14, distance_from_home_km: 3, minutes_since_last: 600, transactions_last_24h: 1, card_present: 1, foreign: 0, merchant_risk: 0.05 };

interface Explanation {
  class?: string | number;
  base_value: number;
  margin: number;
  contributions: { feature: string; value: number }[];
}

function checkSorted(e: Explanation): void {
  const sizes = e.contributions.map((c) => Math.abs(c.value));
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'sorted by |value|');
  const sum = e.contributions.reduce((a, c) => a + c.value, e.base_value);
  assert.ok(Math.abs(sum - e.margin) < 1e-12, 'base value + contributions = margin');
}

describe('explain routes', () => {
  let s: TestServer;
  const bare = JSON.parse(readFileSync(join(FIXTURES, 'explain', '1.2.1', 'linreg_bare_refused.expected.json'), 'utf8')) as { X: number[][]; background_mean: number[]; predict: number[] };
  const ct = JSON.parse(readFileSync(join(FIXTURES, 'explain', '1.2.1', 'ct_logreg_multiclass.expected.json'), 'utf8')) as { X: Record<string, unknown>[]; margin: number[][]; explain: unknown };
  before(async () => {
    const xgb = join(FIXTURES, 'explain', '1.7.4');
    const root = await makeRepository({
      'fraud/model.yaml': readFileSync(join(EXAMPLES, 'fraud', 'model.yaml'), 'utf8'),
      'fraud/1/fraud.joblib': readFileSync(join(EXAMPLES, 'fraud', '1', 'fraud.joblib')),
      'multi/1/model.json': readFileSync(join(xgb, 'xgb_multiclass.json')),
      'knn/1/model.pkl': readFileSync(join(FIXTURES, 'explain', '1.2.1', 'knn_refused.pkl')),
      'graph/1/model.onnx': linearRegressor(),
      'linear/model.yaml': `explain: {background_mean: ${JSON.stringify(bare.background_mean)}}\n`,
      'linear/1/model.pkl': readFileSync(join(FIXTURES, 'explain', '1.2.1', 'linreg_bare_refused.pkl')),
      // JSON is YAML: the category shares the one-hot columns are explained against.
      'penguins/model.yaml': `explain: ${JSON.stringify(ct.explain)}\n`,
      'penguins/1/model.joblib': readFileSync(join(FIXTURES, 'explain', '1.2.1', 'ct_logreg_multiclass.joblib')),
      'pairs/1/model.pkl': readFileSync(join(FIXTURES, 'explain', '1.7.4', 'xgb_interactions_multiclass.pkl')),
      'unmeasured/1/model.joblib': readFileSync(join(FIXTURES, 'explain', '1.2.1', 'ct_logreg_no_background_refused.joblib')),
    });
    s = await startServer(root);
  });
  after(() => s.close());

  it('explains one row: named contributions that add up to the probability predict returns', async () => {
    const r = await request(`${s.url}/models/fraud/explain`, { json: FRAUD });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.space, 'probability');
    const e = r.body.explanation as Explanation;
    assert.equal(e.class, 'fraud');
    assert.deepEqual(e.contributions.map((c) => c.feature).sort(), Object.keys(FRAUD).sort());
    checkSorted(e);
    const p = await request(`${s.url}/models/fraud/predict`, { json: FRAUD });
    assert.ok(Math.abs(e.margin - p.body.prediction.probabilities.fraud) < 1e-12, `${e.margin} vs ${p.body.prediction.probabilities.fraud}`);
  });

  it('explains several rows, from JSON and from CSV, and a version by number', async () => {
    const r = await request(`${s.url}/models/fraud/versions/1/explain`, { json: { instances: [FRAUD, ROUTINE] } });
    assert.equal(r.status, 200);
    assert.equal(r.body.explanations.length, 2);
    (r.body.explanations as Explanation[]).forEach(checkSorted);
    const csv = `${Object.keys(FRAUD).join(',')}\n${Object.values(FRAUD).join(',')}\n${Object.values(ROUTINE).join(',')}\n`;
    const c = await fetch(`${s.url}/models/fraud/explain`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    const body = await c.json() as { explanations: Explanation[] };
    assert.deepEqual(body.explanations, r.body.explanations);
  });

  it('explains each class of a multi-class XGBoost model', async () => {
    const row = [0.5, -1.2, 0.3, 2.0, -0.7, 1.1];
    const r = await request(`${s.url}/models/multi/explain`, { json: [row] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.space, 'margin');
    const perClass = r.body.explanations[0] as Explanation[];
    assert.equal(perClass.length, 3);
    perClass.forEach((e) => assert.equal(e.contributions.length, 6));
    const p = await request(`${s.url}/v2/models/multi/infer`, { json: { inputs: [{ name: 'input', shape: [1, 6], datatype: 'FP32', data: row }], outputs: [{ name: 'margin' }] } });
    const margins = p.body.outputs[0].data as number[];
    perClass.forEach((e, k) => assert.ok(Math.abs(e.margin - margins[k]) < 1e-5, `class ${k}: ${e.margin} vs ${margins[k]}`));
  });

  it('refuses a model it cannot explain exactly with a 400 saying why', async () => {
    for (const name of ['knn', 'graph']) {
      const r = await request(`${s.url}/models/${name}/explain`, { json: [[1, 2, 3, 4, 5, 6]] });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'NOT_EXPLAINABLE');
      assert.match(r.body.error.message, /cannot be explained exactly/);
    }
  });

  it('explains a bare linear model against the background mean model.yaml gives', async () => {
    const r = await request(`${s.url}/models/linear/explain`, { json: bare.X });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.space, 'value');
    (r.body.explanations as Explanation[]).forEach((e, i) => {
      checkSorted(e);
      assert.ok(Math.abs(e.margin - bare.predict[i]) < 1e-9, `${e.margin} vs ${bare.predict[i]}`);
    });
  });

  it('explains a one-hot encoded table per source column, over both protocols', async () => {
    const r = await request(`${s.url}/models/penguins/explain`, { json: { instances: ct.X } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.space, 'margin');
    assert.equal(r.body.grouped, true);
    const columns = Object.keys(ct.X[0]).sort();
    (r.body.explanations as Explanation[][]).forEach((perClass, i) => perClass.forEach((e, k) => {
      checkSorted(e);
      assert.deepEqual(e.contributions.map((c) => c.feature).sort(), columns);
      assert.ok(Math.abs(e.margin - ct.margin[i][k]) < 1e-12, `row ${i} class ${k}: ${e.margin} vs ${ct.margin[i][k]}`);
    }));
    const rows = ct.X.slice(12);
    const column = (name: string, datatype: string) => ({ name, datatype, shape: [rows.length, 1], data: rows.map((row) => row[name]) });
    const v2 = await request(`${s.url}/v2/models/penguins/explain`, {
      json: { inputs: [column('island', 'BYTES'), column('sex', 'BYTES'), column('bill_length_mm', 'FP64'), column('flipper_length_mm', 'FP64'), column('body_mass_g', 'FP64')] },
    });
    assert.equal(v2.status, 200, JSON.stringify(v2.body));
    assert.equal(v2.body.parameters.grouped, true);
    assert.deepEqual(v2.body.parameters.features, [...Object.keys(ct.X[0]), 'bias']);
    assert.deepEqual(v2.body.outputs[0].shape, [rows.length, 3, 6]);
    const simple = (r.body.explanations as Explanation[][])[12][1];
    const byName = new Map(simple.contributions.map((c) => [c.feature, c.value]));
    Object.keys(ct.X[0]).forEach((n, j) => assert.equal(v2.body.outputs[0].data[6 + j], byName.get(n)));
  });

  it('gives XGBoost interaction values on ?interactions=true, as XGBoost computes them', async () => {
    const pair = JSON.parse(readFileSync(join(FIXTURES, 'explain', '1.7.4', 'xgb_interactions_multiclass.expected.json'), 'utf8')) as { X: number[][]; interactions: number[][][][] };
    const r = await request(`${s.url}/models/pairs/explain?interactions=true`, { json: pair.X.slice(0, 2) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const width = pair.X[0].length;
    (r.body.explanations as (Explanation & { interactions: Record<string, Record<string, number>> })[][]).forEach((perClass, i) => perClass.forEach((e, k) => {
      const names = Object.keys(e.interactions);
      assert.equal(names.length, width);
      names.forEach((a, p) => names.forEach((b, q) => assert.equal(e.interactions[a][b], pair.interactions[i][k][p][q], `${a} × ${b}`)));
      const total = names.reduce((sum, a) => names.reduce((t, b) => t + e.interactions[a][b], sum), e.base_value);
      assert.ok(Math.abs(total - e.margin) < 1e-5, `row ${i} class ${k}: interactions add up to ${total}, margin ${e.margin}`);
    }));
    const v2 = await request(`${s.url}/v2/models/pairs/explain?interactions=true`, { json: { inputs: [{ name: 'input', shape: [2, width], datatype: 'FP32', data: pair.X.slice(0, 2).flat() }] } });
    assert.equal(v2.status, 200, JSON.stringify(v2.body));
    const tensor = (v2.body.outputs as { name: string; shape: number[]; data: number[] }[]).find((o) => o.name === 'interactions');
    assert.deepEqual(tensor?.shape, [2, 3, width + 1, width + 1]);
    assert.deepEqual(tensor?.data, pair.interactions.slice(0, 2).flat(3));
    const plain = await request(`${s.url}/models/pairs/explain`, { json: pair.X.slice(0, 1) });
    assert.equal(plain.body.explanations[0][0].interactions, undefined);
    const refused = await request(`${s.url}/models/fraud/explain?interactions=true`, { json: FRAUD });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'NOT_EXPLAINABLE');
    const bad = await request(`${s.url}/models/pairs/explain?interactions=maybe`, { json: pair.X.slice(0, 1) });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_INPUT');
  });

  it('refuses a one-hot encoded model without category shares, naming what model.yaml should set', async () => {
    const r = await request(`${s.url}/models/unmeasured/explain`, { json: ct.X[0] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'NOT_EXPLAINABLE');
    assert.match(r.body.error.message, /explain\.background/);
  });

  it('explains a body large enough for the codec worker as it explains a small one, over both protocols', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => (i % 2 ? FRAUD : ROUTINE));
    const big = await request(`${s.url}/models/fraud/explain`, { json: { instances: rows } });
    assert.ok(JSON.stringify({ instances: rows }).length >= LARGE_BODY_BYTES);
    assert.equal(big.status, 200, JSON.stringify(big.body).slice(0, 300));
    const small = await request(`${s.url}/models/fraud/explain`, { json: { instances: [ROUTINE, FRAUD] } });
    assert.deepEqual(big.body.explanations.slice(0, 2), small.body.explanations);
    const data = rows.flatMap((r) => Object.values(r));
    const v2 = await request(`${s.url}/v2/models/fraud/explain`, { json: { id: 'big', inputs: [{ name: 'input', shape: [rows.length, 8], datatype: 'FP64', data }] } });
    assert.equal(v2.status, 200);
    assert.equal(v2.body.id, 'big');
    assert.deepEqual(v2.body.outputs[0].shape, [rows.length, 9]);
    const poisoned = `{"instances": [${JSON.stringify(ROUTINE)}], "__proto__": {"x": 1}, "pad": "${'x'.repeat(LARGE_BODY_BYTES)}"}`;
    const refused = await request(`${s.url}/models/fraud/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: poisoned });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'INVALID_JSON');
  });

  it('answers the V2 explain extension with contributions [N, features + 1] and base values', async () => {
    const names = Object.keys(FRAUD);
    const data = [...Object.values(FRAUD), ...Object.values(ROUTINE)];
    const r = await request(`${s.url}/v2/models/fraud/explain`, { json: { id: 'q1', inputs: [{ name: 'input', shape: [2, 8], datatype: 'FP64', data }] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, 'q1');
    assert.deepEqual(r.body.parameters.features, [...names, 'bias']);
    assert.deepEqual(r.body.parameters.classes, ['fraud']);
    const [contributions, base] = r.body.outputs as { name: string; shape: number[]; data: number[] }[];
    assert.equal(contributions.name, 'contributions');
    assert.deepEqual(contributions.shape, [2, 9]);
    assert.deepEqual(base.shape, [2]);
    assert.equal(base.data[0], contributions.data[8]);
    const simple = await request(`${s.url}/models/fraud/explain`, { json: FRAUD });
    const byName = new Map((simple.body.explanation as Explanation).contributions.map((c) => [c.feature, c.value]));
    names.forEach((n, j) => assert.equal(contributions.data[j], byName.get(n)));
  });
});
