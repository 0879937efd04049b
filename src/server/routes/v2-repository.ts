// The Open Inference Protocol's model repository extension: list the repository, load and unload models.
// Off unless admin keys are configured; every call needs one (Authorization: Bearer <admin key>).
import type { FastifyInstance } from 'fastify';
import { ModelportError } from '../../errors.js';
import type { ModelVersion } from '../../repository/repository.js';
import type { ApiKeys } from '../api-keys.js';
import type { ServerContext } from '../context.js';
import { sendError } from '../http-errors.js';
import { bearerToken } from '../operations.js';

interface ModelParams { name: string }

const STATES: Record<ModelVersion['state'], string> = { unloaded: 'UNAVAILABLE', loading: 'LOADING', ready: 'READY', failed: 'UNAVAILABLE', unavailable: 'UNAVAILABLE' };

export function v2RepositoryRoutes(app: FastifyInstance, ctx: ServerContext, adminKeys: ApiKeys): void {
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, ctx.bodyLimit, 'v2'));
  app.addHook('onRequest', (req, reply, done) => {
    const token = bearerToken(req);
    if (token !== null && adminKeys.check(token) !== null) return done();
    reply.header('www-authenticate', 'Bearer realm="modelport-admin"');
    sendError(new ModelportError('UNAUTHORIZED'), req, reply, ctx.bodyLimit, 'v2');
  });

  app.post('/index', async (req) => {
    const body = (req.body ?? {}) as { ready?: unknown };
    const entries = ctx.repository.list().flatMap((m) => m.versions.map((v) => ({
      name: m.name,
      version: String(v.version),
      state: STATES[v.state],
      reason: v.error ?? v.reloadError ?? (v.state === 'unavailable' ? 'unloaded' : v.state === 'unloaded' ? 'loads on its first request' : ''),
    })));
    return body.ready === true ? entries.filter((e) => e.state === 'READY') : entries;
  });

  app.post<{ Params: ModelParams }>('/models/:name/load', async (req, reply) => {
    const model = await ctx.repository.loadModel(req.params.name);
    const failed = model.versions.find((v) => v.state !== 'ready');
    if (failed) return reply.code(400).send({ error: `model '${model.name}' version ${failed.version} failed to load: ${failed.error ?? failed.reloadError}` });
    return {};
  });

  app.post<{ Params: ModelParams }>('/models/:name/unload', async (req) => {
    ctx.repository.unloadModel(req.params.name);
    return {};
  });
}
