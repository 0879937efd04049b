// The Fastify app: one plugin per protocol around a shared dataplane.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { CodecPool } from '../codecs/offload/pool.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { DEFAULT_BODY_LIMIT } from '../defaults.js';
import { ModelportError } from '../errors.js';
import { Metrics } from '../observability/metrics.js';
import type { ModelRepository } from '../repository/repository.js';
import type { BatchingOptions } from '../runtime/batcher.js';
import type { ServerContext } from './context.js';
import { registerOperations, requestId, type OperationsOptions } from './operations.js';
import type { ReadinessPolicy } from '../repository/repository.js';
import { sendError } from './http-errors.js';
import { jsonParser } from './large-body.js';
import { registerLoadShedding } from './load-shedding.js';
import { docsRoutes } from './routes/docs.js';
import { opsRoutes } from './routes/ops.js';
import { loadPlayground, playgroundRoutes } from './routes/playground.js';
import { simpleRoutes } from './routes/simple.js';
import { v2Routes } from './routes/v2.js';
import { v2RepositoryRoutes } from './routes/v2-repository.js';
import type { ApiKeys } from './api-keys.js';

export interface AppOptions {
  bodyLimit?: number;
  /** A pino logger; none by default (tests). */
  logger?: FastifyBaseLogger;
  metrics?: Metrics;
  /** Server-wide batching defaults (model.yaml may override them per model). */
  batching?: BatchingOptions;
  /** The Prometheus text to serve; by default this process's own registry (a cluster worker asks the primary). */
  metricsText?: () => Promise<string>;
  /** Longest a request may wait for and run its model; 504 after it. */
  requestTimeoutMs?: number;
  /** When /readyz and /v2/health/ready answer 200: every model can serve ('all', the default) or at least one. */
  readiness?: ReadinessPolicy;
  /** Access logs, CORS, security headers, API keys, rate limits. */
  operations?: OperationsOptions;
  /** Most requests one worker holds at once; beyond it 503 with Retry-After (load shedding). None by default. */
  maxInFlight?: number;
  /** With maxInFlight: longest a client may take to send its body before its connection is closed. */
  receiveTimeoutMs?: number;
  /** Keys for the Open Inference Protocol's repository extension (load, unload); the extension is off without them. */
  adminKeys?: ApiKeys;
}

export interface ModelportApp {
  app: FastifyInstance;
  context: ServerContext;
  /** Stops accepting, lets in-flight requests finish, then releases the models. */
  close(): Promise<void>;
}

export async function createApp(repository: ModelRepository, options: AppOptions = {}): Promise<ModelportApp> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const metrics = options.metrics ?? new Metrics();
  let closing = false;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Fastify's two lines per request are replaced by one access-log line (operations.ts), which can be turned off.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    genReqId: requestId,
    bodyLimit,
    // Keep-alive sockets that sit idle are closed at shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
    // A request that slips in while in-flight work drains is still served: the models are released only after.
    return503OnClosing: false,
  });
  const context: ServerContext = {
    repository,
    dataplane: new Dataplane(repository, metrics, options.batching, options.requestTimeoutMs),
    metrics,
    metricsText: options.metricsText ?? (() => metrics.registry.metrics()),
    bodyLimit,
    codecs: new CodecPool(),
    isClosing: () => closing,
    isReady: () => !closing && repository.isReady(options.readiness ?? 'all'),
    // POST /v2/models/{m}/explain always; the repository extension with admin keys.
    extensions: ['binary_tensor_data', 'explain', ...(options.adminKeys ? ['model_repository'] : [])],
  };

  // Once shutdown begins, every answer closes its connection, so keep-alive clients move to another instance
  // and the process exits as soon as in-flight work is done.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // Fastify parses text/plain by default; no route here takes it. Large JSON bodies go to the codec worker.
  app.removeContentTypeParser('text/plain');
  jsonParser(app, bodyLimit);

  app.addHook('onResponse', (req, reply, done) => {
    metrics.observeHttp(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, bodyLimit, 'modelport'));
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new ModelportError('ROUTE_NOT_FOUND', [req.method, req.url.split('?')[0]]).toJSON());
  });

  if (options.maxInFlight !== undefined) registerLoadShedding(app, options.maxInFlight, bodyLimit, options.receiveTimeoutMs);
  await registerOperations(app, options.operations ?? {}, bodyLimit);
  const playground = await loadPlayground();
  await app.register(async (scope) => opsRoutes(scope, context, playground));
  await app.register(async (scope) => playgroundRoutes(scope, playground));
  await app.register(async (scope) => docsRoutes(scope, context));
  await app.register(async (scope) => simpleRoutes(scope, context));
  await app.register(async (scope) => v2Routes(scope, context), { prefix: '/v2' });
  const adminKeys = options.adminKeys;
  if (adminKeys) await app.register(async (scope) => v2RepositoryRoutes(scope, context, adminKeys), { prefix: '/v2/repository' });

  metrics.modelStates = () => repository.list().flatMap((m) => m.versions.map((v) => ({ model: m.name, version: v.version, ready: v.state === 'ready' })));
  metrics.repositoryStats = () => repository.stats();

  return {
    app,
    context,
    async close() {
      closing = true;
      await app.close();
      await context.codecs.close();
      await repository.close();
    },
  };
}
