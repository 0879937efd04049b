// `npm run overload`: 10× the sustainable rate, open loop. The sustainable rate is what wrk reaches closed-loop
// (16 connections) with 1,000-row fraud batches, an expensive request for the server and a cheap one for the
// client, so that one client process on the same cores can offer ten times it. Then a Node client sends at 10×
// that rate whatever the answers (open loop) for OVERLOAD_SECONDS (default 5), once per --max-in-flight in
// OVERLOAD_MAX_IN_FLIGHT (default "1000000,256,8": shedding in effect off, the default, a tight bound). Reported:
// answers by status (503s with and without Retry-After), connection errors and timeouts, RSS of the server's
// process tree (sampled every 100 ms), and how soon after the burst single-row probes are answered normally.
import { Agent, request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { treeMemoryMb } from './process-tree.js';
import { exampleRequests, serveExamples, sleep, wrk, type Served } from './reliability-common.js';

const SECONDS = Number(process.env.OVERLOAD_SECONDS ?? 5);
const LIMITS = (process.env.OVERLOAD_MAX_IN_FLIGHT ?? '1000000,256,8').split(',').map(Number);
const PORT = 18_170;
const CLIENT_TIMEOUT_MS = 10_000;

interface Answer { status: number | 'error' | 'timeout'; retryAfter: boolean; ms: number }

function fraudBatch(rows: number): string {
  const e = JSON.parse(readFileSync(join(process.cwd(), 'examples', 'expected', 'fraud.json'), 'utf8'));
  const instances = Array.from({ length: rows }, (_, i) => Object.fromEntries(e.features.map((f: string, j: number) => [f, e.rows[i % e.rows.length][j]])));
  return JSON.stringify({ instances });
}

function send(agent: Agent, port: number, path: string, body: Buffer): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length }, timeout: CLIENT_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] !== undefined, ms: performance.now() - started }));
      res.on('error', () => resolve({ status: 'error', retryAfter: false, ms: performance.now() - started }));
    });
    req.on('timeout', () => { req.destroy(); resolve({ status: 'timeout', retryAfter: false, ms: performance.now() - started }); });
    req.on('error', () => resolve({ status: 'error', retryAfter: false, ms: performance.now() - started }));
    req.end(body);
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

async function probes(server: Served, count: number, gapMs: number): Promise<{ at: number; ms: number; status: number | string }[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const iris = Buffer.from(exampleRequests()[0].body);
  const out: { at: number; ms: number; status: number | string }[] = [];
  for (let i = 0; i < count; i++) {
    const at = performance.now();
    const a = await send(agent, server.port, '/models/iris/predict', iris);
    out.push({ at, ms: a.ms, status: a.status });
    if (gapMs) await sleep(gapMs);
  }
  agent.destroy();
  return out;
}

async function scenario(limit: number, body: Buffer, rate: number): Promise<string[]> {
  const server = await serveExamples(PORT, ['--max-in-flight', String(limit)]);
  const lines: string[] = [];
  try {
    const baseline = await probes(server, 200, 0);
    const normalMs = quantile(baseline.map((p) => p.ms), 0.99);
    const rssBefore = treeMemoryMb(server.proc.pid as number);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, treeMemoryMb(server.proc.pid as number)); }, 100);

    const agent = new Agent({ keepAlive: true, maxSockets: 2000 });
    const answers: Promise<Answer>[] = [];
    let outstanding = 0;
    let maxOutstanding = 0;
    const started = performance.now();
    const total = Math.round(rate * SECONDS);
    // Open loop: each request leaves on its schedule, answered or not.
    while (answers.length < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (answers.length < due) {
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        answers.push(send(agent, server.port, '/models/fraud/predict', body).finally(() => { outstanding--; }));
      }
      await new Promise((r) => setImmediate(r));
    }
    const offered = total / ((performance.now() - started) / 1000);
    const burstEnd = performance.now();
    // Probes right after the burst, while what it left behind drains.
    const after = await probes(server, 150, 10);
    const results = await Promise.all(answers);
    const drainedMs = performance.now() - burstEnd;
    clearInterval(sampler);
    const rssAfter = treeMemoryMb(server.proc.pid as number);
    agent.destroy();

    const count = (f: (a: Answer) => boolean) => results.filter(f).length;
    const ok = results.filter((a) => a.status === 200);
    const recovered = after.findIndex((_probe, i) => after.slice(i).every((q) => q.status === 200 && q.ms <= Math.max(5, 3 * normalMs)));
    lines.push(
      `### --max-in-flight ${limit}`,
      '',
      `- offered ${Math.round(offered)} req/s for ${SECONDS} s (${total} requests; most outstanding at once: ${maxOutstanding})`,
      `- 200: ${ok.length} (${Math.round(ok.length / SECONDS)}/s; p50 ${quantile(ok.map((a) => a.ms), 0.5).toFixed(1)} ms, p99 ${quantile(ok.map((a) => a.ms), 0.99).toFixed(1)} ms)`,
      `- 503 with Retry-After: ${count((a) => a.status === 503 && a.retryAfter)}, 503 without: ${count((a) => a.status === 503 && !a.retryAfter)}, other statuses: ${count((a) => typeof a.status === 'number' && a.status !== 200 && a.status !== 503)}`,
      `- connection errors: ${count((a) => a.status === 'error')}, client timeouts (${CLIENT_TIMEOUT_MS / 1000} s): ${count((a) => a.status === 'timeout')}`,
      `- RSS of the server's process tree: ${rssBefore.toFixed(0)} MB before, ${rssPeak.toFixed(0)} MB peak, ${rssAfter.toFixed(0)} MB after`,
      `- single-row probes: p99 ${normalMs.toFixed(2)} ms before the burst; after it, normal (≤ max(5 ms, 3× that), every later probe too) from ${recovered < 0 ? 'never within the probes' : `${(after[recovered].at - burstEnd).toFixed(0)} ms`}; the burst's last answer came ${drainedMs.toFixed(0)} ms after it ended`,
      '',
    );
  } finally {
    await server.stop();
  }
  return lines;
}

async function main(): Promise<void> {
  const text = fraudBatch(1000);
  const body = Buffer.from(text);
  const lua = join(tmpdir(), `modelport-overload-${process.pid}.lua`);
  writeFileSync(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${text}]==]\n`);
  const probe = await serveExamples(PORT);
  let sustainable: number;
  try {
    const load = await wrk(`${probe.url}/models/fraud/predict`, lua, 16, 5);
    sustainable = load.rps;
    console.log(`sustainable (wrk, 16 connections, 5 s, 1,000-row fraud batches): ${sustainable.toFixed(0)} req/s, p99 ${load.p99Ms} ms, errors ${load.errors}`);
  } finally {
    await probe.stop();
  }
  const lines = [`Sustainable: ${sustainable.toFixed(0)} req/s of 1,000-row fraud batches (wrk, 16 connections, 2 workers). Overload: ${(10 * sustainable).toFixed(0)} req/s offered, open loop.`, ''];
  for (const limit of LIMITS) lines.push(...await scenario(limit, body, 10 * sustainable));
  console.log(lines.join('\n'));
}

await main();
