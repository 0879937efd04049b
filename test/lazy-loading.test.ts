// Lazy loading and the memory budget: a repository larger than the budget answers every request right while
// versions are loaded on demand and the least recently used are unloaded; a broken artifact fails its first
// request with its load error; readiness, hot reload and explanations work with versions that are not loaded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRepository, type RepositoryOptions } from '../src/repository/repository.js';
import { createApp } from '../src/server/app.js';
import { FIXTURES } from './helpers/fixtures.js';
import { makeRepository, scaleModel } from './helpers/models.js';
import { request, type TestServer } from './helpers/server.js';

const MODELS = 30;
const BUDGET = 5;
const EXAMPLES = join(FIXTURES, '..', '..', 'examples', 'models');
const FRAUD_ROW = { amount: 950, hour: 3, distance_from_home_km: 420, minutes_since_last: 2, transactions_last_24h: 9, card_present: 0, foreign: 1, merchant_risk: 0.7 };


async function startLazy(root: string, options: RepositoryOptions): Promise<TestServer> {
  const repository = await ModelRepository.open(root, { lazy: true, retireGraceMs: 20, ...options });
  const server = await createApp(repository, { requestTimeoutMs: 10_000 });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server, close: () => server.close() };
}

/** A fixed shuffle (a small LCG), so a failure replays. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe(`lazy loading, ${MODELS} models with a budget of ${BUDGET}`, () => {
  let root: string;
  let s: TestServer;
  before(async () => {
    const files: Record<string, Uint8Array | string> = {};
    for (let k = 1; k <= MODELS; k++) files[`m${k}/1/model.onnx`] = scaleModel(k);
    files['broken/1/model.pkl'] = Buffer.from('not a pickle');
    files['fraud/model.yaml'] = readFileSync(join(EXAMPLES, 'fraud', 'model.yaml'), 'utf8');
    files['fraud/1/fraud.joblib'] = readFileSync(join(EXAMPLES, 'fraud', '1', 'fraud.joblib'));
    root = await makeRepository(files);
    s = await startLazy(root, { maxModels: BUDGET });
  });
  after(() => s.close());

  it('is ready once scanned, with nothing loaded, and lists versions as unloaded', async () => {
    const ready = await request(`${s.url}/readyz`);
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const list = await request(`${s.url}/models`);
    assert.equal(list.body.models.length, MODELS + 2);
    assert.ok(list.body.models.every((m: { state: string }) => m.state === 'unloaded'));
    assert.equal(s.server.context.repository.stats().loaded, 0);
    const v2 = await request(`${s.url}/v2/models/m3/ready`);
    assert.equal(v2.status, 200, 'a version that loads on demand is ready for the Open Inference Protocol');
  });

  it('answers every request right, concurrent and in random order, while versions load and unload', async () => {
    const names = Array.from({ length: MODELS * 12 }, (_, i) => (i % MODELS) + 1);
    const queue = shuffled(names, 42);
    const failures: string[] = [];
    const worker = async () => {
      for (let k = queue.pop(); k !== undefined; k = queue.pop()) {
        const r = await request(`${s.url}/models/m${k}/predict`, { json: { x: 2 } });
        if (r.status !== 200 || r.body.prediction.value !== 2 * k) failures.push(`m${k}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.deepEqual(failures, []);
    const stats = s.server.context.repository.stats();
    assert.ok(stats.loads > MODELS, `versions reload after being unloaded (${stats.loads} loads)`);
    assert.ok(stats.evictions >= stats.loads - BUDGET, `${stats.evictions} unloads for ${stats.loads} loads`);
    assert.ok(stats.loaded <= BUDGET, `${stats.loaded} loaded, budget ${BUDGET}`);
    const metrics = (await request(`${s.url}/metrics`)).body as string;
    assert.match(metrics, new RegExp(`modelport_model_evictions_total ${stats.evictions}\\b`));
    assert.match(metrics, /modelport_models_loaded \d/);
    assert.match(metrics, /modelport_model_loads_total\{outcome="ok"\} \d+/);
  });

  it('shares one load among the first requests of a version', async () => {
    const before = s.server.context.repository.stats().loads;
    // Ask for a model the previous test unloaded.
    const idle = s.server.context.repository.list().find((m) => /^m\d+$/.test(m.name) && m.versions[0].state === 'unloaded');
    assert.ok(idle);
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(`${s.url}/models/${idle.name}/predict`, { json: { x: 1 } })));
    assert.ok(answers.every((r) => r.status === 200));
    assert.equal(s.server.context.repository.stats().loads, before + 1);
  });

  it('fails the first request for a broken artifact with its load error, and keeps reporting it', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await request(`${s.url}/models/broken/predict`, { json: { x: 1 } });
      assert.equal(r.status, 503);
      assert.equal(r.body.error.code, 'MODEL_NOT_READY');
      assert.match(r.body.error.message, /failed to load: model\.pkl: /);
    }
    const detail = await request(`${s.url}/models/broken`);
    assert.equal(detail.body.versions[0].state, 'failed');
    const ready = await request(`${s.url}/readyz`);
    assert.equal(ready.status, 503, 'a model known to be broken makes the server not ready, as when loading eagerly');
  });

  it('builds an explainer on the first explain request, from the artifact read again', async () => {
    const r = await request(`${s.url}/models/fraud/explain`, { json: FRAUD_ROW });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const predicted = await request(`${s.url}/models/fraud/predict`, { json: FRAUD_ROW });
    assert.equal(r.body.explanation.class, 'fraud');
    assert.ok(Math.abs(r.body.explanation.margin - predicted.body.prediction.probabilities.fraud) < 1e-12);
  });
});

describe('lazy loading with hot reload and a memory budget', () => {
  let root: string;
  let s: TestServer;
  let stop: () => void;
  before(async () => {
    root = await makeRepository({ 'a/1/model.onnx': scaleModel(1), 'b/1/model.onnx': scaleModel(2), 'c/1/model.onnx': scaleModel(3) });
    // A budget of 1 byte keeps a version loaded only while requests use it.
    s = await startLazy(root, { maxMemoryBytes: 1 });
    stop = s.server.context.repository.watch(30, (err) => { throw err; });
  });
  after(async () => {
    stop();
    await s.close();
  });

  const value = async (name: string) => (await request(`${s.url}/models/${name}/predict`, { json: { x: 1 } })).body.prediction.value as number;

  it('unloads each version once its requests end under a memory budget smaller than any model', async () => {
    assert.deepEqual([await value('a'), await value('b'), await value('c'), await value('a')], [1, 2, 3, 1]);
    const stats = s.server.context.repository.stats();
    assert.equal(stats.loaded, 0);
    assert.equal(stats.loads, 4);
    assert.equal(stats.evictions, 4);
  });

  it('serves what changed on disk, for a loaded and for an unloaded version', async () => {
    await writeFile(join(root, 'a', '1', 'model.onnx'), scaleModel(10));
    await writeFile(join(root, 'b', '1', 'model.onnx'), scaleModel(20));
    const until = Date.now() + 5000;
    while ((await value('a')) !== 10 || (await value('b')) !== 20) {
      assert.ok(Date.now() < until, 'the new files are served');
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.equal(await value('c'), 3);
  });
});
