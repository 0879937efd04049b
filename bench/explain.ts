// Explaining one row of examples/models/fraud (a RandomForestClassifier): in process (TreeSHAP alone) and over HTTP
// and in the server (POST /models/fraud/explain injected, then over a local socket, one request at a time).
// Prints medians and 99th percentiles.
// Run: npx tsc -p tsconfig.json && node dist/bench/explain.js [iterations]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isExplainer } from '../src/explain/index.js';
import { importArtifacts } from '../src/import/artifact.js';
import { ModelRepository } from '../src/repository/repository.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { createApp } from '../src/server/app.js';
import { makeTensor } from '../src/tensor.js';

const MODELS = fileURLToPath(new URL('../../examples/models/', import.meta.url));
const ROW = { amount: 950, hour: 3, distance_from_home_km: 420, minutes_since_last: 2, transactions_last_24h: 9, card_present: 0, foreign: 1, merchant_risk: 0.7 };
const iterations = Number(process.argv[2] ?? 2000);

function summary(label: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(3);
  console.log(`${label}: median ${at(0.5)} ms, p99 ${at(0.99)} ms (${ms.length} runs)`);
}

async function inProcess(): Promise<void> {
  const bytes = readFileSync(`${MODELS}fraud/1/fraud.joblib`);
  const model = await importArtifacts([{ name: 'fraud.joblib', bytes }], DEFAULT_TUNING);
  const explainer = model.explainer;
  if (!isExplainer(explainer)) throw new Error('the fraud model has no explainer');
  const feeds = { input: makeTensor('float64', Float64Array.from(Object.values(ROW)), [1, Object.keys(ROW).length]) };
  for (let i = 0; i < 200; i++) explainer.explain(feeds, 1);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    explainer.explain(feeds, 1);
    times.push(performance.now() - t);
  }
  summary('in process, TreeSHAP of one row', times);
  await model.runner.dispose();
}

async function overHttp(): Promise<void> {
  const repository = await ModelRepository.open(MODELS);
  const server = await createApp(repository, {});
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}/models/fraud/explain`;
  const body = JSON.stringify(ROW);
  const call = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  const inject = async () => {
    const res = await server.app.inject({ method: 'POST', url: '/models/fraud/explain', headers: { 'content-type': 'application/json' }, payload: body });
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body}`);
  };
  for (const [label, run] of [['in the server (request injected: routing, JSON, explain, answer)', inject], ['over HTTP, POST /models/fraud/explain (one row, client round trip)', call]] as const) {
    for (let i = 0; i < 200; i++) await run();
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    summary(label, times);
  }
  await server.close();
}

await inProcess();
await overHttp();
