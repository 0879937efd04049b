// Operations: liveness, readiness, Prometheus metrics and an index of what is served.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';
import { modelSummary } from '../views.js';

export function opsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const models = ctx.repository.list();
    const notReady = models.flatMap((m) => m.versions.filter((v) => v.state !== 'ready')
      .map((v) => ({ model: m.name, version: v.version, state: v.state, ...(v.error ? { error: v.error } : {}) })));
    const ready = ctx.isReady();
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : ctx.isClosing() ? 'shutting down' : 'not ready',
      ...(notReady.length ? { not_ready: notReady } : {}),
    });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metricsText();
  });

  app.get('/', async () => ({
    name: SERVER_NAME,
    version: SERVER_VERSION,
    models: ctx.repository.list().map(modelSummary),
    endpoints: {
      models: '/models',
      predict: '/models/{name}/predict',
      v2: '/v2/models/{name}/infer',
      health: ['/healthz', '/readyz'],
      metrics: '/metrics',
      docs: ['/docs', '/openapi.json'],
    },
  }));
}
