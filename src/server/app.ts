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
import { sendError } from './http-errors.js';
import { jsonParser } from './large-body.js';
import { opsRoutes } from './routes/ops.js';
import { simpleRoutes } from './routes/simple.js';
import { v2Routes } from './routes/v2.js';

export interface AppOptions {
  bodyLimit?: number;
  /** A pino logger; none by default (tests). */
  logger?: FastifyBaseLogger;
  metrics?: Metrics;
  /** Server-wide batching defaults (model.yaml may override them per model). */
  batching?: BatchingOptions;
  /** The Prometheus text to serve; by default this process's own registry (a cluster worker asks the primary). */
  metricsText?: () => Promise<string>;
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
    // Per-request lines would dominate the log at thousands of requests a second; failures are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Keep-alive sockets that sit idle are closed at shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
    // A request that slips in while in-flight work drains is still served: the models are released only after.
    return503OnClosing: false,
  });
  const context: ServerContext = {
    repository,
    dataplane: new Dataplane(repository, metrics, options.batching),
    metrics,
    metricsText: options.metricsText ?? (() => metrics.registry.metrics()),
    bodyLimit,
    codecs: new CodecPool(),
    isClosing: () => closing,
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

  await app.register(async (scope) => opsRoutes(scope, context));
  await app.register(async (scope) => simpleRoutes(scope, context));
  await app.register(async (scope) => v2Routes(scope, context), { prefix: '/v2' });

  for (const model of repository.list()) {
    for (const v of model.versions) metrics.modelState.set({ model: model.name, version: String(v.version) }, v.state === 'ready' ? 1 : 0);
  }

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
