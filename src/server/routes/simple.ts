// The seed-style API: named features in, {label, probabilities} or {value} out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCsvRows, predictionsToCsv } from '../../codecs/csv.js';
import { PredictionEncoder } from '../../codecs/predictions.js';
import { readJsonRows, type RowsRequest } from '../../codecs/json-rows.js';
import { rowsToFeeds } from '../../codecs/rows.js';
import { invalidInput, ModelportError } from '../../errors.js';
import type { ReadyVersion } from '../../repository/repository.js';
import type { Feeds } from '../../runtime/runner.js';
import type { ServerContext } from '../context.js';
import { sendError } from '../http-errors.js';
import { LargeJsonBody } from '../large-body.js';
import { modelDetail, modelSummary } from '../views.js';

interface ModelParams { name: string; version?: string }

/** A parsed text/csv body, told apart from JSON by its class. */
class CsvBody {
  constructor(readonly rows: Record<string, string>[]) {}
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
    if (Array.isArray(value)) throw invalidInput(key, 'given more than once in the query string');
  }
  if (Object.keys(query).length === 0) throw invalidInput(undefined, 'pass the features as query parameters, e.g. ?feature=value');
  return { rows: [query], single: true, where: 'query', textual: true };
}

export function simpleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, ctx.bodyLimit, 'modelport'));

  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: ctx.bodyLimit }, (_req, body, done) => {
    try {
      done(null, new CsvBody(parseCsvRows(body as string)));
    } catch (err) {
      done(err as Error, undefined);
    }
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

  const predict = async (model: ReadyVersion, parsed: RowsRequest, reply: FastifyReply, csv: boolean) => {
    const feeds: Feeds = rowsToFeeds(model.signature, model.name, parsed.rows, parsed);
    const encoder = encoderFor(model);
    const outputs = await ctx.dataplane.infer(model, feeds);
    const predictions = encoder.encode(outputs, parsed.rows.length);
    if (csv) return reply.type('text/csv; charset=utf-8').send(predictionsToCsv(predictions));
    const head = { model: model.name, version: model.version };
    return parsed.single ? { ...head, prediction: predictions[0] } : { ...head, predictions };
  };

  /** A large body is decoded and its answer encoded by the codec worker; the event loop only runs the model. */
  const predictLarge = async (model: ReadyVersion, body: LargeJsonBody, reply: FastifyReply) => {
    const { feeds, rows, single } = await ctx.codecs.decodeRows(body.bytes, model.signature, model.name);
    const outputs = await ctx.dataplane.infer(model, feeds);
    const json = await ctx.codecs.encodePredictions(model.signature, outputs, rows, single, { model: model.name, version: model.version });
    return reply.type('application/json; charset=utf-8').send(json);
  };

  const post = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const model = ctx.dataplane.resolve(req.params.name, req.params.version);
    const body = req.body as unknown;
    if (body instanceof CsvBody) return predict(model, { rows: body.rows, single: false, where: 'rows', textual: true }, reply, true);
    if (body === undefined) throw new ModelportError('INVALID_JSON', ['the body is empty']);
    if (body instanceof LargeJsonBody) return predictLarge(model, body, reply);
    return predict(model, readJsonRows(body, model.signature, model.name), reply, false);
  };

  const get = async (req: FastifyRequest<{ Params: ModelParams; Querystring: Record<string, unknown> }>, reply: FastifyReply) => {
    const model = ctx.dataplane.resolve(req.params.name, req.params.version);
    return predict(model, readQuery(req.query), reply, false);
  };

  app.post('/models/:name/predict', post);
  app.post('/models/:name/versions/:version/predict', post);
  app.get('/models/:name/predict', get);
  app.get('/models/:name/versions/:version/predict', get);
}
