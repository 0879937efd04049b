// API documentation: /openapi.json generated from the models served now (it follows reloads), and Swagger UI at
// /docs, served from the installed package (no CDN), reading the same document.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { isExplainer } from '../../explain/index.js';
import { defaultVersion } from '../../repository/repository.js';
import { openApiDocument, type ServedModel } from '../../signature/openapi.js';
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';
import type { ServerContext } from '../context.js';

function served(ctx: ServerContext): ServedModel[] {
  return ctx.repository.list().flatMap((m) => {
    const v = defaultVersion(m);
    if (!v || v.state !== 'ready' || !v.signature) return [];
    const explainable = isExplainer(v.explainer);
    return [{ name: m.name, version: v.version, signature: v.signature, explainable, ...(m.manifest.description ? { description: m.manifest.description } : {}) }];
  });
}

export async function docsRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const document = () => openApiDocument(served(ctx), { title: `${SERVER_NAME} API`, version: SERVER_VERSION });
  app.get('/openapi.json', async () => document());
  // @fastify/swagger-ui asks @fastify/swagger for its document; ours replaces it on every request.
  await app.register(swagger, { mode: 'static', specification: { document: { openapi: '3.1.0', info: { title: SERVER_NAME, version: SERVER_VERSION }, paths: {} } } });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    transformSpecificationClone: false,
    transformSpecification: () => document(),
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
}
