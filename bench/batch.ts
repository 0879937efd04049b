// `npm run bench:batch`: scoring a large file end to end (parse + score + write) with the fraud example, through
// `modelport predict` (CSV and Parquet), through the HTTP streaming route (a server with 2 workers), and through
// the pandas + scikit-learn pipeline (bench/peers/pandas_batch.py on /usr/bin/python3), at 100k and 1M rows to
// show whether peak memory depends on the row count. Writes bench/results/batch.md.
// BATCH_ROWS=100000,1000000 chooses the sizes; data is generated once under bench/.data (gitignored).
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeCpuSeconds, treeMemoryMb } from './process-tree.js';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, 'bench', '.data');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const FRAUD = join(ROOT, 'examples', 'models', 'fraud');
const PYTHON = '/usr/bin/python3';
const PEER = join(ROOT, 'bench', 'peers', 'pandas_batch.py');
const SIZES = (process.env.BATCH_ROWS ?? '100000,1000000').split(',').map(Number);
const WORKERS = 2;
const PORT = 8197;

const FEATURES = ['amount', 'hour', 'distance_from_home_km', 'minutes_since_last', 'transactions_last_24h', 'card_present', 'foreign', 'merchant_risk'];
const INTEGRAL = new Set(['hour', 'transactions_last_24h', 'card_present', 'foreign']);

// ---------- data ----------

/** Fraud transactions shaped like examples/data/transactions-sample.csv, with an id column; fixed seed. */
function* transactions(count: number, batch: number): Generator<number[][]> {
  let seed = 20261202;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    yield Array.from({ length: n }, (_, i) => [
      start + i + 1, Math.round(next() * 2e5) / 100, Math.floor(next() * 24), Math.round(next() * 5000) / 10,
      Math.round(next() * 30000) / 10, Math.floor(next() * 12), next() < 0.6 ? 1 : 0, next() < 0.15 ? 1 : 0, Math.round(next() * 1000) / 1000,
    ]);
  }
}

async function generate(rows: number): Promise<{ csv: string; parquet: string }> {
  mkdirSync(DATA, { recursive: true });
  const csv = join(DATA, `fraud-${rows}.csv`);
  const parquet = join(DATA, `fraud-${rows}.parquet`);
  if (!existsSync(csv)) {
    const out = createWriteStream(csv);
    out.write(`id,${FEATURES.join(',')}\n`);
    for (const batch of transactions(rows, 10_000)) {
      if (!out.write(batch.map((r) => `t${r[0]},${r.slice(1).join(',')}`).join('\n') + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  if (!existsSync(parquet)) {
    const bytes = new ByteWriter();
    const writer = new ParquetWriter({
      writer: bytes,
      schema: [{ name: 'root', num_children: 9 }, { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        ...FEATURES.map((name) => ({ name, type: INTEGRAL.has(name) ? 'INT64' as const : 'DOUBLE' as const, repetition_type: 'REQUIRED' as const }))],
    });
    const out = createWriteStream(parquet);
    for (const batch of transactions(rows, 100_000)) {
      writer.write({
        rowGroupSize: batch.length,
        columnData: [{ name: 'id', data: batch.map((r) => `t${r[0]}`) },
          ...FEATURES.map((name, c) => ({ name, data: INTEGRAL.has(name) ? BigInt64Array.from(batch, (r) => BigInt(r[c + 1])) : Float64Array.from(batch, (r) => r[c + 1]) }))],
      });
      out.write(new Uint8Array(bytes.getBytes()));
      bytes.index = 0;
    }
    void writer.finish();
    out.write(new Uint8Array(bytes.getBytes()));
    out.end();
    await once(out, 'finish');
  }
  return { csv, parquet };
}

// ---------- measuring ----------

/** Samples a process tree's resident memory every 20 ms; `stop()` gives the peak in MB. */
function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, treeMemoryMb(pid))), 20);
  return { stop: () => (clearInterval(timer), Math.round(Math.max(peak, treeMemoryMb(pid)))) };
}

interface Measure { seconds: number; cpuSeconds: number; peakMb: number }
interface Result extends Measure { path: string; format: string; rows: number; note?: string }

/** A process run to its end under /usr/bin/time: wall and CPU seconds, its peak RSS (threads included), its stdout. */
async function runProcess(command: string, args: string[]): Promise<Measure & { stdout: string }> {
  const timing = join(DATA, 'time.txt');
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timing, command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  const [code] = await once(child, 'exit') as [number];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  const [wall, user, system, maxKb] = readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: wall, cpuSeconds: user + system, peakMb: Math.round(maxKb / 1024), stdout };
}

async function cli(input: string, output: string): Promise<Measure> {
  return runProcess(process.execPath, [CLI, 'predict', FRAUD, input, '-o', output, '--workers', String(WORKERS)]);
}

/** Streams the CSV file to a running server and the answer to a file; the server's tree is sampled meanwhile. */
async function http(serverPid: number, input: string, output: string): Promise<Measure> {
  const started = performance.now();
  const cpuBefore = treeCpuSeconds(serverPid);
  const rss = sampleRss(serverPid);
  const res = await fetch(`http://127.0.0.1:${PORT}/models/fraud/predict`, {
    method: 'POST', headers: { 'content-type': 'text/csv' },
    body: createReadStream(input) as unknown as BodyInit, duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const out = createWriteStream(output);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: treeCpuSeconds(serverPid) - cpuBefore, peakMb: rss.stop() };
}

async function startServer(): Promise<{ pid: number; stop(): void; idleMb: number }> {
  const child = spawn(process.execPath, [CLI, 'serve', join(ROOT, 'examples', 'models'), '--port', String(PORT), '--workers', String(WORKERS), '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/readyz`)).ok) break;
    } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid!, idleMb: Math.round(treeMemoryMb(child.pid!)), stop: () => process.kill(-child.pid!, 'SIGTERM') };
}

/** Lines that differ between two CSV answers (id, label and probabilities compared as numbers). */
async function differingLines(a: string, b: string): Promise<number> {
  const left = createInterface({ input: createReadStream(a) })[Symbol.asyncIterator]();
  const right = createInterface({ input: createReadStream(b) })[Symbol.asyncIterator]();
  let differ = 0;
  for (let first = true; ; first = false) {
    const [x, y] = await Promise.all([left.next(), right.next()]);
    if (x.done || y.done) return differ + (x.done === y.done ? 0 : 1);
    if (first) continue;
    const p = x.value.split(',');
    const q = y.value.split(',');
    if (p.length !== q.length || p.some((v, i) => v !== q[i] && Number(v) !== Number(q[i]))) differ++;
  }
}

/** Whether a Python module imports on /usr/bin/python3 (pandas reads Parquet through pyarrow or fastparquet). */
function pythonHas(module: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---------- run ----------

const results: Result[] = [];
const notes: string[] = [];
const out = join(DATA, 'out');
mkdirSync(out, { recursive: true });

for (const rows of SIZES) {
  const { csv, parquet } = await generate(rows);
  const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  console.error(`batch bench: ${label(rows)} rows`);

  const peer = await runProcess(PYTHON, [PEER, csv, join(out, `pandas-${rows}.csv`)]);
  const peerInfo = JSON.parse(peer.stdout.trim().split('\n').pop()!) as { seconds: number; n_jobs: number | null };
  results.push({ path: 'pandas read_csv + predict_proba + to_csv', format: 'CSV → CSV', rows, seconds: peer.seconds, cpuSeconds: peer.cpuSeconds, peakMb: peer.peakMb,
    note: `in-script ${peerInfo.seconds.toFixed(2)} s; forest n_jobs=${peerInfo.n_jobs}` });

  const a = await cli(csv, join(out, `cli-${rows}.csv`));
  results.push({ path: `modelport predict (${WORKERS} workers)`, format: 'CSV → CSV', rows, ...a });
  const differ = await differingLines(join(out, `cli-${rows}.csv`), join(out, `pandas-${rows}.csv`));
  notes.push(`${label(rows)} rows: modelport predict and pandas answers differ on ${differ} lines (labels compared as text, probabilities as numbers).`);

  const b = await cli(parquet, join(out, `cli-${rows}.parquet`));
  results.push({ path: `modelport predict (${WORKERS} workers)`, format: 'Parquet → Parquet', rows, ...b });
  const c = await cli(parquet, join(out, `cli-pq-${rows}.csv`));
  results.push({ path: `modelport predict (${WORKERS} workers)`, format: 'Parquet → CSV', rows, ...c });

  const server = await startServer();
  try {
    const h = await http(server.pid, csv, join(out, `http-${rows}.csv`));
    results.push({ path: `HTTP streaming (server, ${WORKERS} workers)`, format: 'CSV → CSV', rows, ...h, note: `server tree idle ${server.idleMb} MB; client not counted` });
  } catch (err) {
    notes.push(`HTTP streaming at ${label(rows)} rows failed: ${(err as Error).message}`);
  } finally {
    server.stop();
    await new Promise((r) => setTimeout(r, 500));
  }
}

if (!pythonHas('pyarrow') && !pythonHas('fastparquet')) notes.push('pandas Parquet: not measured — /usr/bin/python3 has neither pyarrow nor fastparquet, and Debian packages neither (apt-cache policy python3-pyarrow finds nothing).');

const pandas = new Map(results.filter((r) => r.path.startsWith('pandas')).map((r) => [r.rows, r]));
const lines = [
  '# Batch scoring: 100k and 1M rows of the fraud example, end to end',
  '',
  `Generated by \`npm run bench:batch\` (bench/batch.ts) on ${new Date().toISOString().slice(0, 16)} UTC, ${availableParallelism()} cores (shared). ` +
    'Each CLI run is one process started cold (interpreter, model load, parse, score, write), measured by /usr/bin/time ' +
    '(wall, CPU = user + system, peak RSS of the process, worker threads included). HTTP: the request from first byte sent to ' +
    'last byte received, against a server already loaded; CPU and peak RSS (sampled every 20 ms) of the server process tree. ' +
    'On a shared machine the wall times depend on the load of the moment; CPU seconds are steadier. ' +
    'The model is examples/models/fraud (a RandomForestClassifier); ' +
    'the data has an id column (passed through) and the 8 features.',
  '',
  '| path | format | rows | wall s | rows/s | CPU s | peak RSS (MB) | vs pandas (wall) | vs pandas (CPU) | note |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...results.map((r) => `| ${r.path} | ${r.format} | ${r.rows.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${Math.round(r.rows / r.seconds).toLocaleString('en-US')} | ` +
    `${r.cpuSeconds.toFixed(2)} | ${r.peakMb} | ${(pandas.get(r.rows)!.seconds / r.seconds).toFixed(2)}× | ${(pandas.get(r.rows)!.cpuSeconds / r.cpuSeconds).toFixed(2)}× | ${r.note ?? ''} |`),
  '',
  ...notes.map((n) => `- ${n}`),
  '',
  '## Parquet library (chosen by measurement, 1M rows × 30 float64 columns, one process each, Node 20)',
  '',
  '| library | write rows/s | write peak RSS | read rows/s | read peak RSS | notes |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  '| hyparquet + hyparquet-writer (pure JS) | 177k | 148 MB | 459k as columns (400k with hyparquet-compressors\' snappy); 52k as row objects | 176 MB (columns), 602 MB (objects) | incremental writer (a row group per write), reads by row group |',
  '| parquet-wasm (Rust arrow-rs in WASM, + apache-arrow) | 63k (100k rows) | 290 MB (100k rows) | 58k (100k rows, via Arrow IPC) | 313 MB (100k rows) | writes a whole table at once; 15 MB of WASM |',
  '| @dsnp/parquetjs | 14k (100k rows) | 443 MB (100k rows) | 33k (100k rows) | 479 MB (100k rows) | row by row |',
  '| parquetjs-lite | 9k (100k rows) | 385 MB (100k rows) | 17k (100k rows) | 465 MB (100k rows) | row by row, unmaintained |',
  '',
  'The three slower libraries were measured at 100k rows: ten times that would not change the order.',
  '',
  '## Memory over a longer run (measured by hand, not by this script)',
  '',
  '3,000,000 rows (the 1M CSV three times, on standard input) through `modelport predict` with 2 workers: resident memory ' +
    'sampled every 2 s rose to ~260 MB within the first 10 s and then stayed between 270 and 313 MB to the end (53 s). The ' +
    'rise from 100k to 1M rows in the table is that warm-up (V8 heaps and onnxruntime arenas reaching their working size), ' +
    'not growth with the row count. Parquet input holds whole row groups (up to 131,072 rows a task, 2 tasks per worker ' +
    'in flight), so its memory follows the row-group size, not the row count.',
  '',
];
const report = lines.join('\n');
writeFileSync(join(ROOT, 'bench', 'results', 'batch.md'), report);
console.log(report);
