// Load shedding: a bound on the requests one worker holds at once (bodies being read, parsed, queued, scored,
// answered). Beyond it a request is refused at once with 503 and Retry-After, before its body is parsed (Node
// discards it), so an overload costs a short answer instead of memory and latency for everyone. The connection
// stays open: closing it under a body still arriving would reset it, and the client would see an error, not a 503.
// Probes and /metrics are never shed.
import type { FastifyInstance } from 'fastify';
import { ModelportError } from '../errors.js';
import { sendError } from './http-errors.js';

const EXEMPT = new Set(['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready', '/metrics']);

export interface LoadShedding {
  /** Requests held now. */
  readonly inFlight: number;
}

/** Long enough for a body at the limit over a slow link; a client that trickles it holds its slot no longer. */
const RECEIVE_TIMEOUT_MS = 120_000;

export function registerLoadShedding(app: FastifyInstance, maxInFlight: number, bodyLimit: number, receiveTimeoutMs = RECEIVE_TIMEOUT_MS): LoadShedding {
  let inFlight = 0;
  app.addHook('onRequest', (req, reply, done) => {
    const path = req.url.split('?')[0];
    if (EXEMPT.has(path)) return done();
    if (inFlight >= maxInFlight) {
      const err = new ModelportError('SERVER_OVERLOADED', [maxInFlight]);
      err.retryAfter = 1;
      sendError(err, req, reply, bodyLimit, path.startsWith('/v2') ? 'v2' : 'modelport');
      return;
    }
    inFlight++;
    // Fastify turns Node's request timeout off: without this, a client that never finishes its body would hold
    // its slot for ever. Most bodies have fully arrived by now, and need no timer.
    const receiving = req.raw.complete ? undefined : setTimeout(() => {
      if (!req.raw.complete) req.raw.socket?.destroy();
    }, receiveTimeoutMs);
    // 'close' fires once whether the answer was sent or the client went away first.
    reply.raw.once('close', () => {
      inFlight--;
      clearTimeout(receiving);
    });
    done();
  });
  return {
    get inFlight() {
      return inFlight;
    },
  };
}
