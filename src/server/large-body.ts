// JSON bodies: small ones are parsed here as Fastify would; large ones are kept as bytes for the codec worker.
import type { FastifyInstance } from 'fastify';
import { LARGE_BODY_BYTES } from '../codecs/offload/pool.js';

/** A JSON body too large to parse on the event loop: the route hands its bytes to the codec worker. */
export class LargeJsonBody {
  constructor(readonly bytes: Buffer) {}
}

export function jsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length >= LARGE_BODY_BYTES) done(null, new LargeJsonBody(bytes));
    else parse(req, bytes.toString('utf8'), done);
  });
}
