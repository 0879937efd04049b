// `modelport serve`: load a repository and serve it over HTTP on every core, shutting down cleanly on
// SIGTERM/SIGINT. With --workers > 1 a primary process forks the workers (node:cluster shares the port among
// them), restarts a worker that dies, forwards shutdown signals and aggregates their Prometheus metrics.
import cluster, { type Worker } from 'node:cluster';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { ReadinessPolicy } from '../repository/repository.js';
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
  readiness: ReadinessPolicy;
  operations: OperationsOptions;
  /** Poll the repository for changes this often (--watch). */
  watchIntervalMs?: number;
  adminKeys?: ApiKeys;
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

export async function serve(repoPath: string, options: ServeOptions): Promise<void> {
  const log = logger(options);
  if (options.workers > 1 && cluster.isPrimary) return primary(options, log);
  return worker(repoPath, options, log.child(cluster.isWorker ? { worker: cluster.worker?.id } : {}));
}

function primary(options: ServeOptions, log: Logger): void {
  const started = performance.now();
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let stopCode = 0;
  let listening = 0;

  const fork = () => cluster.fork();
  cluster.on('listening', () => {
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
    log.error({ worker: w.id, code, signal }, 'worker died; starting another');
    setTimeout(fork, 1000);
  });
  // A worker asks for the metrics of all workers (Prometheus scrapes whichever worker it reaches).
  cluster.on('message', (w: Worker, message: { type?: string; id?: number }) => {
    if (message?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics()
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
  if (cluster.isWorker) {
    // Constructing an AggregatorRegistry installs the listener that answers the primary's metric requests.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([metrics.registry]);
  }
  const server = await createApp(repository, {
    bodyLimit: options.bodyLimit,
    logger: log,
    metrics,
    batching: options.batching,
    readiness: options.readiness,
    operations: options.operations,
    ...(options.adminKeys ? { adminKeys: options.adminKeys } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(cluster.isWorker ? { metricsText: clusterMetrics } : {}),
  });
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
