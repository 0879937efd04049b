// Operations: liveness, readiness, Prometheus metrics and an index of what is served.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';
import { modelSummary } from '../views.js';
import { wantsHtml, type Playground } from './playground.js';

export function opsRoutes(app: FastifyInstance, ctx: ServerContext, playground: Playground): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const models = ctx.repository.list();
    const notReady = models.flatMap((m) => m.versions.filter((v) => v.state !== 'ready' && v.state !== 'unloaded')
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

  // A browser gets the playground page; API clients (no Accept, */*, application/json) the JSON index.
  app.get('/', async (req, reply) => {
    reply.header('vary', 'Accept');
    if (wantsHtml(req)) return playground.page(req, reply);
    return index();
  });

  const index = () => ({
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
      playground: '/',
    },
  });
}
