// The playground: a page for browsers at / (API clients keep the JSON index) and its few static files, served from
// a fixed table (no paths from the request reach the file system). The page's modules are TypeScript compiled with
// the server into dist/src/server/playground/, so every build and the Docker image carry them.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PLAYGROUND_CSS, playgroundHtml } from '../playground/shell.js';

/** The page's browser modules, by the file name they are requested as. */
const MODULES = ['main.js', 'api.js', 'dom.js', 'form.js', 'charts.js', 'snippets.js', 'upload.js', 'models.js'];

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(body: string | Buffer, type: string): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { body: bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url')}"` };
}

/** Strips the source-map comment tsc appends: the maps are not served. */
function withoutSourceMap(js: Buffer): Buffer {
  return Buffer.from(js.toString('utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'), 'utf8');
}

async function loadAssets(): Promise<Map<string, Asset>> {
  const folder = new URL('../playground/', import.meta.url);
  const assets = new Map<string, Asset>();
  for (const name of MODULES) {
    assets.set(name, asset(withoutSourceMap(await readFile(new URL(name, folder))), 'text/javascript; charset=utf-8'));
  }
  assets.set('playground.css', asset(PLAYGROUND_CSS, 'text/css; charset=utf-8'));
  return assets;
}

/** The quality a media range gets in an Accept header (0 when absent); only exact types count, not wildcards. */
function quality(accept: string, type: string): number {
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';').map((s) => s.trim().toLowerCase());
    if (range !== type) continue;
    const q = params.find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    return Number.isFinite(value) ? value : 0;
  }
  return 0;
}

/** A browser navigating to / asks for text/html first; API clients send no Accept, * / *, or application/json. */
export function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  const html = quality(accept, 'text/html');
  return html > 0 && html > quality(accept, 'application/json');
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset): FastifyReply {
  // no-cache: the browser keeps the file but asks each time, so an upgraded server is picked up at once.
  reply.header('cache-control', 'no-cache').header('etag', a.etag);
  if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
  return reply.type(a.type).send(a.body);
}

export interface Playground {
  /** Sends the page (the / route, when wantsHtml). */
  page(req: FastifyRequest, reply: FastifyReply): FastifyReply;
  /** Sends one of the page's files by name, or a 404. */
  file(req: FastifyRequest, reply: FastifyReply, name: string): FastifyReply;
}

export async function loadPlayground(): Promise<Playground> {
  const assets = await loadAssets();
  const page = asset(playgroundHtml(), 'text/html; charset=utf-8');
  return {
    page: (req, reply) => send(req, reply, page),
    file(req, reply, name) {
      const a = assets.get(name);
      if (a) return send(req, reply, a);
      reply.callNotFound();
      return reply;
    },
  };
}

export function playgroundRoutes(app: FastifyInstance, playground: Playground): void {
  app.get<{ Params: { file: string } }>('/playground/:file', async (req, reply) => playground.file(req, reply, req.params.file));
}
