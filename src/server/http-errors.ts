// Turns whatever a route or Fastify threw into a ModelportError (bad input is never a 500) and sends it.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ModelportError } from '../errors.js';

export function toModelportError(err: unknown, request: FastifyRequest, bodyLimit: number, accepted: string): ModelportError {
  if (err instanceof ModelportError) return err;
  const e = err as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ModelportError('PAYLOAD_TOO_LARGE', [bodyLimit]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ModelportError('UNSUPPORTED_MEDIA_TYPE', [request.headers['content-type'] ?? 'none', accepted]);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ModelportError('INVALID_JSON', ['the body is empty']);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ModelportError('INVALID_JSON', [e.message]);
  }
  // The client closed the connection while its body was being read: its fault, and no one is left to answer.
  if (e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE') return new ModelportError('INVALID_REQUEST', ['the connection closed before the body was complete']);
  if (e instanceof SyntaxError && e.statusCode === 400) return new ModelportError('INVALID_JSON', [e.message]);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ModelportError('INVALID_REQUEST', [e.message]);
  }
  return new ModelportError('INTERNAL');
}

export type ErrorShape = 'modelport' | 'v2';

/** Sends an error in the shape of the route family: Modelport's own, or the Open Inference Protocol's. */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply, bodyLimit: number, shape: ErrorShape): void {
  const e = toModelportError(err, request, bodyLimit, shape === 'v2' ? 'application/json' : 'application/json, text/csv or a form');
  if (e.status >= 500) request.log.error({ err }, 'request failed');
  if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
  reply.code(e.status).send(shape === 'v2' ? { error: e.message } : e.toJSON());
}
