// Production controls around the routes: CORS, form bodies (seed 004), request ids and access logs, API keys,
// rate limits, security headers and the readiness policy. Each test fails without its control.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { ApiKeys, hashKey } from '../src/server/api-keys.js';
import { makeRepository, stringInputModel, zipmapClassifier } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const IRIS_YAML = 'inputs: [sepal_length, sepal_width, petal_length, petal_width]\n';

async function repository(extra: Record<string, string> = {}): Promise<string> {
  return makeRepository({ 'iris/model.yaml': IRIS_YAML, 'iris/1/model.onnx': zipmapClassifier(), 'colours/1/model.onnx': stringInputModel(), ...extra });
}

/** A pino logger whose lines land in an array. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A GET with a body, which fetch refuses to send but curl -X GET -d does. */
function getWithForm(url: string, body: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('CORS and the seeds\' request forms', () => {
  let s: TestServer;
  let plain: TestServer;
  before(async () => {
    const root = await repository();
    s = await startServer(root, { operations: { cors: '*' } });
    plain = await startServer(root);
  });
  after(async () => {
    await s.close();
    await plain.close();
  });

  it('answers a browser\'s preflight when CORS is on, and not when it is off', async () => {
    const preflight = { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } };
    const on = await fetch(`${s.url}/models/iris/predict`, preflight);
    assert.equal(on.status, 204);
    assert.equal(on.headers.get('access-control-allow-origin'), '*');
    assert.match(on.headers.get('access-control-allow-methods') ?? '', /POST/);
    const off = await fetch(`${plain.url}/models/iris/predict`, preflight);
    assert.equal(off.headers.get('access-control-allow-origin'), null);
    const r = await request(`${s.url}/models/iris/predict`, { json: SETOSA, headers: { origin: 'http://app.example' } });
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  });

  it('reads a form body on POST and on GET, as seed 004\'s curl -X GET … -d query=… sends it', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = 'colour=green&count=5';
    const post = await request(`${s.url}/models/colours/predict`, { method: 'POST', headers: form, body });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.body.prediction.score, 205);
    const get = await getWithForm(`${s.url}/models/colours/predict`, body);
    assert.equal(get.status, 200, JSON.stringify(get.body));
    assert.equal(get.body.prediction.score, 205);
    const mixed = await getWithForm(`${s.url}/models/colours/predict?count=1`, 'colour=red');
    assert.equal(mixed.body.prediction.score, 101);
  });

  it('refuses a feature given in both the query and the form, and a form beyond the body limit', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const twice = await request(`${s.url}/models/colours/predict?count=1`, { method: 'POST', headers: form, body: 'colour=red&count=2' });
    assert.equal(twice.status, 400);
    assert.match(twice.body.error.message, /count: given more than once/);
    const small = await startServer(await repository(), { bodyLimit: 64 });
    try {
      const big = await getWithForm(`${small.url}/models/colours/predict`, `colour=${'r'.repeat(200)}&count=1`);
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, 'PAYLOAD_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('sends security headers', async () => {
    const r = await fetch(`${plain.url}/models`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(r.headers.get('content-security-policy'));
    assert.equal(r.headers.get('x-powered-by'), null);
  });
});

describe('request ids and access logs', () => {
  it('logs one line per request with its id, model, version, status, rows and latency, and no payload', async () => {
    const { logger, lines } = memoryLogger();
    const s = await startServer(await repository(), { logger });
    try {
      const given = await request(`${s.url}/models/iris/predict`, { json: [SETOSA, SETOSA], headers: { 'x-request-id': 'abc-123' } });
      assert.equal(given.headers.get('x-request-id'), 'abc-123');
      const made = await request(`${s.url}/models/iris/predict`, { json: SETOSA, headers: { 'x-request-id': 'not; a token' } });
      assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      await request(`${s.url}/v2/models/iris/infer`, { json: { inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: Array(12).fill(1) }] } });
      await new Promise((r) => setTimeout(r, 50));
      const access = lines.filter((l) => l.msg === 'request');
      assert.equal(access.length, 3);
      assert.deepEqual({ ...access[0], time: 0, ms: 0, pid: 0, hostname: '' }, {
        level: 30, time: 0, pid: 0, hostname: '', request_id: 'abc-123', method: 'POST', path: '/models/iris/predict',
        status: 200, ms: 0, model: 'iris', version: 1, rows: 2, msg: 'request',
      });
      assert.equal(typeof access[0].ms, 'number');
      assert.equal(access[2].rows, 3);
      assert.ok(!JSON.stringify(lines).includes('sepal_length'), 'no payload in the log');
    } finally {
      await s.close();
    }
  });

  it('logs payloads only when asked, and nothing per request with the access log off', async () => {
    const withPayloads = memoryLogger();
    const a = await startServer(await repository(), { logger: withPayloads.logger, operations: { logPayloads: true } });
    const quiet = memoryLogger();
    const b = await startServer(await repository(), { logger: quiet.logger, operations: { accessLog: false } });
    try {
      await request(`${a.url}/models/iris/predict`, { json: SETOSA });
      await request(`${b.url}/models/iris/predict`, { json: SETOSA });
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(withPayloads.lines.find((l) => l.msg === 'request')?.payload, SETOSA);
      assert.equal(quiet.lines.filter((l) => l.msg === 'request').length, 0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('API keys and rate limits', () => {
  let s: TestServer;
  let locked: TestServer;
  before(async () => {
    const root = await repository();
    // One key given in clear, one only by its hash (as --api-keys-file holds it).
    const keys = ApiKeys.fromKeys(['k-one'], [hashKey('k-two')]);
    s = await startServer(root, { operations: { apiKeys: keys } });
    locked = await startServer(root, { operations: { apiKeys: keys, protectMetrics: true } });
  });
  after(async () => {
    await s.close();
    await locked.close();
  });

  it('refuses a request without a valid key with 401 and WWW-Authenticate, in each protocol\'s error shape', async () => {
    const none = await request(`${s.url}/models/iris/predict`, { json: SETOSA });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="modelport"');
    assert.equal(none.body.error.code, 'UNAUTHORIZED');
    const wrong = await request(`${s.url}/v2/models/iris`, { headers: { authorization: 'Bearer k-three' } });
    assert.equal(wrong.status, 401);
    assert.equal(typeof wrong.body.error, 'string');
    const list = await request(`${s.url}/models`, { headers: { authorization: 'Bearer k-on' } });
    assert.equal(list.status, 401);
  });

  it('accepts each key as a Bearer token or an X-Api-Key header', async () => {
    const a = await request(`${s.url}/models/iris/predict`, { json: SETOSA, headers: { authorization: 'Bearer k-one' } });
    const b = await request(`${s.url}/models/iris/predict`, { json: SETOSA, headers: { 'x-api-key': 'k-two' } });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
  });

  it('keeps probes open, and /metrics unless it is protected', async () => {
    for (const path of ['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready', '/metrics']) {
      assert.equal((await fetch(`${s.url}${path}`)).status, 200, path);
    }
    assert.equal((await fetch(`${locked.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${locked.url}/metrics`, { headers: { authorization: 'Bearer k-one' } })).status, 200);
    assert.equal((await fetch(`${locked.url}/healthz`)).status, 200);
  });

  it('limits each key\'s requests per window with 429 and Retry-After; probes are never limited', async () => {
    const keys = ApiKeys.fromKeys(['a', 'b']);
    const limited = await startServer(await repository(), { operations: { apiKeys: keys, rateLimit: { max: 3, windowMs: 60_000 } } });
    try {
      const asKey = (key: string) => request(`${limited.url}/models/iris/predict`, { json: SETOSA, headers: { authorization: `Bearer ${key}` } });
      for (let i = 0; i < 3; i++) assert.equal((await asKey('a')).status, 200);
      const over = await asKey('a');
      assert.equal(over.status, 429);
      assert.equal(over.body.error.code, 'RATE_LIMITED');
      assert.ok(Number(over.headers.get('retry-after')) >= 1);
      assert.equal((await asKey('b')).status, 200, 'another key has its own budget');
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${limited.url}/healthz`)).status, 200);
    } finally {
      await limited.close();
    }
  });
});

describe('readiness policy', () => {
  it("'all' is unready while one model is broken; 'any' serves the rest", async () => {
    const root = await repository({ 'broken/1/model.onnx': 'not a model' });
    const all = await startServer(root);
    const any = await startServer(root, { readiness: 'any' });
    try {
      assert.equal((await fetch(`${all.url}/readyz`)).status, 503);
      assert.equal((await fetch(`${all.url}/v2/health/ready`)).status, 503);
      assert.equal((await fetch(`${any.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${any.url}/v2/health/ready`)).status, 200);
      const broken = await request(`${any.url}/models/broken/predict`, { json: { a: 1 } });
      assert.equal(broken.status, 503);
    } finally {
      await all.close();
      await any.close();
    }
  });
});
