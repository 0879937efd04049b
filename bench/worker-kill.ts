// `npm run worker-kill`: wrk at 64 connections over every example model for 10 s against 2 workers and a spare
// (--spare-worker); after 3 s one serving worker is killed (SIGKILL). Reported: wrk's errors (only the requests in flight on the killed worker should
// fail: at most one per connection it held, counted at the kill), how long the primary took from the death to a
// replacement that listens (its log), and modelport_worker_restarts_total from /metrics. A run without a kill
// comes first, as the baseline.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { processTree } from './process-tree.js';
import { exampleRequests, rotatingLua, serveExamples, sleep, wrk } from './reliability-common.js';

const PORT = 18_150;
const SECONDS = Number(process.env.KILL_SECONDS ?? 10);
const CONNECTIONS = 64;

/** Established TCP connections on the server's port that a process holds (socket inodes in /proc/net/tcp). */
function connectionsHeld(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[3] === '01' && parseInt(f[1].split(':')[1], 16) === port) inodes.add(f[9]);
  }
  let held = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode && inodes.has(inode)) held++;
    } catch { /* closed meanwhile */ }
  }
  return held;
}

async function main(): Promise<void> {
  const server = await serveExamples(PORT, ['--spare-worker']);
  while (!server.log.some((l) => l.msg === 'spare worker ready')) await sleep(100);
  const script = rotatingLua(exampleRequests());
  try {
    const baseline = await wrk(server.url, script, CONNECTIONS, SECONDS);
    console.log(`without a kill: ${baseline.requests} requests, ${baseline.rps.toFixed(0)} req/s, p99 ${baseline.p99Ms} ms, errors ${baseline.errors}`);

    const load = wrk(server.url, script, CONNECTIONS, SECONDS);
    await sleep(3000);
    const victim = server.log.find((l) => /^Server listening/.test(String(l.msg)))?.pid as number;
    const held = connectionsHeld(victim, PORT);
    process.kill(victim, 'SIGKILL');
    const r = await load;
    const replaced = server.log.find((l) => l.msg === 'replacement worker ready');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const restarts = /^modelport_worker_restarts_total (\d+)/m.exec(metrics)?.[1];
    console.log([
      `with one of 2 workers killed after 3 s: ${r.requests} requests, ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms`,
      `- errors: ${r.errors} (non-2xx ${r.non2xx}; socket: connect ${r.socketErrors.connect}, read ${r.socketErrors.read}, write ${r.socketErrors.write}, timeout ${r.socketErrors.timeout}); the killed worker held ${held} of the ${CONNECTIONS} connections, so at most ${held} requests were in flight on it`,
      `- replacement (the spare) listening ${replaced ? `${replaced.replaced_in_ms} ms after the death` : 'NOT seen in the log'}; worker processes now: ${processTree(server.proc.pid as number).length - 1} (2 serving, a new spare)`,
      `- modelport_worker_restarts_total: ${restarts ?? 'missing'}`,
    ].join('\n'));
    if (!replaced || (replaced.replaced_in_ms as number) >= 1000 || r.errors > held || restarts !== '1') process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

await main();
