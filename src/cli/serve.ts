// `modelport serve`: load a repository and serve it over HTTP on every core, shutting down cleanly on
// SIGTERM/SIGINT. With --workers > 1 a primary process forks the workers (node:cluster shares the port among
// them), replaces a worker that dies at once (from a loaded spare with --spare-worker; backing off only when
// workers keep dying as they start), forwards shutdown signals and aggregates their Prometheus metrics.
import cluster, { type Worker } from 'node:cluster';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry, Counter, Registry } from 'prom-client';
import type { ReadinessPolicy, RepositoryOptions } from '../repository/repository.js';
import type { BatchingOptions } from '../runtime/batcher.js';
import type { SessionTuning } from '../runtime/onnx-runner.js';
import type { ApiKeys } from '../server/api-keys.js';
import type { OperationsOptions } from '../server/operations.js';

export interface ServeOptions {
  port: number;
  host: string;
  logLevel: string;
  /** pretty: readable lines; json: one JSON object a line (containers); auto: pretty on a terminal. */
  logFormat: 'auto' | 'json' | 'pretty';
  bodyLimit: number;
  workers: number;
  batching: BatchingOptions;
  tuning: SessionTuning;
  /** Serve the folder as one model of this name (KServe mounts a model at /mnt/models). */
  modelName?: string;
  requestTimeoutMs?: number;
  /** Keep one more worker loaded but not listening, to take a dead worker's place at once. */
  spareWorker?: boolean;
  /** Load shedding: most requests a worker holds at once. */
  maxInFlight?: number;
  readiness: ReadinessPolicy;
  operations: OperationsOptions;
  /** Poll the repository for changes this often (--watch). */
  watchIntervalMs?: number;
  adminKeys?: ApiKeys;
  /** Lazy loading and the memory budget of loaded models. */
  loading?: Pick<RepositoryOptions, 'lazy' | 'maxModels' | 'maxMemoryBytes'>;
}

function logger(options: ServeOptions): Logger {
  const pretty = options.logFormat === 'pretty' || (options.logFormat === 'auto' && process.stdout.isTTY === true);
  // Asynchronous writes: a request's log line never waits for stdout (a slow log reader must not stall serving).
  if (!pretty) return pino({ level: options.logLevel }, pino.destination({ dest: 1, sync: false }));
  return pino({
    level: options.logLevel,
    transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

const METRICS_REQUEST = 'modelport:metrics';
const METRICS_REPLY = 'modelport:metrics-reply';
/** A spare worker tells the primary it has loaded every model; the primary tells it to listen. */
const STANDBY_READY = 'modelport:standby-ready';
const ACTIVATE = 'modelport:activate';

/** A worker that dies this soon after it came up (or before) is crash-looping: its restarts back off. */
const CRASH_LOOP_MS = 5000;

/** No wait for a worker that died once; from the second quick death in a row, 0.5 s doubling to 30 s. */
export function restartDelayMs(quickDeathsInARow: number): number {
  return quickDeathsInARow <= 1 ? 0 : Math.min(30_000, 500 * 2 ** (quickDeathsInARow - 2));
}

export async function serve(repoPath: string, options: ServeOptions): Promise<void> {
  const log = logger(options);
  if (options.workers > 1 && cluster.isPrimary) return primary(options, log);
  return worker(repoPath, options, log.child(cluster.isWorker ? { worker: cluster.worker?.id } : {}));
}

function primary(options: ServeOptions, log: Logger): void {
  const started = performance.now();
  const aggregator = new AggregatorRegistry();
  // The primary's own metrics, appended to the workers' aggregate.
  const own = new Registry();
  const restarts = new Counter({ name: 'modelport_worker_restarts_total', help: 'Workers started again after one died', registers: [own] });
  let stopping = false;
  let stopCode = 0;
  let listening = 0;
  let quickDeaths = 0;
  /** Since when each worker has been up (listening, or loaded as the spare), and the death each replaces. */
  const upSince = new Map<number, number>();
  const replacing = new Map<number, number>();
  let spare: Worker | null = null;
  let spareReady = false;

  const fork = (diedAt?: number) => {
    const w = cluster.fork();
    if (diedAt !== undefined) replacing.set(w.id, diedAt);
  };
  const forkSpare = () => {
    spareReady = false;
    spare = cluster.fork({ MODELPORT_STANDBY: '1' });
  };
  /** A dead worker's place goes to the loaded spare, which only has to start listening, or to a new worker. */
  const replace = (diedAt: number) => {
    if (spare && spareReady) {
      replacing.set(spare.id, diedAt);
      spare.send({ type: ACTIVATE });
      forkSpare();
    } else {
      fork(diedAt);
    }
  };
  cluster.on('listening', (w: Worker) => {
    upSince.set(w.id, performance.now());
    const diedAt = replacing.get(w.id);
    replacing.delete(w.id);
    if (diedAt !== undefined) log.info({ worker: w.id, replaced_in_ms: Math.round(performance.now() - diedAt) }, 'replacement worker ready');
    if (++listening === options.workers) {
      log.info({ workers: options.workers, startup_ms: Math.round(performance.now() - started) },
        `ready: ${options.workers} workers on http://${options.host}:${options.port}`);
    }
  });
  cluster.on('exit', (w: Worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info('stopped');
        process.exit(stopCode);
      }
      return;
    }
    if (listening < options.workers) {
      // A worker that fails before the cluster ever served (port in use, unreadable repository) fails again.
      log.error({ worker: w.id, code, signal }, 'a worker failed during start-up; stopping');
      stop('start-up failure', 1);
      return;
    }
    const diedAt = performance.now();
    const since = upSince.get(w.id);
    upSince.delete(w.id);
    quickDeaths = since === undefined || diedAt - since < CRASH_LOOP_MS ? quickDeaths + 1 : 0;
    const delay = restartDelayMs(quickDeaths);
    restarts.inc();
    const wasSpare = w === spare;
    log.error({ worker: w.id, code, signal, restart_in_ms: delay, ...(wasSpare ? { spare: true } : {}) }, 'worker died; starting another');
    const restart = wasSpare ? forkSpare : () => replace(diedAt);
    if (wasSpare) spare = null;
    if (delay === 0) restart();
    else setTimeout(() => { if (!stopping) restart(); }, delay);
  });
  cluster.on('message', (w: Worker, message: { type?: string; id?: number }) => {
    if (message?.type === STANDBY_READY && w === spare) {
      spareReady = true;
      upSince.set(w.id, performance.now());
      log.info({ worker: w.id }, 'spare worker ready');
      return;
    }
    // A worker asks for the metrics of all workers (Prometheus scrapes whichever worker it reaches).
    if (message?.type !== METRICS_REQUEST) return;
    Promise.all([aggregator.clusterMetrics(), own.metrics()])
      .then(([workers, primaryText]) => `${workers}\n${primaryText}`)
      .then((text) => w.send({ type: METRICS_REPLY, id: message.id, text }))
      .catch((err: Error) => w.send({ type: METRICS_REPLY, id: message.id, error: err.message }));
  });
  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    stopCode = code;
    const workers = Object.values(cluster.workers ?? {});
    log.info(`${reason}: stopping ${workers.length} workers`);
    if (workers.length === 0) process.exit(code);
    for (const w of workers) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < options.workers; i++) fork();
  if (options.spareWorker) forkSpare();
}

/** In a spare worker: resolves when the primary hands it a dead worker's place. */
function activation(): Promise<void> {
  return new Promise((resolvePromise) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== ACTIVATE) return;
      process.off('message', onMessage);
      resolvePromise();
    };
    process.on('message', onMessage);
    process.send?.({ type: STANDBY_READY });
  });
}

/** In a cluster worker: the aggregated metrics of every worker, asked of the primary. */
function clusterMetrics(): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const id = Math.random();
    const onMessage = (message: { type?: string; id?: number; text?: string; error?: string }) => {
      if (message?.type !== METRICS_REPLY || message.id !== id) return;
      process.off('message', onMessage);
      if (message.error) reject(new Error(message.error));
      else resolvePromise(message.text ?? '');
    };
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}

async function worker(repoPath: string, options: ServeOptions, log: Logger): Promise<void> {
  const started = performance.now();
  // Answer the primary's metric requests from the start (this installs the listener): it asks every worker, one
  // still loading its models included, and one that stays silent fails /metrics for all of them.
  if (cluster.isWorker) new AggregatorRegistry();
  // Imported here, not at the top: the cluster primary never loads onnxruntime or the server, so it forks sooner.
  const [{ Metrics }, { ModelRepository }, { createApp }] = await Promise.all([
    import('../observability/metrics.js'),
    import('../repository/repository.js'),
    import('../server/app.js'),
  ]);
  const root = resolve(repoPath);
  // In a cluster, the first worker reports each model; the others would only repeat it.
  const quiet = cluster.isWorker && cluster.worker?.id !== 1;
  const repository = await ModelRepository.open(root, {
    tuning: options.tuning,
    ...options.loading,
    ...(options.modelName ? { singleModel: options.modelName } : {}),
    onLoaded(model, v) {
      if (v.state === 'ready' && v.reloadError) {
        log.error({ model: model.name, version: v.version, error: v.reloadError }, `cannot reload ${model.name}; still serving v${v.version}`);
      } else if (v.state === 'ready' && v.signature) {
        const line = {
          model: model.name,
          version: v.version,
          inputs: v.signature.inputs.map((i) => `${i.name}:${i.type}[${i.shape.join(',')}]`),
          outputs: v.signature.outputs.map((o) => `${o.name}:${o.type}[${o.shape.join(',')}]`),
          load_ms: Math.round((v.loadMs ?? 0) * 10) / 10,
        };
        if (quiet) log.debug(line, `loaded ${model.name} v${v.version}`);
        else log.info(line, `loaded ${model.name} v${v.version}`);
      } else {
        log.error({ model: model.name, version: v.version, error: v.error }, `failed to load ${model.name} v${v.version}`);
      }
    },
  });
  const metrics = new Metrics();
  if (cluster.isWorker) AggregatorRegistry.setRegistries([metrics.registry]);
  const server = await createApp(repository, {
    bodyLimit: options.bodyLimit,
    logger: log,
    metrics,
    batching: options.batching,
    readiness: options.readiness,
    operations: options.operations,
    ...(options.adminKeys ? { adminKeys: options.adminKeys } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {}),
    ...(cluster.isWorker ? { metricsText: clusterMetrics } : {}),
  });
  if (cluster.isWorker && process.env.MODELPORT_STANDBY === '1') await activation();
  await server.app.listen({ port: options.port, host: options.host });
  const stopWatching = options.watchIntervalMs === undefined ? null
    : repository.watch(options.watchIntervalMs, (err) => log.error({ err }, 'cannot rescan the repository'));
  if (!cluster.isWorker) {
    const models = repository.list();
    log.info({ repository: root, models: models.length, startup_ms: Math.round(performance.now() - started) },
      `serving ${models.length} model(s) on http://${options.host}:${options.port}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: finishing in-flight requests`);
    stopWatching?.();
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
