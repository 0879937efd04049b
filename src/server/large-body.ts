// JSON bodies: small ones are parsed here as Fastify would; large ones are kept as bytes for the codec worker.
// Under /v2, a body with an Inference-Header-Content-Length header is the binary tensor data extension's.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LARGE_BODY_BYTES } from '../codecs/offload/pool.js';
import { BinaryTensorBody, HEADER_LENGTH } from '../codecs/v2-binary.js';
import { ModelportError } from '../errors.js';

/** A body read whole as text, refused with 413 beyond `limit` bytes (for the routes that read their own stream). */
export async function readBodyText(stream: AsyncIterable<unknown>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ModelportError('PAYLOAD_TOO_LARGE', [limit]);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON body too large to parse on the event loop: the route hands its bytes to the codec worker. */
export class LargeJsonBody {
  constructor(readonly bytes: Buffer) {}
}

/** The extension's header length, when the client sent one (one value: Node joins repeated headers with ', '). */
function binaryHeaderLength(req: FastifyRequest): string | undefined {
  const value = req.headers[HEADER_LENGTH];
  return typeof value === 'string' ? value : undefined;
}

function splitBinary(body: Buffer, headerLength: string, done: (err: Error | null, body?: unknown) => void): void {
  try {
    done(null, BinaryTensorBody.split(body, headerLength));
  } catch (err) {
    done(err as Error);
  }
}

export function jsonParser(app: FastifyInstance, bodyLimit: number, options: { binaryTensors?: boolean } = {}): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const bytes = body as Buffer;
    const headerLength = options.binaryTensors ? binaryHeaderLength(req) : undefined;
    if (headerLength !== undefined) splitBinary(bytes, headerLength, done);
    else if (bytes.length >= LARGE_BODY_BYTES) done(null, new LargeJsonBody(bytes));
    else parse(req, bytes.toString('utf8'), done);
  });
  if (!options.binaryTensors) return;
  // Clients of the extension may label the whole body as bytes; without the header it cannot be read.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const headerLength = binaryHeaderLength(req);
    if (headerLength === undefined) done(new ModelportError('INVALID_REQUEST', [`a binary body needs the ${HEADER_LENGTH} header (the length of its JSON part)`]));
    else splitBinary(body as Buffer, headerLength, done);
  });
}
