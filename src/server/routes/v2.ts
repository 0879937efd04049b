// The Open Inference Protocol (KServe V2) REST surface, so KServe, Triton and MLServer clients work unchanged.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseV2Request, tensorToV2, v2ToFeeds } from '../../codecs/v2.js';
import { ModelportError } from '../../errors.js';
import type { TensorSpec } from '../../runtime/runner.js';
import { ELEMENT_TYPES } from '../../tensor.js';
import type { ServerContext } from '../context.js';
import { sendError } from '../http-errors.js';
import { LargeJsonBody } from '../large-body.js';
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';

interface ModelParams { name: string; version?: string }

const tensorMetadata = (spec: TensorSpec) => ({ name: spec.name, datatype: ELEMENT_TYPES[spec.type].v2, shape: spec.shape });

export function v2Routes(app: FastifyInstance, ctx: ServerContext): void {
  // The protocol's error body is {"error": "<message>"}. Registered under the /v2 prefix.
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, ctx.bodyLimit, 'v2'));
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: new ModelportError('ROUTE_NOT_FOUND', [req.method, req.url]).message });
  });

  app.get('/', async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [] }));
  app.get('/health/live', async () => ({ live: true }));
  app.get('/health/ready', async (_req, reply) => {
    const ready = !ctx.isClosing() && ctx.repository.isReady();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  const metadata = async (req: FastifyRequest<{ Params: ModelParams }>) => {
    const model = ctx.repository.get(req.params.name);
    const v = ctx.dataplane.resolve(req.params.name, req.params.version);
    return {
      name: model.name,
      versions: model.versions.map((x) => String(x.version)),
      platform: 'onnxruntime_onnx',
      inputs: v.runner.inputs.map(tensorMetadata),
      outputs: v.runner.outputs.map(tensorMetadata),
    };
  };

  const ready = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const v = ctx.repository.version(req.params.name, req.params.version);
    const isReady = v.state === 'ready';
    return reply.code(isReady ? 200 : 503).send({ name: v.name, ready: isReady });
  };

  const infer = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const model = ctx.dataplane.resolve(req.params.name, req.params.version);
    // Models that handle missing values (XGBoost) take null in their float data as NaN.
    const allowMissing = model.signature.features?.some((f) => f.allowMissing) ?? false;
    const head = (id: string | undefined) => ({ model_name: model.name, model_version: String(model.version), ...(id !== undefined ? { id } : {}) });
    if (req.body instanceof LargeJsonBody) {
      // Decoded and encoded by the codec worker; the event loop only runs the model.
      const decoded = await ctx.codecs.decodeV2(req.body.bytes, model.runner.inputs, allowMissing);
      const outputs = await ctx.dataplane.infer(model, decoded.feeds, decoded.outputs);
      return reply.type('application/json; charset=utf-8').send(await ctx.codecs.encodeV2(outputs, head(decoded.id)));
    }
    const request = parseV2Request(req.body);
    const feeds = v2ToFeeds(request, model.runner.inputs, allowMissing);
    const outputs = await ctx.dataplane.infer(model, feeds, request.outputs?.map((o) => o.name));
    return { ...head(request.id), outputs: Object.entries(outputs).map(([name, tensor]) => tensorToV2(name, tensor)) };
  };

  app.get('/models/:name', metadata);
  app.get('/models/:name/versions/:version', metadata);
  app.get('/models/:name/ready', ready);
  app.get('/models/:name/versions/:version/ready', ready);
  app.post('/models/:name/infer', infer);
  app.post('/models/:name/versions/:version/infer', infer);
}
