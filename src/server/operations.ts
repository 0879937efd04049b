// What a production deployment wraps around the routes: request ids and access logs, CORS, security headers,
// API keys and rate limits. All are Fastify hooks and plugins outside the dataplane.
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModelportError } from '../errors.js';
import type { ApiKeys } from './api-keys.js';
import { sendError } from './http-errors.js';
import { LargeJsonBody } from './large-body.js';

export interface OperationsOptions {
  /** Origins allowed to call from a browser: a list, or '*' for any. Off when absent. */
  cors?: string[] | '*';
  /** One log line per request (default on). */
  accessLog?: boolean;
  /** Put request bodies into the access log (off by default: they may hold personal data). */
  logPayloads?: boolean;
  apiKeys?: ApiKeys;
  /** Ask for a key on /metrics too (probes stay open). */
  protectMetrics?: boolean;
  /** Requests per window per API key (or per client address without keys). */
  rateLimit?: { max: number; windowMs: number };
}

/** What a route learned about the request, for the access log. */
export interface RequestNote {
  model: string;
  version: number;
  rows?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the routes that score: which model answered and for how many rows. */
    note: RequestNote | null;
    /** The id of the API key the request presented (a hash prefix, never the key). */
    apiKeyId: string | null;
  }
}

/** Probes must reach the server without credentials; /metrics too unless protected. */
const PROBES = new Set(['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready']);

const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * The security headers helmet sends by default, computed once: @fastify/helmet builds them anew on every request,
 * which cost more than half the throughput of a one-row prediction (measured: 7.1k vs 19.7k req/s, one worker).
 * The CSP lets /docs (Swagger UI, served from this origin) work; plain HTTP is how most deployments reach
 * Modelport (TLS ends at the ingress), so requests are not upgraded.
 */
function securityHeaders(crossOrigin: boolean): Record<string, string> {
  return {
    'content-security-policy': "default-src 'self';base-uri 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'self';"
      + "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline'",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': crossOrigin ? 'cross-origin' : 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
}

/** The client's X-Request-Id when it is a sane token, else a new UUID. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function path(req: FastifyRequest): string {
  return req.url.split('?')[0];
}

const shapeOf = (req: FastifyRequest) => (path(req).startsWith('/v2') ? 'v2' : 'modelport');

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(req: FastifyRequest): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization?.trim() ?? '');
  return m ? m[1] : null;
}

function presentedKey(req: FastifyRequest): string | null {
  const bearer = bearerToken(req);
  if (bearer !== null) return bearer;
  const header = req.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : null;
}

function payloadOf(body: unknown): unknown {
  if (body instanceof LargeJsonBody) return { bytes: body.bytes.length };
  return body;
}

function windowText(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

export async function registerOperations(app: FastifyInstance, options: OperationsOptions, bodyLimit: number): Promise<void> {
  app.decorateRequest('note', null);
  app.decorateRequest('apiKeyId', null);
  const headers = securityHeaders(Boolean(options.cors));
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.headers(headers);
    reply.header('x-request-id', req.id);
    done(null, payload);
  });

  if (options.accessLog ?? true) {
    app.addHook('onResponse', (req, reply, done) => {
      const note = req.note;
      // Probes and scrapes arrive every few seconds from every kubelet and Prometheus: debug level, not info.
      const p = path(req);
      const level = PROBES.has(p) || p === '/metrics' ? 'debug' : 'info';
      req.log[level]({
        method: req.method,
        path: p,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        ...(note ? { model: note.model, version: note.version, ...(note.rows !== undefined ? { rows: note.rows } : {}) } : {}),
        ...(req.apiKeyId ? { key: req.apiKeyId } : {}),
        ...(options.logPayloads && req.body !== undefined ? { payload: payloadOf(req.body) } : {}),
      }, 'request');
      done();
    });
  }

  if (options.cors) {
    await app.register(cors, {
      origin: options.cors === '*' ? '*' : options.cors,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Api-Key', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }

  const keys = options.apiKeys;
  if (keys && keys.size > 0) {
    app.addHook('onRequest', (req, reply, done) => {
      const p = path(req);
      // The repository extension checks its own admin keys.
      if (req.method === 'OPTIONS' || PROBES.has(p) || (p === '/metrics' && !options.protectMetrics) || p.startsWith('/v2/repository/')) return done();
      const presented = presentedKey(req);
      const id = presented === null ? null : keys.check(presented);
      if (id === null) {
        reply.header('www-authenticate', 'Bearer realm="modelport"');
        sendError(new ModelportError('UNAUTHORIZED'), req, reply, bodyLimit, shapeOf(req));
        return;
      }
      req.apiKeyId = id;
      done();
    });
  }

  const limit = options.rateLimit;
  if (limit) {
    await app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.windowMs,
      // After the key check (onRequest), before a body is read.
      hook: 'preParsing',
      keyGenerator: (req) => req.apiKeyId ?? req.ip,
      allowList: (req) => PROBES.has(path(req)),
      errorResponseBuilder: (_req, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        const err = new ModelportError('RATE_LIMITED', [context.max, windowText(limit.windowMs), seconds]);
        err.retryAfter = seconds;
        return err;
      },
    });
  }
}
