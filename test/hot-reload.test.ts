// Model lifecycle while serving: new and changed versions swap in under load with no failed request, a broken
// version leaves the serving one in place, removed models retire, version policies, and the repository API.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRepository } from '../src/repository/repository.js';
import { ApiKeys } from '../src/server/api-keys.js';
import { makeRepository, scaleModel } from './helpers/models.js';
import { request, startServer, type TestServer } from './helpers/server.js';


const until = async (what: string, test: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** Keeps `concurrency` requests in flight until stopped; counts answers by status and by value. */
function load(url: string, concurrency: number) {
  const statuses = new Map<number, number>();
  const values = new Map<number, number>();
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const r = await request(`${url}/models/m/predict`, { json: { x: 1 } });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) values.set(r.body.prediction.value, (values.get(r.body.prediction.value) ?? 0) + 1);
    }
  });
  return {
    values,
    async stop() {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

describe('hot reload under load', () => {
  let root: string;
  let s: TestServer;
  let stopWatching: () => void;
  const rescanErrors: Error[] = [];
  before(async () => {
    root = await makeRepository({ 'm/1/model.onnx': scaleModel(1), 'other.onnx': scaleModel(10) });
    s = await startServer(root);
    stopWatching = s.server.context.repository.watch(50, (err) => rescanErrors.push(err));
  });
  after(async () => {
    stopWatching();
    await s.close();
  });

  const served = async () => (await request(`${s.url}/models/m/predict`, { json: { x: 1 } })).body.prediction?.value;

  it('swaps in a new version folder at concurrency 32 with zero failed requests', async () => {
    const traffic = load(s.url, 32);
    await new Promise((r) => setTimeout(r, 300));
    await mkdir(join(root, 'm/2'));
    await writeFile(join(root, 'm/2/model.onnx'), scaleModel(2));
    await until('version 2', async () => (traffic.values.get(2) ?? 0) > 50);
    const statuses = await traffic.stop();
    assert.deepEqual([...statuses.keys()], [200], `statuses ${JSON.stringify([...statuses])}`);
    assert.ok((traffic.values.get(1) ?? 0) > 0, 'version 1 answered before the swap');
    assert.equal(await served(), 2);
  });

  it('keeps serving through a broken new version, reports it, and stays ready', async () => {
    const traffic = load(s.url, 32);
    await mkdir(join(root, 'm/3'));
    await writeFile(join(root, 'm/3/model.onnx'), 'not a model');
    await until('version 3 to fail', async () => (await request(`${s.url}/models/m`)).body.versions.some((v: { version: number; state: string }) => v.version === 3 && v.state === 'failed'));
    await new Promise((r) => setTimeout(r, 200));
    const statuses = await traffic.stop();
    assert.deepEqual([...statuses.keys()], [200], `statuses ${JSON.stringify([...statuses])}`);
    assert.deepEqual([...traffic.values.keys()], [2]);
    const detail = (await request(`${s.url}/models/m`)).body;
    assert.equal(detail.default_version, 2);
    assert.match(detail.versions.find((v: { version: number }) => v.version === 3).error, /m\/3|model\.onnx|ONNX|protobuf|parse/i);
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
  });

  it('reloads a changed file in place, and keeps the old one when the change is broken', async () => {
    await rm(join(root, 'm/3'), { recursive: true });
    await writeFile(join(root, 'm/2/model.onnx'), scaleModel(4));
    await until('the changed version 2', async () => (await served()) === 4);
    const traffic = load(s.url, 8);
    await writeFile(join(root, 'm/2/model.onnx'), 'broken now');
    await until('the reload error', async () => Boolean((await request(`${s.url}/models/m`)).body.versions.find((v: { version: number }) => v.version === 2).reload_error));
    const statuses = await traffic.stop();
    assert.deepEqual([...statuses.keys()], [200]);
    assert.equal(await served(), 4, 'the last good load still serves');
  });

  it('retires a removed model and loads a new one', async () => {
    await rm(join(root, 'other.onnx'));
    await writeFile(join(root, 'fresh.onnx'), scaleModel(7));
    await until('the change', async () => (await fetch(`${s.url}/models/other`)).status === 404 && (await fetch(`${s.url}/models/fresh`)).status === 200);
    const r = await request(`${s.url}/models/fresh/predict`, { json: { x: 2 } });
    assert.equal(r.body.prediction.value, 14);
  });

  it('rescanned without an error, folders removed mid-scan included', () => {
    assert.deepEqual(rescanErrors.map((e) => e.message), []);
  });
});

describe('version policy', () => {
  it('loads only the versions model.yaml keeps', async () => {
    const files = { 'm/1/model.onnx': scaleModel(1), 'm/2/model.onnx': scaleModel(2), 'm/3/model.onnx': scaleModel(3) };
    const latest = await ModelRepository.open(await makeRepository({ ...files, 'm/model.yaml': 'version_policy: latest\n' }));
    const two = await ModelRepository.open(await makeRepository({ ...files, 'm/model.yaml': 'version_policy: {latest: 2}\n' }));
    const specific = await ModelRepository.open(await makeRepository({ ...files, 'm/model.yaml': 'version_policy: {specific: [1, 3]}\n' }));
    try {
      assert.deepEqual(latest.get('m').versions.map((v) => v.version), [3]);
      assert.deepEqual(two.get('m').versions.map((v) => v.version), [2, 3]);
      assert.deepEqual(specific.get('m').versions.map((v) => v.version), [1, 3]);
    } finally {
      await Promise.all([latest.close(), two.close(), specific.close()]);
    }
    const bad = await ModelRepository.open(await makeRepository({ ...files, 'm/model.yaml': 'version_policy: {newest: 1}\n' }));
    try {
      assert.match(bad.version('m').error ?? '', /'version_policy' must be all, latest/);
    } finally {
      await bad.close();
    }
  });
});

describe('Open Inference Protocol repository extension', () => {
  let s: TestServer;
  let plain: TestServer;
  const admin = { authorization: 'Bearer root-key' };
  before(async () => {
    const root = await makeRepository({ 'a.onnx': scaleModel(1), 'b.onnx': scaleModel(2) });
    s = await startServer(root, { adminKeys: ApiKeys.fromKeys(['root-key']) });
    plain = await startServer(root);
  });
  after(async () => {
    await s.close();
    await plain.close();
  });

  it('is off without admin keys and refuses calls without one', async () => {
    assert.equal((await fetch(`${plain.url}/v2/repository/index`, { method: 'POST' })).status, 404);
    assert.deepEqual((await request(`${plain.url}/v2`)).body.extensions, ['binary_tensor_data', 'explain']);
    const r = await request(`${s.url}/v2/repository/index`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    assert.equal(r.status, 401);
    assert.deepEqual((await request(`${s.url}/v2`)).body.extensions, ['binary_tensor_data', 'explain', 'model_repository']);
  });

  it('lists, unloads and loads models', async () => {
    const index = await request(`${s.url}/v2/repository/index`, { json: {}, headers: admin });
    assert.deepEqual(index.body, [
      { name: 'a', version: '1', state: 'READY', reason: '' },
      { name: 'b', version: '1', state: 'READY', reason: '' },
    ]);
    assert.equal((await request(`${s.url}/v2/repository/models/a/unload`, { json: {}, headers: admin })).status, 200);
    const gone = await request(`${s.url}/v2/models/a/infer`, { json: { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP64', data: [1] }] } });
    assert.equal(gone.status, 503);
    assert.match(gone.body.error, /unloaded/);
    const ready = await request(`${s.url}/v2/repository/index`, { json: { ready: true }, headers: admin });
    assert.deepEqual(ready.body.map((e: { name: string }) => e.name), ['b']);
    assert.equal((await request(`${s.url}/v2/repository/models/a/load`, { json: {}, headers: admin })).status, 200);
    const back = await request(`${s.url}/v2/models/a/infer`, { json: { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP64', data: [3] }] } });
    assert.deepEqual(back.body.outputs[0].data, [3]);
    const missing = await request(`${s.url}/v2/repository/models/nope/load`, { json: {}, headers: admin });
    assert.equal(missing.status, 404);
  });
});
