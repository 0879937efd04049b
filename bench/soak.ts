// `npm run soak`: SOAK_MINUTES (default 10) of wrk at SOAK_CONNECTIONS (default 64) over every example model and
// protocol (a Lua script rotates the bodies), against 2 workers, run as one wrk per minute so that each minute has
// its own p99 and error count. The RSS of the server's process tree is sampled every 5 s; its slope after the
// first SOAK_WARMUP_MINUTES (default 2) is a least-squares fit, in MB per minute.
import { treeMemoryMb } from './process-tree.js';
import { exampleRequests, rotatingLua, serveExamples, slope, wrk, type WrkResult } from './reliability-common.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 64);
const WARMUP_MINUTES = Number(process.env.SOAK_WARMUP_MINUTES ?? 2);
const SLICE_SECONDS = Number(process.env.SOAK_SLICE_SECONDS ?? 60);
const PORT = 18_160;

async function main(): Promise<void> {
  const server = await serveExamples(PORT);
  const pid = server.proc.pid as number;
  const started = performance.now();
  const samples: [number, number][] = [];
  const sample = () => samples.push([(performance.now() - started) / 60_000, treeMemoryMb(pid)]);
  sample();
  const sampler = setInterval(sample, 5000);
  const script = rotatingLua(exampleRequests());
  const slices: WrkResult[] = [];
  try {
    const count = Math.round((MINUTES * 60) / SLICE_SECONDS);
    for (let i = 0; i < count; i++) {
      const r = await wrk(`${server.url}/`, script, CONNECTIONS, SLICE_SECONDS);
      slices.push(r);
      console.error(`slice ${i + 1}/${count}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms, errors ${r.errors}, RSS ${samples[samples.length - 1][1].toFixed(0)} MB`);
    }
  } finally {
    clearInterval(sampler);
    sample();
    await server.stop();
  }
  const afterWarmup = samples.filter(([t]) => t >= WARMUP_MINUTES);
  const rss = samples.map(([, mb]) => mb);
  const errors = slices.reduce((n, s) => n + s.errors, 0);
  const requests = slices.reduce((n, s) => n + s.requests, 0);
  const p99s = slices.map((s) => s.p99Ms);
  const lines = [
    `${MINUTES} min at ${CONNECTIONS} connections over ${exampleRequests().length} example requests (4 models, JSON/form/V2), 2 workers:`,
    `- requests: ${requests} (${(requests / (MINUTES * 60)).toFixed(0)} req/s on average), errors (non-2xx + socket): ${errors}`,
    `- RSS of the process tree: ${rss[0].toFixed(0)} MB at start, ${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MB over the run, ${rss[rss.length - 1].toFixed(0)} MB at the end`,
    `- RSS slope after ${WARMUP_MINUTES} min of warm-up: ${afterWarmup.length > 2 ? slope(afterWarmup).toFixed(2) : 'n/a'} MB/min (${afterWarmup.length} samples, every 5 s)`,
    `- p99 per ${SLICE_SECONDS === 60 ? 'minute' : `${SLICE_SECONDS} s`} (ms): ${p99s.map((p) => p.toFixed(2)).join(', ')}`,
    `- req/s per slice: ${slices.map((s) => s.rps.toFixed(0)).join(', ')}`,
    `- errors per slice: ${slices.map((s) => s.errors).join(', ')}`,
  ];
  console.log(lines.join('\n'));
  if (errors) process.exitCode = 1;
}

await main();
