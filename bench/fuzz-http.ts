// `npm run fuzz:http`: requests mutated from valid ones (bench/fuzz/requests.ts) against `modelport serve` on the
// example models (2 workers), over raw sockets so that malformed HTTP reaches the server as written. Passes with
// 0 crashes (no worker restarted), 0 5xx, 0 hangs, and the examples still answered as examples/expected/*.json
// says afterwards. FUZZ_REQUESTS (default 100,000), FUZZ_SEED (default 1), FUZZ_CONCURRENCY (default 16).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { exampleBases, fuzzRequest, type FuzzRequest } from './fuzz/requests.js';
import { RawConnection, type Outcome } from './fuzz/raw-http.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface FuzzOptions {
  host: string;
  port: number;
  requests: number;
  seed: number;
  concurrency: number;
  /** A request with neither an answer nor a closed connection after this long is a hang. */
  timeoutMs: number;
}

export interface FuzzFailure {
  index: number;
  category: string;
  description: string;
  outcome: string;
}

export interface FuzzReport {
  requests: number;
  seconds: number;
  /** Outcomes by status code, 'closed' or 'hang'. */
  byOutcome: Record<string, number>;
  byCategory: Record<string, Record<string, number>>;
  /** 503 with Retry-After and 504: deliberate refusals, not failures. */
  refusals: number;
  failures: FuzzFailure[];
  failureCount: number;
  /** The slowest requests to be answered or closed. */
  slowest: { index: number; description: string; ms: number; outcome: string }[];
}

function outcomeKey(o: Outcome): string {
  return o.kind === 'answered' ? String(o.response.status) : o.kind;
}

/** Null when the outcome is what the request may get, else why not. */
function judge(request: FuzzRequest, o: Outcome): string | null {
  if (o.kind === 'hang') return 'no answer and the connection still open';
  if (o.kind === 'closed') return request.expect === 'answer-or-close' ? null : `connection closed without an answer${o.error ? ` (${o.error})` : ''}`;
  const { status, headers } = o.response;
  if (status === 503 && headers['retry-after'] !== undefined) return null;
  if (status === 504) return null;
  if (status >= 500) return `${status}: ${o.response.body.toString('utf8').slice(0, 200)}`;
  if (request.expect === 'valid' && (status < 200 || status > 299)) return `${status} for a valid request: ${o.response.body.toString('utf8').slice(0, 200)}`;
  return null;
}

export async function runFuzz(options: FuzzOptions, progress?: (done: number) => void): Promise<FuzzReport> {
  const bases = exampleBases(ROOT);
  const report: FuzzReport = { requests: 0, seconds: 0, byOutcome: {}, byCategory: {}, refusals: 0, failures: [], failureCount: 0, slowest: [] };
  const started = Date.now();
  let next = 0;
  const lane = async () => {
    const shared = new RawConnection(options.host, options.port);
    for (let index = next++; index < options.requests; index = next++) {
      const request = fuzzRequest(bases, options.seed, index);
      const connection = request.fresh ? new RawConnection(options.host, options.port) : shared;
      let outcome: Outcome;
      const sent = performance.now();
      try {
        outcome = await connection.send(request.raw, options.timeoutMs);
      } catch (err) {
        outcome = { kind: 'closed', error: (err as Error).message };
      }
      if (request.fresh) connection.close();
      const key = outcomeKey(outcome);
      const ms = performance.now() - sent;
      if (report.slowest.length < 5 || ms > report.slowest[4].ms) {
        report.slowest.push({ index, description: `[${request.category}] ${request.description.slice(0, 100)}`, ms, outcome: key });
        report.slowest.sort((a, b) => b.ms - a.ms).splice(5);
      }
      report.byOutcome[key] = (report.byOutcome[key] ?? 0) + 1;
      const cat = (report.byCategory[request.category] ??= {});
      cat[key] = (cat[key] ?? 0) + 1;
      if (outcome.kind === 'answered' && (outcome.response.status === 503 || outcome.response.status === 504)) report.refusals++;
      const why = judge(request, outcome);
      if (why) {
        report.failureCount++;
        if (report.failures.length < 20) report.failures.push({ index, category: request.category, description: request.description.slice(0, 160), outcome: why });
      }
      report.requests++;
      if (progress && report.requests % 10_000 === 0) progress(report.requests);
    }
    shared.close();
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** Asks every example as examples.test.ts does; returns the mismatches (none when the server is sound). */
export async function checkExamples(base: string): Promise<string[]> {
  const expected = (name: string) => JSON.parse(readFileSync(join(ROOT, 'examples', 'expected', `${name}.json`), 'utf8'));
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() as any };
  };
  const wrong: string[] = [];
  const check = (what: string, ok: boolean) => { if (!ok) wrong.push(what); };
  const iris = expected('iris');
  const irisRows = await post('/models/iris/predict', iris.rows);
  check('iris labels', irisRows.status === 200 && JSON.stringify(irisRows.body.predictions.map((p: { label: string }) => p.label)) === JSON.stringify(iris.predict));
  check('iris probabilities', irisRows.status === 200 && JSON.stringify(irisRows.body.predictions.map((p: { probabilities: object }) => Object.values(p.probabilities))) === JSON.stringify(iris.predict_proba));
  const diabetes = expected('diabetes');
  for (const [i, row] of diabetes.rows.entries()) {
    const r = await post('/models/diabetes/predict', { data: row.join(',') });
    check(`diabetes row ${i}`, r.status === 200 && r.body.prediction.probabilities.diabetes === diabetes.predict_proba[i][1]);
  }
  const fraud = expected('fraud');
  const instances = fraud.rows.map((row: number[]) => Object.fromEntries(fraud.features.map((f: string, j: number) => [f, row[j]])));
  const f = await post('/models/fraud/predict', { instances });
  check('fraud probabilities', f.status === 200 && JSON.stringify(f.body.predictions.map((p: { probabilities: { fraud: number } }) => p.probabilities.fraud)) === JSON.stringify(fraud.predict_proba.map((p: number[]) => p[1])));
  const sentiment = expected('sentiment');
  for (const [i, query] of sentiment.queries.entries()) {
    const r = await fetch(`${base}/models/sentiment/predict?query=${encodeURIComponent(query)}`);
    const body = await r.json() as any;
    const p = body.prediction?.probabilities;
    check(`sentiment ${i}`, r.status === 200 && body.prediction.label === (sentiment.predict[i] === 1 ? 'Positive' : 'Negative')
      && Math.abs(p.Negative - sentiment.predict_proba[i][0]) <= 1e-12 && Math.abs(p.Positive - sentiment.predict_proba[i][1]) <= 1e-12);
  }
  return wrong;
}

/** The counter the cluster primary keeps of workers it restarted. */
export async function workerRestarts(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^modelport_worker_restarts_total\s+(\d+)/m.exec(text)?.[1] ?? NaN);
}

export function formatReport(report: FuzzReport): string {
  const sorted = (o: Record<string, number>) => Object.entries(o).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ');
  const lines = [
    `${report.requests} requests in ${report.seconds.toFixed(1)} s (${Math.round(report.requests / report.seconds)}/s)`,
    `outcomes: ${sorted(report.byOutcome)}`,
    ...Object.entries(report.byCategory).map(([c, o]) => `  ${c}: ${sorted(o)}`),
    `deliberate 503/504: ${report.refusals}`,
    `slowest: ${report.slowest.map((s) => `#${s.index} ${s.description} → ${s.outcome} in ${Math.round(s.ms)} ms`).join('\n         ')}`,
    `failures: ${report.failureCount}`,
    ...report.failures.map((f) => `  #${f.index} [${f.category}] ${f.description} → ${f.outcome}`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const port = Number(process.env.FUZZ_PORT ?? 18_190);
  const options: FuzzOptions = {
    host: '127.0.0.1',
    port,
    requests: Number(process.env.FUZZ_REQUESTS ?? 100_000),
    seed: Number(process.env.FUZZ_SEED ?? 1),
    concurrency: Number(process.env.FUZZ_CONCURRENCY ?? 16),
    // A mutation may turn a body into a valid 100,000-row batch: seconds of work on a busy machine, not a hang.
    timeoutMs: 30_000,
  };
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'examples', 'models'),
    '--config', join(ROOT, 'examples', 'modelport.yaml'), '--port', String(port), '--workers', '2', '--log-level', 'error', '--log-format', 'json'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const errors: string[] = [];
  server.stdout?.setEncoding('utf8').on('data', (text: string) => errors.push(...text.split('\n').filter(Boolean)));
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/readyz`)).status === 200) break;
      } catch { /* starting */ }
      if (i > 300) throw new Error('the server did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`fuzzing ${base} with ${options.requests} requests, seed ${options.seed}, ${options.concurrency} connections`);
    const report = await runFuzz(options, (n) => console.error(`  ${n}`));
    const wrong = await checkExamples(base);
    const restarts = await workerRestarts(base);
    console.log(formatReport(report));
    console.log(`worker restarts (crashes): ${restarts}`);
    console.log(`error log lines: ${errors.length}${errors.length ? `\n  ${errors.slice(0, 5).join('\n  ')}` : ''}`);
    console.log(`examples afterwards: ${wrong.length ? `WRONG: ${wrong.join(', ')}` : 'all as expected'}`);
    if (report.failureCount || wrong.length || restarts !== 0 || errors.length) process.exitCode = 1;
  } finally {
    server.kill('SIGTERM');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
