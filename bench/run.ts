// `npm run bench`: Modelport and the servers a user would otherwise pick, serving the same example models on
// 127.0.0.1, loaded by wrk from a separate process, in one bounded run. Prints a Markdown report with ratios to
// Modelport and writes it to bench/results/. BENCH_SECONDS sets each load's duration (default 5).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeMemoryMb } from './process-tree.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WORKERS = 2;
const PYTHON = '/usr/bin/python3';
const PEERS = join(ROOT, 'bench', 'peers');
const CONNECTIONS = [1, 16, 64];

interface Load { rps: number; p50: number; p99: number; errors: number }
interface Row { scenario: string; server: string; connections: number; rps: number; rowsPerS: number; p50: number; p99: number; rssMb: number | null }

const rows: Row[] = [];
const notes: string[] = [];

// ---------- processes ----------

function sleep(ms: number) { return new Promise((r) => setTimeout(r, ms)); }

async function waitFor(url: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return Date.now() - start;
    } catch { /* not up yet */ }
    await sleep(20);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

interface Server { name: string; proc: ChildProcess; port: number; startupMs: number }

async function start(name: string, cmd: string, args: string[], port: number, ready: string, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  // Output goes to a file: a pipe nobody drains while wrk runs (execFileSync) would fill and stall the server.
  const log = join(tmpdir(), `modelport-bench-${name}.log`);
  const fd = openSync(log, 'w');
  const proc = spawn(cmd, args, { cwd: PEERS, env: { ...process.env, OMP_NUM_THREADS: '1', ...env }, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  try {
    const startupMs = await waitFor(`http://127.0.0.1:${port}${ready}`, 30_000);
    return { name, proc, port, startupMs };
  } catch (err) {
    stop({ name, proc, port, startupMs: 0 });
    throw new Error(`${name} did not start: ${(err as Error).message}\n${readFileSync(log, 'utf8').slice(-2000)}`);
  }
}

function stop(s: Server): void {
  try { process.kill(-(s.proc.pid as number), 'SIGTERM'); } catch { /* gone */ }
}

/** Resident memory of one process now, MB. */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Memory each example model adds to a worker: one worker serving only it, less one serving nothing. */
async function memoryPerModel(node: string, cli: string): Promise<string> {
  const measure = async (models: string[]) => {
    const repo = mkdtempSync(join(tmpdir(), 'modelport-bench-repo-'));
    for (const m of models) symlinkSync(join(ROOT, 'examples', 'models', m), join(repo, m));
    const server = await start('modelport-rss', node, [cli, 'serve', repo, '--port', '8186', '--workers', '1', '--log-level', 'warn'], 8186, '/readyz');
    await sleep(300);
    const mb = rss(server.proc.pid as number);
    stop(server);
    await sleep(300);
    return mb;
  };
  const empty = await measure([]);
  const parts = [`empty worker ${empty} MB`];
  for (const m of ['iris', 'diabetes', 'fraud', 'sentiment']) {
    const delta = (await measure([m])) - empty;
    parts.push(`${m} ${delta >= 0 ? '+' : ''}${delta} MB`);
  }
  return `Resident memory of one worker: ${parts.join(', ')}`;
}

/** Peak resident memory of a process tree (VmHWM summed over the process and its descendants), MB. */
function peakRss(pid: number): number {
  return Math.round(treeMemoryMb(pid, 'VmHWM'));
}

// ---------- load ----------

function luaFor(body: string): string {
  const file = join(tmpdir(), `modelport-bench-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${body}]==]\n`);
  return file;
}

function parseDuration(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(url: string, script: string, connections: number, seconds = SECONDS): Load {
  const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = parseDuration(/^\s*50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = parseDuration(/^\s*99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50, p99, errors };
}

// ---------- requests ----------

const EXPECTED = (name: string) => JSON.parse(readFileSync(join(ROOT, 'examples', 'expected', `${name}.json`), 'utf8'));

function record(name: string, i = 0): Record<string, number> {
  const e = EXPECTED(name);
  return Object.fromEntries(e.features.map((f: string, j: number) => [f, e.rows[i][j]]));
}

/** n rows of the fraud sample's features, repeated, and their names. */
function fraudRows(n: number): { header: string[]; rows: number[][] } {
  const lines = readFileSync(join(ROOT, 'examples', 'data', 'transactions-sample.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',').filter((h) => h !== 'fraud');
  const data = lines.slice(1).map((l) => l.split(',').slice(0, header.length).map(Number));
  return { header, rows: Array.from({ length: n }, (_, i) => data[i % data.length]) };
}

function fraudBatch(n: number): string {
  const { header, rows: data } = fraudRows(n);
  return JSON.stringify({ instances: data.map((row) => Object.fromEntries(header.map((h, j) => [h, row[j]]))) });
}

/**
 * A wrk script posting n fraud rows as the Open Inference Protocol's binary tensors (a JSON header, then FP64 rows)
 * and asking for binary outputs; the body is read from a file, as a Lua string literal cannot hold any byte.
 */
function binaryBatchLua(n: number): string {
  const flat = Float64Array.from(fraudRows(n).rows.flat());
  const head = Buffer.from(JSON.stringify({ parameters: { binary_data_output: true },
    inputs: [{ name: 'input', shape: [n, flat.length / n], datatype: 'FP64', parameters: { binary_data_size: flat.byteLength } }] }));
  const body = join(tmpdir(), `modelport-bench-${n}.bin`);
  writeFileSync(body, Buffer.concat([head, Buffer.from(flat.buffer)]));
  const file = join(tmpdir(), `modelport-bench-binary-${n}.lua`);
  writeFileSync(file, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/octet-stream"\n`
    + `wrk.headers["Inference-Header-Content-Length"] = "${head.length}"\nlocal f = io.open("${body}", "rb")\nwrk.body = f:read("*a")\nf:close()\n`);
  return file;
}

// ---------- report ----------

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

function table(): string {
  const lines = ['| scenario | server | conns | req/s | rows/s | p50 ms | p99 ms | peak RSS MB | Modelport ÷ server |', '|---|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const ours = (x: Row) => x.scenario === r.scenario && x.server.startsWith('Modelport');
    // An in-process baseline has no connections: it is compared with Modelport's run of the same scenario.
    const mine = rows.find((x) => ours(x) && x.connections === r.connections) ?? (r.server.includes('in-process') ? rows.find(ours) : undefined);
    const ratio = mine && r.rowsPerS > 0 ? mine.rowsPerS / r.rowsPerS : NaN;
    lines.push(`| ${r.scenario} | ${r.server} | ${r.connections} | ${fmt(r.rps)} | ${fmt(r.rowsPerS)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.rssMb ?? '–'} | ${r.server.startsWith('Modelport') ? '1.00' : fmt(ratio, 2)} |`);
  }
  return lines.join('\n');
}

// ---------- scenarios ----------

function havePython(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import flask, fastapi, uvicorn, gunicorn, sklearn, xgboost, ujson'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/wrk')) throw new Error('wrk is missing: apt-get install -y wrk');
  const python = havePython();
  if (!python) notes.push('Python peers skipped: apt-get install -y python3-sklearn python3-xgboost python3-pandas python3-flask python3-fastapi python3-ujson uvicorn gunicorn');
  const node = process.execPath;
  const cli = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const singles: [string, string][] = [['iris', JSON.stringify(record('iris'))], ['diabetes', JSON.stringify(record('diabetes'))], ['fraud', JSON.stringify(record('fraud'))]];

  const servers: [string, () => Promise<Server>][] = [
    [`Modelport (${WORKERS} workers)`, () => start('modelport', node, [cli, 'serve', join(ROOT, 'examples', 'models'), '--port', '8181', '--workers', String(WORKERS), '--log-level', 'warn'], 8181, '/readyz')],
  ];
  if (python) {
    servers.push(
      // As the seed tutorials write it: pandas per request.
      ['Flask dev server (seed)', () => start('flask', PYTHON, ['flask_app.py', '8182'], 8182, '/models/iris/predict?x=1')],
      [`Flask + gunicorn, pandas (${WORKERS} sync workers)`, () => start('gunicorn', PYTHON, ['-m', 'gunicorn', '-w', String(WORKERS), '-b', '127.0.0.1:8183', 'flask_app:app'], 8183, '/models/iris/predict?x=1')],
      [`FastAPI + gunicorn, pandas (${WORKERS} uvicorn workers)`, () => start('fastapi', PYTHON, ['-m', 'gunicorn', '-w', String(WORKERS), '-k', 'uvicorn.workers.UvicornWorker', '-b', '127.0.0.1:8184', 'fastapi_app:app'], 8184, '/docs')],
      // As a Python expert tunes it: NumPy, ujson, no framework on the request path (peers/numpy_app.py).
      [`WSGI + gunicorn, NumPy + ujson (${WORKERS} sync workers)`, () => start('numpy-gunicorn', PYTHON, ['-m', 'gunicorn', '-w', String(WORKERS), '-b', '127.0.0.1:8187', 'numpy_app:wsgi'], 8187, '/models/iris/predict')],
      [`FastAPI + gunicorn, NumPy + ujson (${WORKERS} uvicorn workers)`, () => start('numpy-fastapi', PYTHON, ['-m', 'gunicorn', '-w', String(WORKERS), '-k', 'uvicorn.workers.UvicornWorker', '-b', '127.0.0.1:8188', 'numpy_app:app'], 8188, '/docs')],
    );
  }

  for (const [label, launch] of servers) {
    let server: Server;
    try {
      server = await launch();
    } catch (err) {
      notes.push(`${label}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    for (const [model, body] of singles) {
      const script = luaFor(body);
      for (const c of CONNECTIONS) {
        const load = wrk(`http://127.0.0.1:${server.port}/models/${model}/predict`, script, c);
        if (load.errors) notes.push(`${label}, ${model}, ${c} connections: ${load.errors} errors`);
        rows.push({ scenario: `${model}, 1 row`, server: label, connections: c, rps: load.rps, rowsPerS: load.rps, p50: load.p50, p99: load.p99, rssMb: peakRss(server.proc.pid as number) });
      }
    }
    const batch = luaFor(fraudBatch(10_000));
    const load = wrk(`http://127.0.0.1:${server.port}/models/fraud/predict`, batch, 2);
    if (load.errors) notes.push(`${label}, 10k batch: ${load.errors} errors`);
    rows.push({ scenario: 'fraud, 10,000-row batch', server: label, connections: 2, rps: load.rps, rowsPerS: load.rps * 10_000, p50: load.p50, p99: load.p99, rssMb: peakRss(server.proc.pid as number) });
    if (label.startsWith('Modelport') || label.includes('NumPy')) {
      const binary = wrk(`http://127.0.0.1:${server.port}/v2/models/fraud/infer`, binaryBatchLua(10_000), 2);
      if (binary.errors) notes.push(`${label}, 10k binary batch: ${binary.errors} errors`);
      rows.push({ scenario: 'fraud, 10,000-row batch, V2 binary tensors', server: label, connections: 2, rps: binary.rps, rowsPerS: binary.rps * 10_000, p50: binary.p50, p99: binary.p99, rssMb: peakRss(server.proc.pid as number) });
    }
    if (label.startsWith('Modelport')) {
      notes.push(`Modelport start-up to ready (${WORKERS} workers, 4 example models): ${server.startupMs} ms`);
      // A 100,000-row batch in a loop on one connection while single rows arrive on 16 others.
      const big = luaFor(fraudBatch(100_000));
      const background = spawn('wrk', ['-t1', '-c1', `-d${SECONDS + 2}s`, '-s', big, `http://127.0.0.1:${server.port}/models/fraud/predict`], { stdio: 'ignore' });
      await sleep(1000);
      const small = wrk(`http://127.0.0.1:${server.port}/models/iris/predict`, luaFor(JSON.stringify(record('iris'))), 16);
      background.kill();
      rows.push({ scenario: 'iris, 1 row, beside 100,000-row batches', server: label, connections: 16, rps: small.rps, rowsPerS: small.rps, p50: small.p50, p99: small.p99, rssMb: peakRss(server.proc.pid as number) });
    }
    stop(server);
    await sleep(500);
  }

  notes.push(await memoryPerModel(node, cli));

  // Ceilings: node:http constant JSON with as many processes, and onnxruntime in-process.
  const ceiling = await start('node:http', node, [join(ROOT, 'dist', 'bench', 'ceiling-http.js'), '8185', String(WORKERS)], 8185, '/');
  const script = luaFor(JSON.stringify(record('iris')));
  for (const c of CONNECTIONS) {
    const load = wrk('http://127.0.0.1:8185/models/iris/predict', script, c);
    rows.push({ scenario: 'iris, 1 row', server: `ceiling: node:http constant JSON (${WORKERS} processes)`, connections: c, rps: load.rps, rowsPerS: load.rps, p50: load.p50, p99: load.p99, rssMb: peakRss(ceiling.proc.pid as number) });
  }
  stop(ceiling);
  for (const [model, file, width] of [['iris', 'iris/1/iris.model', 4], ['diabetes', 'diabetes/1/diabetes-model.pkl', 8], ['fraud', 'fraud/1/fraud.joblib', 8]] as const) {
    const out = JSON.parse(execFileSync(node, [join(ROOT, 'dist', 'bench', 'ceiling-runtime.js'), join(ROOT, 'examples', 'models', file), String(width), '3'], { encoding: 'utf8' }));
    rows.push({ scenario: `${model}, 1 row`, server: 'ceiling: onnxruntime in-process, 1 thread, no HTTP', connections: 1, rps: out.runs_per_s, rowsPerS: out.runs_per_s, p50: out.p50_ms, p99: out.p99_ms, rssMb: null });
  }
  if (python) {
    const out = JSON.parse(execFileSync(PYTHON, [join(PEERS, 'sklearn_batch.py'), '10000'], { cwd: PEERS, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } }));
    rows.push({ scenario: 'fraud, 10,000-row batch', server: 'scikit-learn predict_proba in-process (no HTTP)', connections: 1, rps: out.rows_per_s / 10_000, rowsPerS: out.rows_per_s, p50: NaN, p99: NaN, rssMb: null });
    rows.push({ scenario: 'fraud, 10,000-row batch, V2 binary tensors', server: 'scikit-learn predict_proba in-process (no HTTP)', connections: 1, rps: out.rows_per_s / 10_000, rowsPerS: out.rows_per_s, p50: NaN, p99: NaN, rssMb: null });
  }

  rows.sort((a, b) => a.scenario.localeCompare(b.scenario) || a.connections - b.connections);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const report = [
    `# Modelport benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${cpus().length} cores (${cpu}), Node ${process.version}. Load: wrk, 1 thread, ${SECONDS} s per row of the table, on 127.0.0.1, sharing the machine with the server. Command: \`npm run bench\`.`,
    '',
    table(),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), report);
  writeFileSync(join(dir, `${new Date().toISOString().slice(0, 10)}.md`), report);
  console.log(report);
  for (const f of readdirSync(tmpdir()).filter((f) => f.startsWith('modelport-bench-'))) {
    try { execFileSync('rm', ['-rf', join(tmpdir(), f)]); } catch { /* ignore */ }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
