// What the reliability scripts (soak, overload, worker-kill) share: a `modelport serve` process on the example
// models, the resident memory of its process tree, wrk runs with a Lua script, example request bodies.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Served {
  proc: ChildProcess;
  url: string;
  port: number;
  /** JSON log lines of the primary and the workers, as they arrive. */
  log: Record<string, unknown>[];
  stop(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `modelport serve examples/models` with 2 workers and JSON logs; resolves once it answers /readyz. */
export async function serveExamples(port: number, extra: string[] = []): Promise<Served> {
  const proc = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'examples', 'models'),
    '--port', String(port), '--workers', '2', '--log-format', 'json', '--no-access-log', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const log: Record<string, unknown>[] = [];
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      log.push(JSON.parse(line));
    } catch { /* not JSON */ }
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch { /* starting */ }
    if (i > 600 || proc.exitCode !== null) throw new Error('the server did not become ready');
    await sleep(50);
  }
  return {
    proc, url, port, log,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

export interface ExampleRequest {
  path: string;
  contentType: string;
  body: string;
}

/** One valid request per example model and protocol, as the tutorials send them. */
export function exampleRequests(): ExampleRequest[] {
  const expected = (name: string) => JSON.parse(readFileSync(join(ROOT, 'examples', 'expected', `${name}.json`), 'utf8'));
  const record = (e: { features: string[] }, row: number[]) => Object.fromEntries(e.features.map((f, j) => [f, row[j]]));
  const iris = expected('iris');
  const diabetes = expected('diabetes');
  const fraud = expected('fraud');
  const sentiment = expected('sentiment');
  const json = (path: string, body: unknown): ExampleRequest => ({ path, contentType: 'application/json', body: JSON.stringify(body) });
  return [
    json('/models/iris/predict', record(iris, iris.rows[0])),
    json('/models/iris/predict', iris.rows),
    json('/models/diabetes/predict', { data: diabetes.rows[0].join(',') }),
    json('/models/fraud/predict', { instances: fraud.rows.map((r: number[]) => record(fraud, r)) }),
    json('/models/sentiment/predict', { query: sentiment.queries[0] }),
    { path: '/models/sentiment/predict', contentType: 'application/x-www-form-urlencoded', body: `query=${encodeURIComponent(sentiment.queries[1])}` },
    json('/v2/models/iris/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP64', data: iris.rows[1] }] }),
    json('/v2/models/sentiment/infer', { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [sentiment.queries[2]] }] }),
  ];
}

/** A wrk script that sends the requests in turn, each connection starting at its own place (built in init, once
 * wrk knows the Host header). */
export function rotatingLua(requests: readonly ExampleRequest[]): string {
  const file = join(tmpdir(), `modelport-reliability-${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  const entries = requests.map((r) => `  wrk.format("POST", ${JSON.stringify(r.path)}, {["Content-Type"] = ${JSON.stringify(r.contentType)}}, [==[${r.body}]==])`);
  writeFileSync(file, `local requests\nlocal i\ninit = function()\n  requests = {\n${entries.join(',\n')}\n  }\n  i = math.random(#requests)\nend\nrequest = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n`);
  return file;
}

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  errors: number;
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

export function wrk(url: string, script: string, connections: number, seconds: number, threads = 1): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', script, url], { timeout: (seconds + 30) * 1000 }, (err, out) => {
      if (err) return reject(err);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const socketErrors = { connect: Number(socket?.[1] ?? 0), read: Number(socket?.[2] ?? 0), write: Number(socket?.[3] ?? 0), timeout: Number(socket?.[4] ?? 0) };
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
      resolve({
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
        p50Ms: ms(/^\s*50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
        p99Ms: ms(/^\s*99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
        non2xx,
        socketErrors,
        errors: non2xx + socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
      });
    });
  });
}

/** Least-squares slope of y over x. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}
