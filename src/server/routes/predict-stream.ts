// POST /models/{name}/predict with a text/csv or application/x-ndjson body: batch scoring as a stream. The body
// is cut into blocks of rows as it arrives; the codec worker decodes each block and encodes its answer, the
// dataplane scores it (batching, metrics), and the answers go back in input order while later blocks are still
// being read. At most IN_FLIGHT blocks are pending and none is read while the client is slow to take the answer,
// so memory stays flat whatever the size. There is no body limit, only a limit per row (413 naming the row).
//
// Errors: the status is sent with the first block's answer, so an error in the first block (or a bad header, an
// empty body) is a clean 4xx JSON error. An error after that (mode 'fail', an oversized row, a failed model run)
// cannot change the status: the answer ends with one last line carrying the error — CSV `#error,<code>,<message>`,
// NDJSON `{"error": {"code": …, "message": …}}` — and the trailer `Modelport-Status: error <code>` (else `ok`);
// `Modelport-Rows` counts the input rows read.
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BlockSplitter, type RowBlock } from '../../batch/splitter.js';
import { createPlan, selectColumns, type BatchPlan } from '../../batch/plan.js';
import { headerLine, rowErrorToError } from '../../batch/encode.js';
import { orderedPipeline } from '../../batch/pipeline.js';
import { ON_ERROR_MODES, type OnError } from '../../batch/types.js';
import { csvCell, parseCsvRows } from '../../codecs/csv.js';
import type { RowsRequest } from '../../codecs/json-rows.js';
import { invalidInput, ModelportError } from '../../errors.js';
import type { ReadyVersion } from '../../repository/repository.js';
import type { ServerContext } from '../context.js';
import { toModelportError } from '../http-errors.js';
import { readBodyText } from '../large-body.js';

export type StreamFormat = 'csv' | 'ndjson';

/** A streaming body, handed to the route unread. */
export class StreamBody {
  constructor(readonly stream: Readable, readonly format: StreamFormat) {}
}

export const STREAM_TYPES: Record<string, StreamFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/x-ndjson': 'ndjson',
};

/** Blocks decoded, scored or encoded at once: enough to keep the codec worker and the model busy together. */
const IN_FLIGHT = 3;
const MAX_ROW_BYTES = 1024 * 1024;

interface StreamQuery {
  on_error?: unknown;
  columns?: unknown;
}

function readQuery(query: StreamQuery): { onError: OnError; columns?: string[] } {
  const { on_error: onError = 'fail', columns } = query;
  if (typeof onError !== 'string' || !ON_ERROR_MODES.includes(onError as OnError)) {
    throw invalidInput('on_error', `must be one of ${ON_ERROR_MODES.join(', ')}`);
  }
  if (columns === undefined) return { onError: onError as OnError };
  if (typeof columns !== 'string') throw invalidInput('columns', 'give it once, as a comma-separated list');
  return { onError: onError as OnError, columns: columns.split(',').map((c) => c.trim()).filter((c) => c !== '') };
}

/** CSV for CSV and NDJSON for NDJSON, unless Accept asks for the other one only. */
function outputFormat(input: StreamFormat, accept: string | undefined): StreamFormat {
  const wants = (type: string) => accept?.toLowerCase().includes(type) ?? false;
  if (input === 'csv' && wants('application/x-ndjson') && !wants('text/csv')) return 'ndjson';
  if (input === 'ndjson' && wants('text/csv') && !wants('application/x-ndjson')) return 'csv';
  return input;
}

/** The keys of the block's first NDJSON record that are neither features nor answers: the default pass-through. */
function ndjsonPassthrough(block: RowBlock, taken: Set<string>): string[] {
  const text = block.bytes.toString('utf8', 0, Math.min(block.bytes.length, MAX_ROW_BYTES + 2));
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  try {
    const first: unknown = JSON.parse(line);
    if (typeof first !== 'object' || first === null || Array.isArray(first)) return [];
    return Object.keys(first).filter((k) => !taken.has(k));
  } catch {
    return [];
  }
}

/** Header-safe text for a trailer. */
function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 300);
}

export async function streamPredict(ctx: ServerContext, model: ReadyVersion, body: StreamBody, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { onError, columns: requested } = readQuery(req.query as StreamQuery);
  const output = outputFormat(body.format, req.headers.accept);
  const splitter = new BlockSplitter({ format: body.format, maxRowBytes: MAX_ROW_BYTES });
  let plan: BatchPlan | null = null;
  let columns: string[] = [];
  let out: PassThrough | null = null;
  let status = 'ok';

  const planFor = (block: RowBlock): BatchPlan => {
    if (plan) return plan;
    const options = { signature: model.signature, model: model.name, format: body.format, header: splitter.header, onError };
    plan = createPlan(options);
    if (body.format === 'ndjson') {
      const taken = new Set([...plan.answers, ...(model.signature.features ?? []).map((f) => f.name), 'probabilities', 'error']);
      plan = createPlan({ ...options, passthrough: ndjsonPassthrough(block, taken) });
    }
    columns = selectColumns(plan, requested);
    return plan;
  };

  const score = async (block: RowBlock): Promise<Buffer> => {
    const p = planFor(block);
    const decoded = await ctx.codecs.decodeBlock(p, block.bytes, block.firstRow);
    if (onError === 'fail' && decoded.errors.length) throw rowErrorToError(decoded.errors[0]);
    const outputs = decoded.feeds ? await ctx.dataplane.infer(model, decoded.feeds) : null;
    return ctx.codecs.encodeBlock(p, outputs, decoded, output, columns);
  };

  /** The first answer sends the status and headers; the next ones wait until the client has taken the last. */
  const deliver = async (bytes: Buffer): Promise<void> => {
    if (!out) {
      out = new PassThrough();
      reply.type(output === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      reply.trailer('modelport-status', async () => status);
      reply.trailer('modelport-rows', async () => String(splitter.rowsRead));
      out.write(headerLine(plan as BatchPlan, output, columns));
      reply.send(out);
    }
    if (out.destroyed) throw new ModelportError('INVALID_REQUEST', ['the client went away']);
    if (!out.write(bytes)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
  };

  async function* blocks(): AsyncGenerator<RowBlock> {
    for await (const chunk of body.stream) yield* splitter.push(chunk as Buffer);
    yield* splitter.end();
  }

  // Reading stops at an error, which detaches the request from its socket.
  const socket = req.raw.socket;
  // The version stays in service until the last block is scored, even if a new one replaces it meanwhile.
  model.inflight++;
  try {
    await orderedPipeline({ source: blocks(), work: score, deliver, inFlight: IN_FLIGHT });
    if (!out) {
      if (body.format === 'ndjson') throw invalidInput(undefined, 'at least one row is required');
      throw new ModelportError('INVALID_CSV', [splitter.header === null ? 'the body is empty' : 'a header row and at least one data row are required']);
    }
  } catch (err) {
    if (!out) {
      // Nothing was sent: a plain error answer; the rest of the body is not read, so the connection closes.
      if (!req.raw.complete) reply.header('connection', 'close');
      throw err;
    }
    const e = toModelportError(err, req, ctx.bodyLimit, 'text/csv or application/x-ndjson');
    if (e.status >= 500) req.log.error({ err }, 'batch scoring failed');
    status = headerText(`error ${e.code}: ${e.message}`);
    const last = output === 'csv' ? `#error,${e.code},${csvCell(e.message)}\n` : `${JSON.stringify(e.toJSON())}\n`;
    if (!(out as PassThrough).destroyed) (out as PassThrough).write(last);
    // The rest of the body is not read: close the connection once the answer has gone, so that the client stops
    // sending and does not reuse it.
    if (!req.raw.complete) reply.raw.once('finish', () => socket.destroy());
  } finally {
    model.inflight--;
    if (req.note) req.note.rows = splitter.rowsRead;
  }
  (out as PassThrough).end();
  return reply;
}

/** A whole CSV body as rows, within the body limit (explain reads its body whole). */
export async function wholeCsvRows(body: StreamBody, limit: number): Promise<RowsRequest> {
  if (body.format !== 'csv') throw new ModelportError('UNSUPPORTED_MEDIA_TYPE', ['application/x-ndjson', 'application/json, text/csv or a form']);
  return { rows: parseCsvRows(await readBodyText(body.stream, limit)), single: false, where: 'rows', textual: true };
}
