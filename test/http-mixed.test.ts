// A pipeline fitted on a DataFrame of numeric and string columns, served over HTTP: named columns with their
// types and categories in the signature, strings that stay strings, null and empty CSV fields as missing values
// where the pipeline imputes them, and 400s naming the column for everything else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES } from './helpers/fixtures.js';
import { makeRepository } from './helpers/models.js';
import type { ParityExpected } from './helpers/parity.js';
import { request, startServer, type TestServer } from './helpers/server.js';

const DIR = join(FIXTURES, 'sklearn-pipelines', '1.9.0');
const fixture = (name: string) => readFileSync(join(DIR, `${name}.pkl`));
const expectedOf = (name: string) => JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as ParityExpected;

type Row = Record<string, string | number | null>;

describe('mixed-type tables over HTTP', () => {
  let s: TestServer;
  // Every column imputed: age and fare numbers, city and color strings; a random forest says 'yes' or 'no'.
  const mixed = expectedOf('mixed_forest');
  const rows = mixed.X as Row[];
  // handle_unknown='error' on city and color; fare goes to the forest as it is.
  const strict = expectedOf('onehot_error_forest');
  const strictRow = (strict.X as Row[])[0];

  before(async () => {
    s = await startServer(await makeRepository({
      'mixed/1/model.pkl': fixture('mixed_forest'),
      'strict/1/model.pkl': fixture('onehot_error_forest'),
      'coded/model.yaml': 'artifacts: [model.pkl, labels.pkl]\n',
      'coded/1/model.pkl': readFileSync(join(DIR, 'encoded_target_model.pkl')),
      'coded/1/labels.pkl': readFileSync(join(DIR, 'encoded_target_labels.pkl')),
      // A pickle of an estimator Modelport does not convert: GLOBAL sklearn.cluster._kmeans.KMeans, (), NEWOBJ, STOP.
      'kmeans/1/model.pkl': Buffer.from('\x80\x02csklearn.cluster._kmeans\nKMeans\n)\x81.', 'latin1'),
    }));
  });
  after(() => s.close());

  const predict = (model: string, json: unknown) => request(`${s.url}/models/${model}/predict`, { json });

  it('describes each column with its type, categories and whether it may be missing', async () => {
    const r = await request(`${s.url}/models/mixed`);
    assert.equal(r.status, 200);
    const features = r.body.signature.features;
    assert.deepEqual(features.map((f: { name: string; type: string }) => [f.name, f.type]),
      [['age', 'float64'], ['fare', 'float64'], ['city', 'string'], ['color', 'string']]);
    assert.ok(features.every((f: { nullable?: boolean }) => f.nullable));
    assert.deepEqual(features[3].categories, ['blue', 'green', 'red']);
    const strictView = (await request(`${s.url}/models/strict`)).body.signature.features;
    assert.deepEqual(strictView.map((f: { name: string; nullable?: boolean; categories_only?: boolean }) => [f.name, f.nullable ?? false, f.categories_only ?? false]),
      [['city', true, true], ['color', false, true], ['fare', false, false]]);
  });

  it('predicts one object and a batch of objects over the seed-style JSON', async () => {
    const one = await predict('mixed', rows[0]);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.prediction.label, mixed.predict[0]);
    const batch = await predict('mixed', { instances: rows });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.deepEqual(batch.body.predictions.map((p: { label: string }) => p.label), mixed.predict);
    batch.body.predictions.forEach((p: { probabilities: Record<string, number> }, i: number) => {
      assert.deepEqual([p.probabilities.no, p.probabilities.yes], mixed.predict_proba?.[i]);
    });
  });

  it('reads CSV, where an empty field is a missing value', async () => {
    const columns = ['age', 'fare', 'city', 'color'];
    const csv = [columns.join(','), ...rows.map((r) => columns.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))].join('\n');
    assert.match(csv, /,,/, 'the rows hold missing values');
    const res = await fetch(`${s.url}/models/mixed/predict`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    assert.equal(res.status, 200);
    const [header, ...lines] = (await res.text()).trim().split('\n');
    assert.equal(header.split(',')[0], 'label');
    assert.deepEqual(lines.map((l) => l.split(',')[0]), mixed.predict);
  });

  it('takes one V2 tensor per column, BYTES for strings, with null as missing', async () => {
    const meta = await request(`${s.url}/v2/models/mixed`);
    assert.deepEqual(meta.body.inputs.map((i: { name: string; datatype: string; shape: number[] }) => [i.name, i.datatype, i.shape]),
      [['age', 'FP64', [-1, 1]], ['fare', 'FP64', [-1, 1]], ['city', 'BYTES', [-1, 1]], ['color', 'BYTES', [-1, 1]]]);
    assert.deepEqual(meta.body.inputs[3].parameters, { categories: ['blue', 'green', 'red'] });
    const column = (name: string, datatype: string) => ({ name, datatype, shape: [rows.length, 1], data: rows.map((r) => r[name]) });
    const r = await request(`${s.url}/v2/models/mixed/infer`, {
      json: { inputs: [column('age', 'FP64'), column('fare', 'FP64'), column('city', 'BYTES'), column('color', 'BYTES')] },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.outputs.find((o: { name: string }) => o.name === 'label').data, mixed.predict);
  });

  it('serves the strict model on known categories', async () => {
    const r = await predict('strict', strict.X);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.predictions.map((p: { value: number[] | number }) => p.value), strict.predict);
  });

  it('names the classes of a model trained on LabelEncoder codes with the encoder composed after it', async () => {
    const coded = JSON.parse(readFileSync(join(DIR, 'encoded-target.json'), 'utf8')) as ParityExpected;
    const r = await predict('coded', { instances: coded.X });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.predictions.map((p: { label: string }) => p.label), coded.predict);
    assert.deepEqual(Object.keys(r.body.predictions[0].probabilities), ['high', 'low', 'mid']);
  });

  it('reports an unsupported estimator in one line naming the file and the class', async () => {
    const r = await request(`${s.url}/models/kmeans`);
    assert.equal(r.body.state, 'failed');
    assert.equal(r.body.versions[0].error, 'model.pkl: sklearn.cluster._kmeans.KMeans is not supported (`modelport inspect --supported` lists what is)');
  });

  describe('refuses with a 400 naming the column', () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['a number for a string column', 'mixed', { ...rows[0], city: 3 }, /^city: expected a string, got number 3/],
      ['a string for a numeric column', 'mixed', { ...rows[0], age: 'old' }, /^age: expected a number/],
      ['the reserved missing marker', 'mixed', { ...rows[0], color: '\uFDD0' }, /^color: .*reserved/],
      ['null where nothing imputes it', 'strict', { ...strictRow, color: null }, /^color: a value is required/],
      ['null for a column passed to the model as it is', 'strict', { ...strictRow, fare: null }, /^fare: a value is required/],
      ['a category the encoder refuses (handle_unknown=error)', 'strict', { ...strictRow, color: 'purple' }, /^color: the string "purple" is not a known category/],
    ];
    for (const [name, model, row, message] of cases) {
      it(name, async () => {
        const r = await predict(model, row);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'INVALID_INPUT');
        assert.match(r.body.error.details[0].field + ': ' + r.body.error.details[0].message, message);
      });
    }

    it('accepts null for a column the encoder knows missing values of', async () => {
      const r = await predict('strict', { ...strictRow, city: null });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    });

    it('over V2: a tensor of the wrong datatype, an unknown category, null where refused', async () => {
      const tensors = (over: Record<string, { datatype?: string; data?: unknown[] }>) => ['city', 'color', 'fare'].map((name) => ({
        name, shape: [1, 1], datatype: name === 'fare' ? 'FP64' : 'BYTES', data: [strictRow[name]], ...over[name],
      }));
      const cases: [Record<string, { datatype?: string; data?: unknown[] }>, RegExp][] = [
        [{ city: { datatype: 'FP64', data: [1] } }, /city.*takes BYTES/],
        [{ color: { data: ['purple'] } }, /color.*not a known category/],
        [{ fare: { data: [null] } }, /fare.*a value is required/],
      ];
      for (const [over, message] of cases) {
        const r = await request(`${s.url}/v2/models/strict/infer`, { json: { inputs: tensors(over) } });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.match(r.body.error, message);
      }
    });
  });
});
