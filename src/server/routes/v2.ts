// The Open Inference Protocol (KServe V2) REST surface, so KServe, Triton and MLServer clients work unchanged.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseV2Request, requestOptions, tensorToV2, v2ToFeeds, type DecodedV2Request } from '../../codecs/v2.js';
import { BinaryTensorBody, HEADER_LENGTH, tensorBytes } from '../../codecs/v2-binary.js';
import { parseJsonBytes } from '../../codecs/secure-json.js';
import { ModelportError } from '../../errors.js';
import type { Feeds, TensorSpec } from '../../runtime/runner.js';
import type { Signature } from '../../signature/signature.js';
import { canServe, type ReadyVersion } from '../../repository/repository.js';
import { ELEMENT_TYPES, makeTensor, type ElementType } from '../../tensor.js';
import type { ServerContext } from '../context.js';
import { sendError } from '../http-errors.js';
import { jsonParser, LargeJsonBody } from '../large-body.js';
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';
import { featureNamesOf, interactionsRequested } from '../../explain/present.js';

interface ModelParams { name: string; version?: string }

const rowsOf = (feeds: Feeds) => Object.values(feeds)[0]?.dims[0] ?? 0;

/** An answer of the binary tensor data extension: the JSON header, then each binary output's bytes. */
function sendBinary(reply: FastifyReply, head: Record<string, unknown>, outputs: Feeds, binary: true | string[]) {
  const chunks: Buffer[] = [];
  const described = Object.entries(outputs).map(([name, tensor]) => {
    if (binary !== true && !binary.includes(name)) return tensorToV2(name, tensor);
    const bytes = tensorBytes(tensor);
    chunks.push(bytes);
    const datatype = ELEMENT_TYPES[tensor.type as ElementType].v2;
    return { name, shape: [...tensor.dims], datatype, parameters: { binary_data_size: bytes.length } };
  });
  const json = Buffer.from(JSON.stringify({ ...head, outputs: described }));
  return reply.type('application/octet-stream').header(HEADER_LENGTH, json.length).send(Buffer.concat([json, ...chunks]));
}

const tensorMetadata = (spec: TensorSpec) => ({ name: spec.name, datatype: ELEMENT_TYPES[spec.type].v2, shape: spec.shape });

/** An input's metadata, with the categories the model knows when the input is one column of a table. */
function inputMetadata(spec: TensorSpec, signature: Signature) {
  const categories = signature.features?.find((f) => f.input === spec.name && f.column === null)?.categories;
  return { ...tensorMetadata(spec), ...(categories ? { parameters: { categories } } : {}) };
}

export function v2Routes(app: FastifyInstance, ctx: ServerContext): void {
  // The protocol's error body is {"error": "<message>"}. Registered under the /v2 prefix.
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, ctx.bodyLimit, 'v2'));
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: new ModelportError('ROUTE_NOT_FOUND', [req.method, req.url]).message });
  });
  jsonParser(app, ctx.bodyLimit, { binaryTensors: true });

  app.get('/', async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: ctx.extensions }));
  app.get('/health/live', async () => ({ live: true }));
  app.get('/health/ready', async (_req, reply) => {
    const ready = ctx.isReady();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  const metadata = async (req: FastifyRequest<{ Params: ModelParams }>) => {
    const model = ctx.repository.get(req.params.name);
    const v = await ctx.dataplane.resolve(req.params.name, req.params.version);
    return {
      name: model.name,
      versions: model.versions.map((x) => String(x.version)),
      platform: 'onnxruntime_onnx',
      inputs: v.runner.inputs.map((spec) => inputMetadata(spec, v.signature)),
      outputs: v.runner.outputs.map(tensorMetadata),
    };
  };

  const ready = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const v = ctx.repository.version(req.params.name, req.params.version);
    // A version not loaded yet is ready: its first request loads it.
    const isReady = canServe(v);
    return reply.code(isReady ? 200 : 503).send({ name: v.name, ready: isReady });
  };

  /**
   * The feeds of an infer or explain body, each value checked against its feature (null is a missing value where
   * that feature takes one). A large JSON body is decoded by the codec worker; the event loop only runs the model.
   * A body of the binary tensor data extension is read here: its tensors need no parsing, only a copy and a check.
   */
  const decode = async (req: FastifyRequest, model: ReadyVersion): Promise<DecodedV2Request> => {
    const features = model.signature.features;
    if (req.body instanceof LargeJsonBody) return ctx.codecs.decodeV2(req.body.bytes, model.runner.inputs, features);
    const body = req.body instanceof BinaryTensorBody ? req.body : undefined;
    const request = parseV2Request(body ? parseJsonBytes(body.header) : req.body);
    return { feeds: v2ToFeeds(request, model.runner.inputs, features, body?.data), ...requestOptions(request) };
  };

  const infer = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const model = await ctx.dataplane.resolve(req.params.name, req.params.version);
    const note = { model: model.name, version: model.version, rows: 0 };
    req.note = note;
    const large = req.body instanceof LargeJsonBody;
    const decoded = await decode(req, model);
    note.rows = rowsOf(decoded.feeds);
    const outputs = await ctx.dataplane.infer(model, decoded.feeds, decoded.outputs);
    const head = { model_name: model.name, model_version: String(model.version), ...(decoded.id !== undefined ? { id: decoded.id } : {}) };
    if (decoded.binary) return sendBinary(reply, head, outputs, decoded.binary);
    if (large) return reply.type('application/json; charset=utf-8').send(await ctx.codecs.encodeV2(outputs, head));
    return { ...head, outputs: Object.entries(outputs).map(([name, tensor]) => tensorToV2(name, tensor)) };
  };

  /**
   * Extension: exact per-feature contributions for the same inputs as infer. `contributions` is [N, features + 1]
   * (the base value last), [N, classes, features + 1] for a model explained per class; `base_value` [N] or [N, classes];
   * with `?interactions=true`, `interactions` [N, (classes,) features + 1, features + 1].
   */
  const explain = async (req: FastifyRequest<{ Params: ModelParams }>) => {
    const model = await ctx.dataplane.resolve(req.params.name, req.params.version);
    const note = { model: model.name, version: model.version, rows: 0 };
    req.note = note;
    await ctx.dataplane.explainerOf(model);
    const { feeds, id } = await decode(req, model);
    note.rows = rowsOf(feeds);
    const { explainer, rows, contributions, interactions } = await ctx.dataplane.explain(model, feeds, { interactions: interactionsRequested(req.query) });
    const k = explainer.classes.length;
    const stride = explainer.width + 1;
    const base = Float64Array.from({ length: rows * k }, (_, i) => contributions[i * stride + explainer.width]);
    const classes = explainer.classes.map((c) => (c === null ? null : model.signature.labels?.[c] ?? model.signature.classValues?.[c] ?? c));
    return {
      model_name: model.name,
      model_version: String(model.version),
      ...(id !== undefined ? { id } : {}),
      parameters: { space: explainer.space, ...(explainer.grouped ? { grouped: true } : {}), features: [...featureNamesOf(model.signature, explainer), 'bias'], ...(classes[0] !== null ? { classes } : {}) },
      outputs: [
        tensorToV2('contributions', makeTensor('float64', contributions, k === 1 ? [rows, stride] : [rows, k, stride])),
        tensorToV2('base_value', makeTensor('float64', base, k === 1 ? [rows] : [rows, k])),
        ...(interactions ? [tensorToV2('interactions', makeTensor('float64', interactions, k === 1 ? [rows, stride, stride] : [rows, k, stride, stride]))] : []),
      ],
    };
  };

  app.post('/models/:name/explain', explain);
  app.post('/models/:name/versions/:version/explain', explain);
  app.get('/models/:name', metadata);
  app.get('/models/:name/versions/:version', metadata);
  app.get('/models/:name/ready', ready);
  app.get('/models/:name/versions/:version/ready', ready);
  app.post('/models/:name/infer', infer);
  app.post('/models/:name/versions/:version/infer', infer);
}
