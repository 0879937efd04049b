// The four seed systems under examples/, served as `npm start` serves them, asked the way each tutorial asks,
// answered as scikit-learn and XGBoost answered when examples/train/*.py recorded examples/expected/*.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { request, startServer, type TestServer } from './helpers/server.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const expected = (name: string) => JSON.parse(readFileSync(`${EXAMPLES}expected/${name}.json`, 'utf8'));

describe('the seed examples', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer(`${EXAMPLES}models`);
  });
  after(() => s.close());

  it('serves all four and is ready', async () => {
    const r = await request(`${s.url}/readyz`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const models = await request(`${s.url}/models`);
    assert.deepEqual(models.body.models.map((m: { name: string }) => m.name), ['diabetes', 'fraud', 'iris', 'sentiment']);
  });

  it('iris: seed 003 posts named features and gets the species', async () => {
    const e = expected('iris');
    for (const [i, row] of e.rows.entries()) {
      const body = Object.fromEntries(e.features.map((f: string, j: number) => [f, row[j]]));
      const r = await request(`${s.url}/models/iris/predict`, { json: body });
      assert.equal(r.status, 200);
      assert.equal(r.body.prediction.label, e.predict[i]);
      assert.deepEqual(Object.values(r.body.prediction.probabilities), e.predict_proba[i]);
    }
  });

  it('iris: seed 000 posts an array of rows', async () => {
    const e = expected('iris');
    const r = await request(`${s.url}/models/iris/predict`, { json: e.rows });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.predictions.map((p: { label: string }) => p.label), e.predict);
  });

  it("diabetes: seed 001 posts {\"data\": \"1,106,70,...\"} and gets XGBoost's probability of diabetes", async () => {
    const e = expected('diabetes');
    for (const [i, row] of e.rows.entries()) {
      const r = await request(`${s.url}/models/diabetes/predict`, { json: { data: row.join(',') } });
      assert.equal(r.status, 200);
      assert.equal(r.body.prediction.probabilities.diabetes, e.predict_proba[i][1]);
      assert.equal(r.body.prediction.label, e.predict[i] === 1 ? 'diabetes' : 'no diabetes');
    }
  });

  it('fraud: seed 002 posts a batch of transactions and gets fraud probabilities', async () => {
    const e = expected('fraud');
    const instances = e.rows.map((row: number[]) => Object.fromEntries(e.features.map((f: string, j: number) => [f, row[j]])));
    const r = await request(`${s.url}/models/fraud/predict`, { json: { instances } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.predictions.map((p: { probabilities: { fraud: number } }) => p.probabilities.fraud), e.predict_proba.map((p: number[]) => p[1]));
    assert.deepEqual(r.body.predictions.map((p: { label: string }) => p.label), e.predict.map((c: number) => (c === 1 ? 'fraud' : 'legitimate')));
  });

  it('sentiment: seed 004 asks GET ?query=... and gets Negative or Positive', async () => {
    const e = expected('sentiment');
    for (const [i, query] of e.queries.entries()) {
      const r = await request(`${s.url}/models/sentiment/predict?query=${encodeURIComponent(query)}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.prediction.label, e.predict[i] === 1 ? 'Positive' : 'Negative');
      const p = r.body.prediction.probabilities;
      assert.ok(Math.abs(p.Negative - e.predict_proba[i][0]) <= 1e-12);
      assert.ok(Math.abs(p.Positive - e.predict_proba[i][1]) <= 1e-12);
    }
  });

  it('answers the V2 protocol for every example', async () => {
    const iris = await request(`${s.url}/v2/models/iris/infer`, {
      json: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP64', data: [5.1, 3.5, 1.4, 0.2] }] },
    });
    assert.deepEqual(iris.body.outputs.find((o: { name: string }) => o.name === 'label').data, ['setosa']);
    const sentiment = await request(`${s.url}/v2/models/sentiment/infer`, {
      json: { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['that movie was boring'] }] },
    });
    assert.deepEqual(sentiment.body.outputs.find((o: { name: string }) => o.name === 'label').data, [0]);
    const diabetes = await request(`${s.url}/v2/models/diabetes/infer`, {
      json: { inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: [1, 106, 70, 28, 135, 34.2, 0.142, 22] }] },
    });
    const probs = diabetes.body.outputs.find((o: { name: string }) => o.name === 'probabilities').data;
    assert.equal(probs[1], expected('diabetes').predict_proba[0][1]);
  });

  it('takes null as a missing value in V2 data for XGBoost, and refuses values beyond float32', async () => {
    const infer = (data: unknown[]) => request(`${s.url}/v2/models/diabetes/infer`, {
      json: { inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data }] },
    });
    const missing = await infer([1, 106, null, 28, 135, 34.2, 0.142, 22]);
    assert.equal(missing.status, 200);
    const viaRows = await request(`${s.url}/models/diabetes/predict`, {
      json: { times_pregnant: 1, glucose: 106, blood_pressure: null, skin_fold_thick: 28, serum_insuling: 135, mass_index: 34.2, diabetes_pedigree: 0.142, age: 22 },
    });
    const p = missing.body.outputs.find((o: { name: string }) => o.name === 'probabilities').data;
    assert.equal(p[1], viaRows.body.prediction.probabilities.diabetes);
    const huge = await infer([1, 106, 70, 28, 135, 34.2, 0.142, 1e39]);
    assert.equal(huge.status, 400);
    assert.match(huge.body.error, /data\[7\]: 1e\+39 is outside the float32 range/);
    const hugeRow = await request(`${s.url}/models/diabetes/predict`, { json: { data: '1,106,70,28,135,34.2,0.142,1e39' } });
    assert.equal(hugeRow.status, 400);
    assert.match(hugeRow.body.error.message, /age: 1e\+39 is outside the float32 range/);
    const sk = await request(`${s.url}/v2/models/iris/infer`, { json: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP64', data: [null, 1, 1, 1] }] } });
    assert.equal(sk.status, 400);
  });

  it('treats null as missing for XGBoost and rejects it for scikit-learn', async () => {
    const d = await request(`${s.url}/models/diabetes/predict`, {
      json: { times_pregnant: 1, glucose: 106, blood_pressure: null, skin_fold_thick: 28, serum_insuling: 135, mass_index: 34.2, diabetes_pedigree: 0.142, age: 22 },
    });
    assert.equal(d.status, 200);
    const i = await request(`${s.url}/models/iris/predict`, { json: { sepal_length: null, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 } });
    assert.equal(i.status, 400);
    assert.match(i.body.error.message, /sepal_length/);
  });
});
