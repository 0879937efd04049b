import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { doubleModel, linearRegressor, makeRepository, stringInputModel, zipmapClassifier } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const VIRGINICA = { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 };

describe('seed-style API', () => {
  let s: TestServer;
  before(async () => {
    const root = await makeRepository({
      'iris/model.yaml': 'description: Iris species\ninputs: [sepal_length, sepal_width, petal_length, {name: petal_width, min: 0}]\n',
      'iris/1/model.onnx': zipmapClassifier(),
      'reg.onnx': linearRegressor(),
      'double/1/model.onnx': doubleModel(),
      'colours/2/model.onnx': stringInputModel(),
      'broken/1/model.onnx': 'not an onnx file at all',
    });
    s = await startServer(root, { bodyLimit: 64 * 1024 });
  });
  after(() => s.close());

  it('predicts one object of named features', async () => {
    const r = await request(`${s.url}/models/iris/predict`, { json: SETOSA });
    assert.equal(r.status, 200);
    assert.equal(r.body.model, 'iris');
    assert.equal(r.body.version, 1);
    assert.equal(r.body.prediction.label, 'setosa');
    const p = r.body.prediction.probabilities;
    assert.deepEqual(Object.keys(p), ['setosa', 'versicolor', 'virginica']);
    assert.ok(Math.abs(p.setosa + p.versicolor + p.virginica - 1) < 1e-6);
    assert.ok(p.setosa > 0.9);
  });

  it('predicts instances, top-level arrays of objects and of plain arrays alike', async () => {
    const a = await request(`${s.url}/models/iris/predict`, { json: { instances: [SETOSA, VIRGINICA] } });
    const b = await request(`${s.url}/models/iris/predict`, { json: [SETOSA, VIRGINICA] });
    const c = await request(`${s.url}/models/iris/predict`, { json: [Object.values(SETOSA), Object.values(VIRGINICA)] });
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.predictions.map((p: { label: string }) => p.label), ['setosa', 'virginica']);
    assert.deepEqual(b.body.predictions, a.body.predictions);
    assert.deepEqual(c.body.predictions, a.body.predictions);
  });

  it('accepts a comma-separated data string in feature order', async () => {
    const r = await request(`${s.url}/models/iris/predict`, { json: { data: '6.7,3.0,5.2,2.3' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.prediction.label, 'virginica');
  });

  it('predicts one row from the query string', async () => {
    const r = await request(`${s.url}/models/iris/predict?sepal_length=6.7&sepal_width=3&petal_length=5.2&petal_width=2.3`);
    assert.equal(r.status, 200);
    assert.equal(r.body.prediction.label, 'virginica');
  });

  it('answers CSV with CSV', async () => {
    const res = await fetch(`${s.url}/models/iris/predict`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n',
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await res.text()).trim().split('\n');
    assert.equal(lines[0], 'label,probability_setosa,probability_versicolor,probability_virginica');
    assert.match(lines[1], /^setosa,/);
    assert.match(lines[2], /^virginica,/);
  });

  it('serves a regressor as {value}, a bare file as version 1', async () => {
    const r = await request(`${s.url}/models/reg/predict`, { json: { f0: 1, f1: 1, f2: 1 } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.prediction, { value: 6.5 });
    assert.equal(r.body.version, 1);
  });

  it('keeps float64 precision end to end', async () => {
    const r = await request(`${s.url}/models/double/predict`, { json: { f0: 0.1, f1: 0.2 } });
    assert.equal(r.status, 200);
    assert.equal(r.body.prediction.value, 0.1 * 2 + 0.2 * 2);
  });

  it('serves string and int64 inputs, each a named feature', async () => {
    const r = await request(`${s.url}/models/colours/predict`, { json: [{ colour: 'green', count: 5 }, { colour: 'mauve', count: 1 }] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.predictions, [{ score: 205 }, { score: 0 }]);
    assert.equal(r.body.version, 2);
  });

  it('lists models with their state and describes each signature', async () => {
    const list = await request(`${s.url}/models`);
    assert.equal(list.status, 200);
    const names = list.body.models.map((m: { name: string }) => m.name);
    assert.deepEqual(names, ['broken', 'colours', 'double', 'iris', 'reg']);
    const broken = list.body.models.find((m: { name: string }) => m.name === 'broken');
    assert.equal(broken.state, 'failed');

    const iris = await request(`${s.url}/models/iris`);
    assert.equal(iris.body.description, 'Iris species');
    assert.equal(iris.body.signature.task, 'classification');
    assert.deepEqual(iris.body.signature.labels, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(iris.body.signature.features.map((f: { name: string }) => f.name),
      ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    assert.equal(iris.body.versions[0].state, 'ready');

    const b = await request(`${s.url}/models/broken`);
    assert.equal(b.status, 200);
    assert.equal(b.body.versions[0].state, 'failed');
    assert.match(b.body.versions[0].error, /ONNX/);
  });

  it('reports a failed model in readiness without taking the others down', async () => {
    const r = await request(`${s.url}/readyz`);
    assert.equal(r.status, 503);
    assert.deepEqual(r.body.not_ready.map((m: { model: string }) => m.model), ['broken']);
    assert.equal((await request(`${s.url}/healthz`)).status, 200);
    const p = await request(`${s.url}/models/broken/predict`, { json: { a: 1 } });
    assert.equal(p.status, 503);
    assert.equal(p.body.error.code, 'MODEL_NOT_READY');
  });

  describe('bad input gets a clear 4xx naming the field', () => {
    const cases: [string, () => Promise<Response>, number, string, RegExp][] = [
      ['malformed JSON', () => post('/models/iris/predict', '{"sepal_length": 5.1,', 'application/json'), 400, 'INVALID_JSON', /JSON/],
      ['empty JSON body', () => post('/models/iris/predict', '', 'application/json'), 400, 'INVALID_JSON', /empty/],
      ['wrong content type', () => post('/models/iris/predict', 'hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', /text\/plain/],
      ['too large', () => post('/models/iris/predict', JSON.stringify({ instances: Array(20000).fill(SETOSA) }), 'application/json'), 413, 'PAYLOAD_TOO_LARGE', /limit/],
      ['unknown model', () => post('/models/nope/predict', '{}', 'application/json'), 404, 'MODEL_NOT_FOUND', /nope/],
      ['unknown version', () => post('/models/iris/versions/7/predict', JSON.stringify(SETOSA), 'application/json'), 404, 'VERSION_NOT_FOUND', /7/],
      ['missing feature', () => postJson({ ...SETOSA, petal_width: undefined }), 400, 'INVALID_INPUT', /petal_width: this feature is required/],
      ['extra feature', () => postJson({ ...SETOSA, colour: 'red' }), 400, 'INVALID_INPUT', /colour: unknown feature/],
      ['string for a number', () => postJson({ ...SETOSA, sepal_width: 'wide' }), 400, 'INVALID_INPUT', /sepal_width: expected a number, got the string "wide"/],
      ['null for a number', () => postJson({ ...SETOSA, sepal_width: null }), 400, 'INVALID_INPUT', /sepal_width: a value is required/],
      ['below the manifest minimum', () => postJson({ ...SETOSA, petal_width: -1 }), 400, 'INVALID_INPUT', /petal_width: -1 is below the minimum 0/],
      ['Infinity from an overflowing JSON number', () => post('/models/iris/predict', '{"sepal_length": 1e400, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}', 'application/json'), 400, 'INVALID_INPUT', /sepal_length: expected a finite number/],
      ['Infinity for a feature without bounds', () => post('/models/reg/predict', '{"f0": -1e999, "f1": 1, "f2": 1}', 'application/json'), 400, 'INVALID_INPUT', /f0: expected a finite number/],
      ['JSON nested 30,000 deep', () => post('/models/iris/predict', `${'['.repeat(30_000)}${']'.repeat(30_000)}`, 'application/json'), 400, 'INVALID_INPUT', /body\[0\]/],
      ['NaN in the query string', () => fetch(`${s.url}/models/iris/predict?sepal_length=NaN&sepal_width=1&petal_length=1&petal_width=1`), 400, 'INVALID_INPUT', /sepal_length/],
      ['Infinity as text', () => post('/models/iris/predict', 'sepal_length,sepal_width,petal_length,petal_width\nInfinity,1,1,1\n', 'text/csv'), 400, 'INVALID_INPUT', /row 1, column 'sepal_length': expected a number/],
      ['hex as text', () => fetch(`${s.url}/models/iris/predict?sepal_length=0x10&sepal_width=1&petal_length=1&petal_width=1`), 400, 'INVALID_INPUT', /sepal_length/],
      ['row of the wrong length', () => postJson([[1, 2, 3]]), 400, 'INVALID_INPUT', /body\[0\]: expected 4 values/],
      ['bad row in a batch', () => postJson({ instances: [SETOSA, 'x'] }), 400, 'INVALID_INPUT', /instances\[1\]/],
      ['a scalar body', () => postJson(42), 400, 'INVALID_INPUT', /body must be/],
      ['no rows', () => postJson([]), 400, 'INVALID_INPUT', /at least one row/],
      ['a prototype key', () => post('/models/iris/predict', '{"__proto__": {"x": 1}}', 'application/json'), 400, 'INVALID_JSON', /./],
      ['unknown route', () => fetch(`${s.url}/nowhere`), 404, 'ROUTE_NOT_FOUND', /nowhere/],
      ['CSV without data rows', () => post('/models/iris/predict', 'sepal_length\n', 'text/csv'), 400, 'INVALID_CSV', /data row/],
      ['int feature given a fraction', () => fetch(`${s.url}/models/colours/predict?colour=red&count=1.5`), 400, 'INVALID_INPUT', /count: expected an integer/],
      ['number for a string feature', () => postTo('/models/colours/predict', { colour: 3, count: 1 }), 400, 'INVALID_INPUT', /colour: expected a string/],
    ];
    const post = (path: string, body: string, type: string) => fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    const postTo = (path: string, json: unknown) => post(path, JSON.stringify(json), 'application/json');
    const postJson = (json: unknown) => postTo('/models/iris/predict', json);

    for (const [name, send, status, code, message] of cases) {
      it(name, async () => {
        const res = await send();
        const body = await res.json() as { error: { code: string; message: string; details?: unknown[] } };
        assert.equal(res.status, status, JSON.stringify(body));
        assert.equal(body.error.code, code);
        assert.match(body.error.message, message);
      });
    }
  });
});
