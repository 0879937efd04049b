// `npm run bench:models`: many small models in one server. Writes a repository of MODELS models (default 1,000:
// trees, forests, linear models and a text pipeline, copied from the scikit-learn test fixtures, no Python needed)
// under bench/.data, then serves it with 2 workers eagerly, lazily, and lazily under a budget, and measures time
// to ready, process-tree RSS, first-request latency over the models and req/s spread over all of them (wrk on
// 127.0.0.1, rotating model names at random). REPEAT runs of each (default 2) give ranges. Prints a Markdown
// report and writes it to bench/results/many-models-run.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { treeMemoryMb } from './process-tree.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, 'bench', '.data');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'sklearn');
const MODELS = Number(process.env.MODELS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REPEAT = Number(process.env.REPEAT ?? 2);
/** Loaded versions per worker in the budgeted run. */
const BUDGET = Number(process.env.BUDGET ?? 200);
const CONNECTIONS = 32;
const PORT = 8191;

/** The artifacts copied into the repository, in turn: small trees, forests, linear models, a text pipeline. */
const TEMPLATES = [
  'decision_tree_classifier', 'decision_tree_regressor', 'random_forest_classifier', 'random_forest_regressor',
  'pipeline_minmax_forest', 'logistic_regression_binary', 'logistic_regression_multinomial', 'linear_regression',
  'ridge', 'pipeline_scaler_logistic', 'pipeline_tfidf_multinomial_nb',
];

interface Model { name: string; body: string }

/** One request body per template: the fixture's first row, as a top-level array of plain rows. */
function bodyOf(template: string): string {
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${template}.expected.json`), 'utf8')) as { X: unknown[] };
  const row = expected.X[0];
  return JSON.stringify([Array.isArray(row) ? row : [row]]);
}

function writeRepository(dir: string, count: number): Model[] {
  rmSync(dir, { recursive: true, force: true });
  const bodies = new Map(TEMPLATES.map((t) => [t, bodyOf(t)]));
  const models: Model[] = [];
  for (let i = 0; i < count; i++) {
    const template = TEMPLATES[i % TEMPLATES.length];
    const name = `m${String(i).padStart(4, '0')}-${template}`;
    mkdirSync(join(dir, name, '1'), { recursive: true });
    copyFileSync(join(FIXTURES, `${template}.pkl`), join(dir, name, '1', 'model.pkl'));
    models.push({ name, body: bodies.get(template) as string });
  }
  return models;
}

// ---------- the server ----------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server { proc: ChildProcess; readyMs: number }

/** Starts `modelport serve` with 2 workers; ready when the primary logs that both workers listen. */
async function startServer(repo: string, flags: string[]): Promise<Server> {
  const cli = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const args = [cli, 'serve', repo, '--workers', '2', '--port', String(PORT), '--log-format', 'json', '--no-access-log', ...flags];
  const started = performance.now();
  const proc = spawn(process.execPath, args, { cwd: DATA, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stopServer(proc); reject(new Error(`not ready after 120 s:\n${log.slice(-2000)}`)); }, 120_000);
    proc.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
    proc.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
      if (/"msg":"ready: 2 workers/.test(log)) {
        clearTimeout(timer);
        log = '';
        resolve({ proc, readyMs: performance.now() - started });
      }
    });
    proc.on('exit', (code) => reject(new Error(`exited with ${code}:\n${log.slice(-2000)}`)));
  });
}

function stopServer(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    try { process.kill(-(proc.pid as number), 'SIGTERM'); } catch { resolve(); }
  });
}

/** One request on a new connection (so the cluster spreads them over the workers): status and latency (ms). */
function post(path: string, body: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  return Number(new RegExp(`^${name} ([\\d.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

// ---------- load over all models ----------

function rotationScript(models: Model[], file: string): string {
  const list = (items: string[]) => items.map((s) => `[==[${s}]==]`).join(',\n');
  writeFileSync(file, `local paths = {${list(models.map((m) => `/models/${m.name}/predict`))}}
local bodies = {${list(models.map((m) => m.body))}}
local headers = {["Content-Type"] = "application/json"}
local threads = 0
function setup(thread) thread:set("seed", 7919 * (threads + 1)); threads = threads + 1 end
function init(args) math.randomseed(seed) end
function request() local k = math.random(#paths); return wrk.format("POST", paths[k], headers, bodies[k]) end
`);
  return file;
}

interface Load { rps: number; p50: number; p99: number; failed: number }

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

function wrk(script: string): Load {
  const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '--timeout', '30s', '-s', script, `http://127.0.0.1:${PORT}`],
    { encoding: 'utf8', timeout: (SECONDS + 60) * 1000 });
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: ms(/^\s*50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99: ms(/^\s*99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    failed: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

// ---------- one run ----------

interface Run {
  readyMs: number;
  rssReady: number;
  rssTouched: number;
  estimatedMb: number;
  /** Versions loaded over both workers after two requests to each model. */
  loaded: number;
  firstP50: number;
  firstP99: number;
  touchFailures: number;
  load: Load;
  /** The same load on one model only, for comparison. */
  single: Load;
  evictions: number;
}

async function run(repo: string, models: Model[], flags: string[], script: string, singleScript: string): Promise<Run> {
  const server = await startServer(repo, flags);
  try {
    await sleep(500);
    const rssReady = treeMemoryMb(server.proc.pid as number);
    // One request to each model, in turn, each on a new connection: the cluster hands connections to the workers in
    // turn, so one request in between sends the second pass to the other worker and every model is loaded in both.
    const first: number[] = [];
    let touchFailures = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (const m of models) {
        const r = await post(`/models/${m.name}/predict`, m.body);
        if (pass === 0) first.push(r.ms);
        if (r.status !== 200) touchFailures++;
      }
      await post('/healthz', '');
    }
    await sleep(500);
    const rssTouched = treeMemoryMb(server.proc.pid as number);
    const estimatedMb = (await metric('modelport_models_estimated_bytes')) / 2 ** 20;
    const loaded = await metric('modelport_models_loaded');
    const load = wrk(script);
    const single = wrk(singleScript);
    const evictions = await metric('modelport_model_evictions_total');
    return { readyMs: server.readyMs, rssReady, rssTouched, estimatedMb, loaded, single, firstP50: percentile(first, 50), firstP99: percentile(first, 99), touchFailures, load, evictions };
  } finally {
    await stopServer(server.proc);
    await sleep(300);
  }
}

// ---------- report ----------

const range = (values: number[], digits = 0) => {
  const f = (v: number) => v.toFixed(digits);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return f(lo) === f(hi) ? f(lo) : `${f(lo)}–${f(hi)}`;
};

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('build first: npx tsc -p tsconfig.json');
  mkdirSync(DATA, { recursive: true });
  const repo = join(DATA, 'many-models');
  const models = writeRepository(repo, MODELS);
  const baselineRepo = join(DATA, 'many-models-one');
  writeRepository(baselineRepo, 1);
  const script = rotationScript(models, join(DATA, 'many-models.lua'));
  const singleScript = rotationScript(models.slice(0, 1), join(DATA, 'one-model.lua'));
  const modes: [string, string[]][] = [
    ['eager (default)', []],
    ['lazy', ['--load', 'lazy']],
    [`lazy, --max-models ${BUDGET}`, ['--load', 'lazy', '--max-models', String(BUDGET)]],
  ];
  const baseline: number[] = [];
  const baselineReady: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const s = await startServer(baselineRepo, ['--load', 'lazy']);
    baselineReady.push(s.readyMs / 1000);
    await sleep(500);
    baseline.push(treeMemoryMb(s.proc.pid as number));
    await stopServer(s.proc);
  }
  const base = Math.min(...baseline);
  const lines = [
    `# ${MODELS} models in one server, 2 workers`, '',
    `${new Date().toISOString().slice(0, 16)} UTC, ${REPEAT} runs of each mode (ranges are min–max), wrk -t2 -c${CONNECTIONS} -d${SECONDS}s rotating`,
    `at random over all ${MODELS} models. A server of 1 model not yet requested: ready in ${range(baselineReady, 2)} s, process-tree RSS ${range(baseline)} MB.`,
    `Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(', ')} (2 cores shared with other work).`, '',
    '| Mode | Ready (s) | RSS at ready (MB) | MB/model at ready: (RSS − 1-model server) / N | RSS all touched (MB) | Versions loaded (both workers) | MB per loaded version | Budget estimate (MB) | First request p50 / p99 (ms) | req/s over all models | p50 / p99 (ms) | req/s on one model | Failed | Unloads |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [label, flags] of modes) {
    const runs: Run[] = [];
    for (let i = 0; i < REPEAT; i++) {
      runs.push(await run(repo, models, flags, script, singleScript));
      console.error(`${label}: ${JSON.stringify(runs[runs.length - 1])}`);
    }
    // Eager: every model is loaded in both workers at ready. Lazy: what the requests loaded (with a budget, memory
    // freed by the unloads may stay with the process, so this overstates).
    const eager = flags.length === 0;
    const perLoaded = (r: Run) => (eager ? (r.rssReady - base) / (2 * (MODELS - 1)) : (r.rssTouched - r.rssReady) / r.loaded);
    lines.push(`| ${label} | ${range(runs.map((r) => r.readyMs / 1000), 2)} | ${range(runs.map((r) => r.rssReady))} | ` +
      `${range(runs.map((r) => (r.rssReady - base) / (MODELS - 1)), 3)} | ${range(runs.map((r) => r.rssTouched))} | ` +
      `${range(runs.map((r) => r.loaded))} | ${range(runs.map(perLoaded), 2)} | ` +
      `${range(runs.map((r) => r.estimatedMb))} | ${range(runs.map((r) => r.firstP50), 1)} / ${range(runs.map((r) => r.firstP99), 1)} | ` +
      `${range(runs.map((r) => r.load.rps))} | ${range(runs.map((r) => r.load.p50), 1)} / ${range(runs.map((r) => r.load.p99), 1)} | ` +
      `${range(runs.map((r) => r.single.rps))} | ` +
      `${range(runs.map((r) => r.load.failed + r.touchFailures))} | ${range(runs.map((r) => r.evictions))} |`);
  }
  const report = lines.join('\n') + '\n';
  console.log(report);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'many-models-run.md'), report);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
