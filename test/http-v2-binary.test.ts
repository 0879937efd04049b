// The Open Inference Protocol's binary tensor data extension: binary inputs and outputs give the same answers as
// JSON, and every malformed body is a 400 that says what is wrong.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES } from './helpers/fixtures.js';
import { intBoolModel, stringInputModel } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';

/** A body of the extension: the JSON header, then the binary parts; and the header that gives its length. */
function binaryBody(header: unknown, ...parts: Buffer[]): { body: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...parts]), headers: { 'inference-header-content-length': String(json.length) } };
}

function strings(values: string[]): Buffer {
  return Buffer.concat(values.flatMap((v) => {
    const text = Buffer.from(v);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(text.length);
    return [length, text];
  }));
}

const f64 = (values: number[]) => Buffer.from(Float64Array.from(values).buffer);

/** Splits an answer of the extension into its JSON header and each binary output's values. */
function readBinaryAnswer(res: Response, bytes: Buffer) {
  const n = Number(res.headers.get('inference-header-content-length'));
  const head = JSON.parse(bytes.subarray(0, n).toString('utf8'));
  let offset = n;
  const values: Record<string, number[]> = {};
  for (const out of head.outputs) {
    const size = out.parameters?.binary_data_size;
    if (size === undefined) continue;
    const part = Uint8Array.prototype.slice.call(bytes.subarray(offset, offset + size));
    values[out.name] = out.datatype === 'FP64' ? Array.from(new Float64Array(part.buffer)) : out.datatype === 'FP32'
      ? Array.from(new Float32Array(part.buffer)) : Array.from(new BigInt64Array(part.buffer), Number);
    offset += size;
  }
  assert.equal(offset, bytes.length, 'the answer holds exactly the binary parts its header declares');
  return { head, values };
}

describe('V2 binary tensor data extension', () => {
  let s: TestServer;
  before(async () => {
    const root = mkdtempSync(join(tmpdir(), 'modelport-binary-'));
    cpSync(join(FIXTURES, '..', '..', 'examples', 'models', 'fraud'), join(root, 'fraud'), { recursive: true });
    for (const [name, graph] of [['colours', stringInputModel()], ['intbool', intBoolModel()]] as const) {
      mkdirSync(join(root, name, '1'), { recursive: true });
      writeFileSync(join(root, name, '1', 'model.onnx'), graph);
    }
    s = await startServer(root);
  });
  after(() => s.close());

  const post = (model: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${s.url}/v2/models/${model}/infer`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/octet-stream', ...headers } });

  const fraudRows = [
    [129.99, 3, 800.5, 2.5, 14, 0, 1, 0.6],
    [12.5, 14, 1.2, 600, 2, 1, 0, 0.02],
    [0, 0, 0, 0, 0, 0, 0, 0],
  ];

  it('is listed among the server extensions', async () => {
    assert.ok((await request(`${s.url}/v2`)).body.extensions.includes('binary_tensor_data'));
  });

  it('answers binary inputs and outputs with the numbers of the JSON request', async () => {
    const meta = (await request(`${s.url}/v2/models/fraud`)).body;
    const input = meta.inputs[0];
    assert.equal(input.datatype, 'FP64');
    const shape = [fraudRows.length, fraudRows[0].length];
    const json = await request(`${s.url}/v2/models/fraud/infer`, { json: { inputs: [{ name: input.name, shape, datatype: 'FP64', data: fraudRows.flat() }] } });
    assert.equal(json.status, 200);

    const data = f64(fraudRows.flat());
    const { body, headers } = binaryBody({ id: 'b1', parameters: { binary_data_output: true },
      inputs: [{ name: input.name, shape, datatype: 'FP64', parameters: { binary_data_size: data.length } }] }, data);
    const res = await post('fraud', body, headers);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const { head, values } = readBinaryAnswer(res, Buffer.from(await res.arrayBuffer()));
    assert.equal(head.id, 'b1');
    for (const out of json.body.outputs) {
      const binary = head.outputs.find((o: { name: string }) => o.name === out.name);
      assert.deepEqual(binary.shape, out.shape);
      assert.equal(binary.datatype, out.datatype);
      if (out.datatype === 'BYTES') continue;
      assert.deepEqual(values[out.name], out.data, `output ${out.name}`);
    }
  });

  it('answers JSON unless outputs ask for binary, and binary for just the outputs marked so', async () => {
    const meta = (await request(`${s.url}/v2/models/fraud`)).body;
    const [label, probability] = meta.outputs.map((o: { name: string }) => o.name);
    const data = f64(fraudRows[0]);
    const input = { name: meta.inputs[0].name, shape: [1, 8], datatype: 'FP64', parameters: { binary_data_size: data.length } };

    const plain = binaryBody({ inputs: [input] }, data);
    const jsonAnswer = await post('fraud', plain.body, plain.headers);
    assert.equal(jsonAnswer.status, 200);
    assert.match(jsonAnswer.headers.get('content-type') ?? '', /application\/json/);
    const answer = await jsonAnswer.json();

    const one = binaryBody({ inputs: [input], outputs: [{ name: label }, { name: probability, parameters: { binary_data: true } }] }, data);
    const res = await post('fraud', one.body, { ...one.headers, 'content-type': 'application/json' });
    assert.equal(res.status, 200);
    const { head, values } = readBinaryAnswer(res, Buffer.from(await res.arrayBuffer()));
    const expected = (name: string) => answer.outputs.find((o: { name: string }) => o.name === name);
    assert.deepEqual(head.outputs.find((o: { name: string }) => o.name === label).data, expected(label).data);
    assert.deepEqual(values[probability], expected(probability).data);
  });

  it('answers a large JSON request (decoded by the codec worker) with binary outputs when asked', async () => {
    const name = (await request(`${s.url}/v2/models/fraud`)).body.inputs[0].name;
    const n = 8000; // above LARGE_BODY_BYTES as JSON
    const data = Array.from({ length: n }, (_, i) => fraudRows[i % 3]).flat();
    const inputs = [{ name, shape: [n, 8], datatype: 'FP64', data }];
    const json = await request(`${s.url}/v2/models/fraud/infer`, { json: { inputs } });
    const res = await fetch(`${s.url}/v2/models/fraud/infer`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { binary_data_output: true }, inputs }) });
    assert.equal(res.status, 200);
    const { values } = readBinaryAnswer(res, Buffer.from(await res.arrayBuffer()));
    const probabilities = json.body.outputs.find((o: { datatype: string }) => o.datatype === 'FP64' || o.datatype === 'FP32');
    assert.deepEqual(values[probabilities.name], probabilities.data);
  });

  it('reads BYTES, INT64 and BOOL binary inputs and mixes them with JSON ones', async () => {
    const colours = strings(['red', 'blue', 'mauve']);
    const counts = Buffer.from(BigInt64Array.from([1n, 2n, 3n]).buffer);
    const { body, headers } = binaryBody({ inputs: [
      { name: 'colour', shape: [3, 1], datatype: 'BYTES', parameters: { binary_data_size: colours.length } },
      { name: 'count', shape: [3, 1], datatype: 'INT64', parameters: { binary_data_size: counts.length } },
    ] }, colours, counts);
    const res = await post('colours', body, headers);
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).outputs[0].data, [101, 302, 2]);

    const flags = Buffer.from([1, 0]);
    const mixed = binaryBody({ inputs: [
      { name: 'count', shape: [2, 1], datatype: 'INT32', data: [4, 5] },
      { name: 'flag', shape: [2, 1], datatype: 'BOOL', parameters: { binary_data_size: 2 } },
    ] }, flags);
    const r = await post('intbool', mixed.body, mixed.headers);
    assert.equal(r.status, 200);
    assert.deepEqual((await r.json()).outputs[0].data, [41, 50]);
  });

  it('refuses malformed bodies with a 400 naming what is wrong', async () => {
    const input = (size: number, shape = [1, 8]) => ({ name: 'float_input', shape, datatype: 'FP64', parameters: { binary_data_size: size } });
    const name = (await request(`${s.url}/v2/models/fraud`)).body.inputs[0].name;
    const row = f64(fraudRows[0]);
    const named = (x: ReturnType<typeof input>) => ({ ...x, name });
    const cases: [string, () => Promise<Response>, RegExp][] = [
      ['a header longer than the body', () => post('fraud', Buffer.from('{}'), { 'inference-header-content-length': '99' }), /byte count within the body/],
      ['a header length that is no number', () => post('fraud', Buffer.from('{}'), { 'inference-header-content-length': 'two' }), /byte count/],
      ['octet-stream without the header', () => post('fraud', Buffer.from('{}'), {}), /needs the inference-header-content-length header/],
      ['a header that is no JSON', () => post('fraud', Buffer.concat([Buffer.from('{oops'), row]), { 'inference-header-content-length': '5' }), /not valid JSON/],
      ['fewer bytes than declared', () => { const b = binaryBody({ inputs: [named(input(64))] }, row.subarray(0, 32)); return post('fraud', b.body, b.headers); }, /64 bytes declared, but only 32/],
      ['bytes left over', () => { const b = binaryBody({ inputs: [named(input(64))] }, row, Buffer.alloc(3)); return post('fraud', b.body, b.headers); }, /holds 67 bytes of binary data, but .* add up to 64/],
      ['a size that does not fit the shape', () => { const b = binaryBody({ inputs: [named(input(64, [2, 8]))] }, row); return post('fraud', b.body, b.headers); }, /needs 128 bytes, got 64/],
      ['both data and a binary size', () => { const b = binaryBody({ inputs: [{ ...named(input(64)), data: fraudRows[0] }] }, row); return post('fraud', b.body, b.headers); }, /has no data list/],
      ['a negative size', () => { const b = binaryBody({ inputs: [named(input(-8))] }, row); return post('fraud', b.body, b.headers); }, /binary_data_size: must be a non-negative integer/],
      ['NaN where no value may be missing', () => { const b = binaryBody({ inputs: [named(input(64))] }, f64([NaN, 3, 1, 1, 1, 0, 0, 0.5])); return post('fraud', b.body, b.headers); }, /data\[0\]/],
      ['Infinity', () => { const b = binaryBody({ inputs: [named(input(64))] }, f64([1, 3, 1, Infinity, 1, 0, 0, 0.5])); return post('fraud', b.body, b.headers); }, /data\[3\].*finite/],
      ['a BOOL byte of 2', () => { const b = binaryBody({ inputs: [{ name: 'count', shape: [1, 1], datatype: 'INT32', data: [1] }, { name: 'flag', shape: [1, 1], datatype: 'BOOL', parameters: { binary_data_size: 1 } }] }, Buffer.from([2])); return post('intbool', b.body, b.headers); }, /0 or 1; got 2/],
      ['a BYTES length past the end', () => { const bad = Buffer.alloc(4); bad.writeUInt32LE(100); const counts = Buffer.from(BigInt64Array.from([1n]).buffer); const b = binaryBody({ inputs: [{ name: 'colour', shape: [1, 1], datatype: 'BYTES', parameters: { binary_data_size: 4 } }, { name: 'count', shape: [1, 1], datatype: 'INT64', parameters: { binary_data_size: 8 } }] }, bad, counts); return post('colours', b.body, b.headers); }, /element 0 runs past the end/],
    ];
    for (const [what, send, message] of cases) {
      const res = await send();
      assert.equal(res.status, 400, what);
      const body = await res.json();
      assert.match(body.error, message, `${what}: ${body.error}`);
    }
  });

  it('keeps the header out of the seed-style routes', async () => {
    const res = await fetch(`${s.url}/models/fraud/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'inference-header-content-length': '2' }, body: '{}' });
    assert.equal(res.status, 400);
  });
});
