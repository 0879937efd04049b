// What can be checked of the container and the manifests without a Docker engine or a cluster: the image's
// start command serves the examples and shuts down cleanly, and the manifests parse and point at real routes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { envName, SETTINGS } from '../src/cli/serve-config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PORT = 18080;

function dockerInstruction(name: string): string[] {
  const line = readFileSync(`${ROOT}Dockerfile`, 'utf8').split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `Dockerfile has no ${name}`);
  return JSON.parse(line.slice(name.length + 1)) as string[];
}

function manifests(file: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(`${ROOT}${file}`, 'utf8')).map((d) => {
    assert.equal(d.errors.length, 0, `${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Record<string, any>;
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never became ready`);
}

describe('container start command', () => {
  let child: ChildProcess;
  let stderr = '';
  before(async () => {
    const entrypoint = dockerInstruction('ENTRYPOINT');
    const cmd = dockerInstruction('CMD');
    assert.equal(entrypoint[0], 'node');
    assert.deepEqual(cmd.slice(cmd.indexOf('--port'), cmd.indexOf('--port') + 2), ['--port', '8080']);
    assert.match(readFileSync(`${ROOT}Dockerfile`, 'utf8'), /^EXPOSE 8080$/m);
    // The image's command, outside a container: its /models is examples/models, and a free port.
    const args = [...entrypoint.slice(1), ...cmd].map((a) => (a === '/models' ? `${ROOT}examples/models` : a === '8080' ? String(PORT) : a));
    child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d) => { stderr += d; });
    await waitReady(`http://127.0.0.1:${PORT}/readyz`, child);
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves the examples on every interface it was told to', async () => {
    const r = await fetch(`http://127.0.0.1:${PORT}/models/iris/predict`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }),
    });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { prediction: { label: string } }).prediction.label, 'setosa');
  });

  it('answers every probe the manifests use', async () => {
    for (const path of ['/readyz', '/healthz', '/v2/health/ready', '/metrics']) {
      assert.equal((await fetch(`http://127.0.0.1:${PORT}${path}`)).status, 200, path);
    }
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const instances = Array.from({ length: 50_000 }, (_, i) => ({
      amount: i % 500, hour: i % 24, distance_from_home_km: 3, minutes_since_last: 60, transactions_last_24h: 2,
      card_present: 1, foreign: 0, merchant_risk: 0.1,
    }));
    const inFlight = fetch(`http://127.0.0.1:${PORT}/models/fraud/predict`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }),
    });
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { predictions: unknown[] }).predictions.length, 50_000);
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
  });
});

describe('manifests', () => {
  it('Kubernetes: probes, ports and arguments agree with the server', () => {
    const docs = manifests('deploy/kubernetes/modelport.yaml');
    const deployment = docs.find((d) => d.kind === 'Deployment')!;
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.ports[0].containerPort, Number(container.args[container.args.indexOf('--port') + 1]));
    assert.equal(container.args[container.args.indexOf('--host') + 1], '0.0.0.0');
    // Every MODELPORT_* variable the manifest sets is one `modelport serve` reads.
    const known = new Set(SETTINGS.map(envName));
    const set = (container.env as { name: string }[]).map((e) => e.name);
    assert.ok(set.length > 0);
    for (const name of set) assert.ok(known.has(name), `${name} is not a setting`);
    const service = docs.find((d) => d.kind === 'Service')!;
    assert.equal(service.spec.ports[0].targetPort, container.ports[0].name);
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    assert.ok(docs.some((d) => d.kind === 'HorizontalPodAutoscaler'));
  });

  it('KServe: a V2 serving runtime that names the model after the InferenceService', () => {
    const docs = manifests('deploy/kserve/servingruntime.yaml');
    const runtime = docs.find((d) => d.kind === 'ClusterServingRuntime')!;
    assert.deepEqual(runtime.spec.protocolVersions, ['v2']);
    const args: string[] = runtime.spec.containers[0].args;
    assert.equal(args[0], '/mnt/models');
    assert.ok(args.includes('--model-name={{.Name}}'));
    assert.equal(runtime.spec.containers[0].readinessProbe.httpGet.path, '/v2/health/ready');
    const isvc = docs.find((d) => d.kind === 'InferenceService')!;
    assert.equal(isvc.spec.predictor.model.runtime, runtime.metadata.name);
  });
});
