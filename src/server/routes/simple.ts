// The seed-style API: named features in, {label, probabilities} or {value} out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PredictionEncoder } from '../../codecs/predictions.js';
import { readJsonRows, type RowsRequest } from '../../codecs/json-rows.js';
import { rowsToFeeds } from '../../codecs/rows.js';
import { invalidInput, ModelportError } from '../../errors.js';
import type { ReadyVersion } from '../../repository/repository.js';
import type { Feeds } from '../../runtime/runner.js';
import type { ServerContext } from '../context.js';
import { sendError } from '../http-errors.js';
import { LargeJsonBody, readBodyText } from '../large-body.js';
import { modelDetail, modelSummary } from '../views.js';
import { interactionsRequested, presentExplanations } from '../../explain/present.js';
import { STREAM_TYPES, StreamBody, streamPredict, wholeCsvRows } from './predict-stream.js';

interface ModelParams { name: string; version?: string }

/** A form-encoded body (`curl -d name=value`): one row of text values, like the query string. */
class FormBody {
  constructor(readonly fields: Record<string, unknown>) {}
}

const FORM = 'application/x-www-form-urlencoded';

/** name=value pairs; a name given twice keeps both values, so readQuery can refuse it. */
function parseForm(text: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = fields[key];
    fields[key] = seen === undefined ? value : [seen, value].flat();
  }
  return fields;
}

/**
 * Fastify reads no body on GET, but seed 004's client sends its form on GET (`curl -X GET … -d query=…`, which
 * Flask-RESTful reads from the form as from the query string): read it here, within the body limit.
 */
async function formOnGet(req: FastifyRequest, limit: number): Promise<Record<string, unknown>> {
  if (!req.headers['content-type']?.toLowerCase().startsWith(FORM)) return {};
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new ModelportError('PAYLOAD_TOO_LARGE', [limit]);
  return parseForm(await readBodyText(req.raw, limit));
}

/** The query string and a form body as one row; a name in both is refused like a repeated one. */
function mergeFields(query: Record<string, unknown>, form: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...query };
  for (const [key, value] of Object.entries(form)) merged[key] = Object.hasOwn(merged, key) ? [merged[key], value].flat() : value;
  return merged;
}

const encoders = new WeakMap<ReadyVersion, PredictionEncoder>();

function encoderFor(model: ReadyVersion): PredictionEncoder {
  let encoder = encoders.get(model);
  if (!encoder) {
    encoder = new PredictionEncoder(model.signature);
    encoders.set(model, encoder);
  }
  return encoder;
}

function readQuery(query: Record<string, unknown>): RowsRequest {
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw invalidInput(key, 'given more than once');
  }
  if (Object.keys(query).length === 0) throw invalidInput(undefined, 'pass the features as query parameters (?feature=value) or a form body');
  return { rows: [query], single: true, where: 'query', textual: true };
}

export function simpleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, ctx.bodyLimit, 'modelport'));

  // CSV and NDJSON bodies stream: predict reads them block by block (predict-stream.ts), explain reads them whole.
  app.addContentTypeParser(Object.keys(STREAM_TYPES), (req, payload, done) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    done(null, new StreamBody(payload, STREAM_TYPES[type] ?? 'csv'));
  });

  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: ctx.bodyLimit }, (_req, body, done) => {
    done(null, new FormBody(parseForm(body as string)));
  });

  app.get('/models', async () => ({ models: ctx.repository.list().map(modelSummary) }));

  app.get<{ Params: ModelParams }>('/models/:name', async (req) => {
    const model = ctx.repository.get(req.params.name);
    return modelDetail(model, ctx.repository.version(req.params.name));
  });

  app.get<{ Params: ModelParams }>('/models/:name/versions/:version', async (req) => {
    const model = ctx.repository.get(req.params.name);
    return modelDetail(model, ctx.repository.version(req.params.name, req.params.version));
  });

  const predict = async (model: ReadyVersion, parsed: RowsRequest, reply: FastifyReply) => {
    if (reply.request.note) reply.request.note.rows = parsed.rows.length;
    const feeds: Feeds = rowsToFeeds(model.signature, model.name, parsed.rows, parsed);
    const encoder = encoderFor(model);
    const outputs = await ctx.dataplane.infer(model, feeds);
    const predictions = encoder.encode(outputs, parsed.rows.length);
    const head = { model: model.name, version: model.version };
    return parsed.single ? { ...head, prediction: predictions[0] } : { ...head, predictions };
  };

  /** A large body is decoded and its answer encoded by the codec worker; the event loop only runs the model. */
  const predictLarge = async (model: ReadyVersion, body: LargeJsonBody, reply: FastifyReply) => {
    const { feeds, rows, single } = await ctx.codecs.decodeRows(body.bytes, model.signature, model.name);
    if (reply.request.note) reply.request.note.rows = rows;
    const outputs = await ctx.dataplane.infer(model, feeds);
    const json = await ctx.codecs.encodePredictions(model.signature, outputs, rows, single, { model: model.name, version: model.version });
    return reply.type('application/json; charset=utf-8').send(json);
  };

  /** The rows of a predict or explain body that is parsed here: JSON, or a form (with the query string). */
  const rowsOfBody = (req: FastifyRequest, model: ReadyVersion): RowsRequest => {
    const body = req.body as unknown;
    if (body instanceof FormBody) return readQuery(mergeFields(req.query as Record<string, unknown>, body.fields));
    if (body === undefined) throw new ModelportError('INVALID_JSON', ['the body is empty']);
    return readJsonRows(body, model.signature, model.name);
  };

  const post = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const model = await ctx.dataplane.resolve(req.params.name, req.params.version);
    req.note = { model: model.name, version: model.version };
    if (req.body instanceof LargeJsonBody) return predictLarge(model, req.body, reply);
    if (req.body instanceof StreamBody) return streamPredict(ctx, model, req.body, req, reply);
    return predict(model, rowsOfBody(req, model), reply);
  };

  const get = async (req: FastifyRequest<{ Params: ModelParams; Querystring: Record<string, unknown> }>, reply: FastifyReply) => {
    const model = await ctx.dataplane.resolve(req.params.name, req.params.version);
    req.note = { model: model.name, version: model.version };
    return predict(model, readQuery(mergeFields(req.query, await formOnGet(req, ctx.bodyLimit))), reply);
  };

  /** Exact per-feature contributions for the same request forms as predict (JSON, CSV, form). */
  const explain = async (req: FastifyRequest<{ Params: ModelParams }>) => {
    const model = await ctx.dataplane.resolve(req.params.name, req.params.version);
    req.note = { model: model.name, version: model.version };
    await ctx.dataplane.explainerOf(model);
    // A large body is decoded by the codec worker, as for predict.
    let decoded: { feeds: Feeds; rows: number; single: boolean };
    if (req.body instanceof LargeJsonBody) {
      decoded = await ctx.codecs.decodeRows(req.body.bytes, model.signature, model.name);
    } else {
      const parsed = req.body instanceof StreamBody ? await wholeCsvRows(req.body, ctx.bodyLimit) : rowsOfBody(req, model);
      decoded = { feeds: rowsToFeeds(model.signature, model.name, parsed.rows, parsed), rows: parsed.rows.length, single: parsed.single };
    }
    req.note.rows = decoded.rows;
    const { explainer, rows, contributions, interactions } = await ctx.dataplane.explain(model, decoded.feeds, { interactions: interactionsRequested(req.query) });
    const explanations = presentExplanations(model.signature, explainer, contributions, rows, interactions);
    const head = { model: model.name, version: model.version, space: explainer.space, ...(explainer.grouped ? { grouped: true } : {}) };
    return decoded.single ? { ...head, explanation: explanations[0] } : { ...head, explanations };
  };

  app.post('/models/:name/explain', explain);
  app.post('/models/:name/versions/:version/explain', explain);
  app.post('/models/:name/predict', post);
  app.post('/models/:name/versions/:version/predict', post);
  app.get('/models/:name/predict', get);
  app.get('/models/:name/versions/:version/predict', get);
}
