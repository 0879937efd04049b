// Bodies of 256 KiB and more are parsed and answered by the codec worker: same answers, same errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeRepository, zipmapClassifier } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const VIRGINICA = { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 };
const ROWS = 5000;
const instances = Array.from({ length: ROWS }, (_, i) => (i % 3 === 0 ? VIRGINICA : SETOSA));

describe('large bodies', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer(await makeRepository({
      'iris/model.yaml': 'inputs: [sepal_length, sepal_width, petal_length, petal_width]\n',
      'iris/1/model.onnx': zipmapClassifier(),
    }), { batching: { maxBatchSize: 512, maxDelayMs: 0, maxQueue: 100 } });
  });
  after(() => s.close());

  it('answers a large batch exactly as small requests are answered', async () => {
    const body = JSON.stringify({ instances });
    assert.ok(body.length > 256 * 1024);
    const big = await request(`${s.url}/models/iris/predict`, { json: { instances } });
    assert.equal(big.status, 200);
    assert.equal(big.body.predictions.length, ROWS);
    const small = await request(`${s.url}/models/iris/predict`, { json: [SETOSA, VIRGINICA] });
    assert.deepEqual(big.body.predictions[1], small.body.predictions[0]);
    assert.deepEqual(big.body.predictions[0], small.body.predictions[1]);
    assert.equal(big.body.model, 'iris');
  });

  it('names the bad row of a large batch', async () => {
    const bad = instances.map((r, i) => (i === 4321 ? { ...r, petal_width: 'wide' } : r));
    const r = await request(`${s.url}/models/iris/predict`, { json: { instances: bad } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'INVALID_INPUT');
    assert.match(r.body.error.message, /instances\[4321\]\.petal_width: expected a number/);
  });

  it('refuses malformed and prototype-poisoning large JSON', async () => {
    const text = JSON.stringify({ instances });
    const post = (body: string) => fetch(`${s.url}/models/iris/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const truncated = await post(text.slice(0, -10));
    assert.equal(truncated.status, 400);
    assert.equal(((await truncated.json()) as { error: { code: string } }).error.code, 'INVALID_JSON');
    const poisoned = await post(`{"__proto__": {"x": 1}, "pad": "${'x'.repeat(300_000)}"}`);
    assert.equal(poisoned.status, 400);
  });

  it('answers a large V2 request', async () => {
    const data = instances.flatMap((r) => Object.values(r));
    const r = await request(`${s.url}/v2/models/iris/infer`, {
      json: { id: 'big', inputs: [{ name: 'float_input', shape: [ROWS, 4], datatype: 'FP32', data }], outputs: [{ name: 'output_label' }] },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.id, 'big');
    assert.deepEqual(r.body.outputs.map((o: { name: string }) => o.name), ['output_label']);
    assert.equal(r.body.outputs[0].data.length, ROWS);
    assert.equal(r.body.outputs[0].data[0], 'virginica');
    assert.equal(r.body.outputs[0].data[1], 'setosa');
    const bad = await request(`${s.url}/v2/models/iris/infer`, { json: { inputs: [{ name: 'float_input', shape: [ROWS, 4], datatype: 'FP32', data: data.slice(1) }] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /needs 20000 values, got 19999/);
  });
});

describe('shutdown', () => {
  it('finishes the request in flight, then closes its connection', async () => {
    const { connect } = await import('node:net');
    const s = await startServer(await makeRepository({
      'iris/model.yaml': 'inputs: [sepal_length, sepal_width, petal_length, petal_width]\n',
      'iris/1/model.onnx': zipmapClassifier(),
    }));
    const port = Number(new URL(s.url).port);
    const big = JSON.stringify({ instances: Array.from({ length: 60_000 }, () => SETOSA) });
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => { received += d.toString('latin1'); });
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.write(`POST /models/iris/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(big)}\r\n\r\n${big}`);
    await new Promise((r) => setTimeout(r, 40));
    await s.close();
    await ended;
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.match(received, /\r\nconnection: close\r\n/i);
    assert.equal((received.match(/"label":"setosa"/g) ?? []).length, 60_000);
  });
});
