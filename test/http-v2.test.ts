import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { doubleModel, intBoolModel, linearRegressor, makeRepository, stringInputModel, zipmapClassifier } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';

describe('Open Inference Protocol (V2)', () => {
  let s: TestServer;
  before(async () => {
    const root = await makeRepository({
      'iris/1/model.onnx': zipmapClassifier(),
      'iris/3/model.onnx': zipmapClassifier(),
      'reg.onnx': linearRegressor(),
      'double/1/model.onnx': doubleModel(),
      'colours/1/model.onnx': stringInputModel(),
      'intbool/1/model.onnx': intBoolModel(),
    });
    s = await startServer(root);
  });
  after(() => s.close());

  const infer = (path: string, json: unknown) => request(`${s.url}/v2/models/${path}/infer`, { json });

  it('reports server metadata, liveness and readiness', async () => {
    const meta = await request(`${s.url}/v2`);
    assert.equal(meta.status, 200);
    assert.equal(meta.body.name, 'modelport');
    assert.ok(Array.isArray(meta.body.extensions));
    assert.equal((await request(`${s.url}/v2/health/live`)).status, 200);
    assert.equal((await request(`${s.url}/v2/health/ready`)).status, 200);
  });

  it('describes a model with V2 datatypes and -1 for dynamic dimensions', async () => {
    const r = await request(`${s.url}/v2/models/iris`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.versions, ['1', '3']);
    assert.deepEqual(r.body.inputs, [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(r.body.outputs, [
      { name: 'output_label', datatype: 'BYTES', shape: [-1] },
      { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
    ]);
    assert.equal((await request(`${s.url}/v2/models/iris/versions/1`)).status, 200);
    assert.equal((await request(`${s.url}/v2/models/iris/ready`)).body.ready, true);
    assert.equal((await request(`${s.url}/v2/models/iris/versions/3/ready`)).status, 200);
  });

  it('infers with flat data, echoes the id and names the version', async () => {
    const r = await infer('iris', {
      id: 'req-42',
      inputs: [{ name: 'float_input', shape: [2, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3] }],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.id, 'req-42');
    assert.equal(r.body.model_name, 'iris');
    assert.equal(r.body.model_version, '3');
    const label = r.body.outputs.find((o: { name: string }) => o.name === 'output_label');
    assert.deepEqual(label, { name: 'output_label', shape: [2], datatype: 'BYTES', data: ['setosa', 'virginica'] });
    const probs = r.body.outputs.find((o: { name: string }) => o.name === 'output_probability');
    assert.deepEqual(probs.shape, [2, 3]);
    assert.equal(probs.datatype, 'FP32');
    assert.equal(probs.data.length, 6);
  });

  it('accepts nested data and returns only the requested outputs', async () => {
    const r = await infer('iris/versions/1', {
      inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [[5.1, 3.5, 1.4, 0.2]] }],
      outputs: [{ name: 'output_label' }],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.model_version, '1');
    assert.deepEqual(r.body.outputs, [{ name: 'output_label', shape: [1], datatype: 'BYTES', data: ['setosa'] }]);
  });

  it('serves FP64, BYTES and INT64 tensors', async () => {
    const d = await infer('double', { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP64', data: [0.1, 0.2] }] });
    assert.deepEqual(d.body.outputs, [{ name: 'value', shape: [1, 1], datatype: 'FP64', data: [0.1 * 2 + 0.2 * 2] }]);
    const c = await infer('colours', {
      inputs: [
        { name: 'colour', shape: [2, 1], datatype: 'BYTES', data: ['blue', 'red'] },
        { name: 'count', shape: [2, 1], datatype: 'INT64', data: [1, 2] },
      ],
    });
    assert.equal(c.status, 200);
    assert.deepEqual(c.body.outputs, [{ name: 'score', shape: [2, 1], datatype: 'INT64', data: [301, 102] }]);
  });

  it('serves INT32 and BOOL tensors, and the same model from named features', async () => {
    const r = await infer('intbool', {
      inputs: [
        { name: 'count', shape: [2, 1], datatype: 'INT32', data: [3, -2] },
        { name: 'flag', shape: [2, 1], datatype: 'BOOL', data: [true, false] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.outputs, [{ name: 'score', shape: [2, 1], datatype: 'FP64', data: [31, -20] }]);
    const simple = await request(`${s.url}/models/intbool/predict`, { json: { count: 4, flag: true } });
    assert.deepEqual(simple.body.prediction, { value: 41 });
    const query = await request(`${s.url}/models/intbool/predict?count=5&flag=false`);
    assert.deepEqual(query.body.prediction, { value: 50 });
    const bad = await request(`${s.url}/models/intbool/predict`, { json: { count: 3_000_000_000, flag: 'yes' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /count: 3000000000 is outside the int32 range/);
    const badBool = await infer('intbool', { inputs: [
      { name: 'count', shape: [1, 1], datatype: 'INT32', data: [1] },
      { name: 'flag', shape: [1, 1], datatype: 'BOOL', data: [1] }] });
    assert.equal(badBool.status, 400);
    assert.match(badBool.body.error, /expected true or false/);
  });

  describe('errors in the protocol shape {"error": "..."}', () => {
    const tensor = { name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] };
    const cases: [string, () => Promise<{ status: number; body: any }>, number, RegExp][] = [
      ['unknown model', () => infer('nope', { inputs: [tensor] }), 404, /nope/],
      ['unknown version', () => infer('iris/versions/2', { inputs: [tensor] }), 404, /version 2/],
      ['no inputs', () => infer('iris', { inputs: [] }), 400, /inputs/],
      ['a body that is not an object', () => infer('iris', [1, 2]), 400, /JSON object/],
      ['unknown input name', () => infer('iris', { inputs: [{ ...tensor, name: 'pixels' }] }), 400, /pixels.*no input of that name/],
      ['wrong datatype', () => infer('iris', { inputs: [{ ...tensor, datatype: 'FP64' }] }), 400, /takes FP32, got FP64/],
      ['unknown datatype', () => infer('iris', { inputs: [{ ...tensor, datatype: 'FLOAT' }] }), 400, /unknown datatype 'FLOAT'/],
      ['data length not matching the shape', () => infer('iris', { inputs: [{ ...tensor, data: [1, 2, 3] }] }), 400, /needs 4 values, got 3/],
      ['wrong shape for the model', () => infer('iris', { inputs: [{ ...tensor, shape: [2, 2] }] }), 400, /float_input: expected shape \[-1, 4\], got \[2, 2\]/],
      ['a string in FP32 data', () => infer('iris', { inputs: [{ ...tensor, data: [1, 2, 'x', 4] }] }), 400, /data\[2\]: expected a number/],
      ['a fraction in INT64 data', () => infer('colours', { inputs: [
        { name: 'colour', shape: [1, 1], datatype: 'BYTES', data: ['red'] },
        { name: 'count', shape: [1, 1], datatype: 'INT64', data: [1.5] }] }), 400, /expected an integer/],
      ['a missing input', () => infer('colours', { inputs: [{ name: 'colour', shape: [1, 1], datatype: 'BYTES', data: ['red'] }] }), 400, /count: this input is required/],
      ['an unknown output', () => infer('iris', { inputs: [tensor], outputs: [{ name: 'logits' }] }), 400, /logits/],
      ['negative shape', () => infer('iris', { inputs: [{ ...tensor, shape: [-1, 4] }] }), 400, /shape/],
      ['an input sent twice', () => infer('iris', { inputs: [tensor, tensor] }), 400, /sent twice/],
      ['malformed JSON', async () => {
        const res = await fetch(`${s.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [' });
        return { status: res.status, body: await res.json() };
      }, 400, /JSON/],
      ['unknown V2 route', () => request(`${s.url}/v2/nothing`), 404, /nothing/],
    ];
    for (const [name, send, status, message] of cases) {
      it(name, async () => {
        const r = await send();
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.equal(typeof r.body.error, 'string');
        assert.match(r.body.error, message);
      });
    }
  });
});
