// JSON from bytes under Fastify's own policy: a body with __proto__ or constructor.prototype keys is refused.
import sjson from 'secure-json-parse';
import { ModelportError } from '../errors.js';

/** Throws the parser's own error (a SyntaxError, or the refusal of a poisoning key). */
export function parseJsonText(text: string): unknown {
  return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
}

/** A JSON body; a 400 INVALID_JSON when it is not JSON or holds a poisoning key. */
export function parseJsonBytes(body: Uint8Array): unknown {
  try {
    return parseJsonText(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw new ModelportError('INVALID_JSON', [(err as Error).message]);
  }
}
