// JSON from bytes under Fastify's own policy: a body with __proto__ or constructor.prototype keys is refused.
import sjson from 'secure-json-parse';
import { ModelportError } from '../errors.js';

export function parseJsonBytes(body: Uint8Array): unknown {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new ModelportError('INVALID_JSON', [(err as Error).message]);
  }
}
