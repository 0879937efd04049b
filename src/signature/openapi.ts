// An OpenAPI 3.1 document of what is served, generated from each model's signature: its real feature names,
// types, ranges and categories, and its labels, in one request and response schema per model for both protocols.
import { ERROR_CATALOG } from '../errors.js';
import { EXPLAINED_SPACES } from '../explain/explainer.js';
import { ELEMENT_TYPES } from '../tensor.js';
import type { Feature, Signature } from './signature.js';

type Schema = Record<string, unknown>;

export interface ServedModel {
  name: string;
  version: number;
  description?: string;
  signature: Signature;
  /** It has an exact explainer: POST /models/{name}/explain answers. */
  explainable: boolean;
}

/** One row's explanation (per class for a model explained per class), as src/explain/present.ts writes it. */
function explanationSchema(s: Signature): Schema {
  const one = {
    type: 'object',
    properties: {
      class: s.labels ? { enum: s.labels } : {},
      base_value: { type: 'number' },
      contributions: {
        type: 'array',
        description: 'one per input feature, largest magnitude first',
        items: { type: 'object', properties: { feature: { enum: s.features?.map((f) => f.name) ?? [] }, value: { type: 'number' } }, required: ['feature', 'value'] },
      },
      margin: { type: 'number', description: 'base_value plus the contributions: the model output explained' },
    },
    required: ['base_value', 'contributions', 'margin'],
  };
  return { oneOf: [one, { type: 'array', items: one }] };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });

/** One feature's value, as JSON carries it; null where the fitted model takes a missing value. */
export function featureSchema(f: Feature): Schema {
  const kind = ELEMENT_TYPES[f.type].kind;
  const base: Schema = kind === 'string' ? { type: 'string' } : kind === 'bool' ? { type: 'boolean' } : kind === 'float' ? { type: 'number' } : { type: 'integer' };
  if (f.min !== undefined) base.minimum = f.min;
  if (f.max !== undefined) base.maximum = f.max;
  if (f.categories?.length) {
    if (f.categoriesOnly) base.enum = f.categories;
    else base.examples = f.categories;
  }
  if (f.description) base.description = f.description;
  if (!f.allowMissing) return base;
  return { ...base, type: [base.type, 'null'], ...(base.enum ? { enum: [...(base.enum as unknown[]), null] } : {}) };
}

function rowSchemas(features: Feature[]): { named: Schema; positional: Schema } {
  return {
    named: {
      type: 'object',
      properties: Object.fromEntries(features.map((f) => [f.name, featureSchema(f)])),
      required: features.filter((f) => !f.allowMissing).map((f) => f.name),
      additionalProperties: false,
    },
    positional: { type: 'array', prefixItems: features.map(featureSchema), minItems: features.length, maxItems: features.length },
  };
}

function predictionSchema(s: Signature): Schema {
  if (s.task === 'classification' && s.labels) {
    const probabilities = { type: 'object', properties: Object.fromEntries(s.labels.map((l) => [l, { type: 'number', minimum: 0, maximum: 1 }])) };
    return { type: 'object', properties: { label: { enum: s.labels }, ...(s.probabilityOutput ? { probabilities } : {}) }, required: ['label'] };
  }
  if (s.task === 'regression') {
    return { type: 'object', properties: { value: { oneOf: [{ type: 'number' }, { type: 'array', items: { type: 'number' } }] } }, required: ['value'] };
  }
  return { type: 'object', description: 'each output of the model by name' };
}

function v2Schemas(s: Signature): { request: Schema; response: Schema } {
  const input = (spec: Signature['inputs'][number]) => ({
    type: 'object',
    properties: {
      name: { const: spec.name },
      datatype: { const: ELEMENT_TYPES[spec.type].v2 },
      shape: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: spec.shape.length, maxItems: spec.shape.length },
      data: { type: 'array' },
      parameters: { type: 'object' },
    },
    required: ['name', 'datatype', 'shape', 'data'],
  });
  return {
    request: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        parameters: { type: 'object' },
        inputs: { type: 'array', items: { oneOf: s.inputs.map(input) }, minItems: s.inputs.length, maxItems: s.inputs.length },
        outputs: { type: 'array', items: { type: 'object', properties: { name: { enum: s.outputs.map((o) => o.name) } }, required: ['name'] } },
      },
      required: ['inputs'],
    },
    response: {
      type: 'object',
      properties: {
        model_name: { type: 'string' },
        model_version: { type: 'string' },
        id: { type: 'string' },
        outputs: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { enum: s.outputs.map((o) => o.name) },
              datatype: { enum: [...new Set(s.outputs.map((o) => ELEMENT_TYPES[o.type].v2))] },
              shape: { type: 'array', items: { type: 'integer' } },
              data: { type: 'array' },
            },
            required: ['name', 'datatype', 'shape', 'data'],
          },
        },
      },
      required: ['model_name', 'outputs'],
    },
  };
}

const errorResponses = (codes: number[], schema: string) => Object.fromEntries(codes.map((code) => [
  String(code),
  { description: Object.entries(ERROR_CATALOG).filter(([, e]) => e.status === code).map(([k]) => k).join(', '), content: json(ref(schema)) },
]));

const ERROR_STATUSES = [400, 401, 404, 413, 415, 429, 503, 504];

/** How the seed-style routes answer: {model, version, …}, with `one` item for one row or `many` for several. */
function rowsAnswer(m: ServedModel, one: string, many: string, item: string, more: Record<string, Schema> = {}): Schema {
  return {
    type: 'object',
    properties: { model: { const: m.name }, version: { type: 'integer' }, ...more, [one]: ref(item), [many]: { type: 'array', items: ref(item) } },
    required: ['model', 'version', ...Object.keys(more)],
  };
}

function modelPaths(m: ServedModel, schemas: Record<string, Schema>): Record<string, unknown> {
  const s = m.signature;
  const id = m.name;
  const paths: Record<string, unknown> = {};
  schemas[`${id}.prediction`] = predictionSchema(s);
  const answer = rowsAnswer(m, 'prediction', 'predictions', `${id}.prediction`);
  if (s.features) {
    const { named, positional } = rowSchemas(s.features);
    schemas[`${id}.row`] = named;
    schemas[`${id}.values`] = positional;
    const row = { oneOf: [ref(`${id}.row`), ref(`${id}.values`)] };
    const body = {
      oneOf: [
        ref(`${id}.row`),
        { type: 'object', properties: { instances: { type: 'array', items: row, minItems: 1 } }, required: ['instances'], additionalProperties: false },
        { type: 'array', items: row, minItems: 1 },
        { type: 'object', properties: { data: { type: 'string', description: 'values in feature order, comma-separated' } }, required: ['data'], additionalProperties: false },
      ],
    };
    const summary = m.description ?? `${m.name} (${s.task})`;
    if (m.explainable) {
      schemas[`${id}.explanation`] = explanationSchema(s);
      const explained = rowsAnswer(m, 'explanation', 'explanations', `${id}.explanation`,
        { space: { enum: [...EXPLAINED_SPACES] } });
      paths[`/models/${m.name}/explain`] = {
        post: {
          operationId: `explain_${id}`,
          summary: `${m.name}: exact per-feature contributions (TreeSHAP or linear)`,
          tags: [m.name],
          requestBody: { required: true, content: { ...json(body), 'text/csv': { schema: { type: 'string' } } } },
          responses: { 200: { description: 'one explanation per row', content: json(explained) }, ...errorResponses(ERROR_STATUSES, 'Error') },
        },
      };
    }
    paths[`/models/${m.name}/predict`] = {
      post: {
        operationId: `predict_${id}`,
        summary,
        tags: [m.name],
        requestBody: {
          required: true,
          content: {
            ...json(body),
            'text/csv': { schema: { type: 'string', description: `a header row (${s.features.map((f) => f.name).join(',')}) and one line per row` } },
            'application/x-www-form-urlencoded': { schema: ref(`${id}.row`) },
          },
        },
        responses: { 200: { description: 'one prediction per row', content: { ...json(answer), 'text/csv': { schema: { type: 'string' } } } }, ...errorResponses(ERROR_STATUSES, 'Error') },
      },
      get: {
        operationId: `predict_${id}_query`,
        summary: `${summary}: one row from the query string`,
        tags: [m.name],
        parameters: s.features.map((f) => ({ name: f.name, in: 'query', required: !f.allowMissing, schema: featureSchema(f) })),
        responses: { 200: { description: 'the prediction', content: json(answer) }, ...errorResponses(ERROR_STATUSES, 'Error') },
      },
    };
  }
  const v2 = v2Schemas(s);
  schemas[`${id}.v2.request`] = v2.request;
  schemas[`${id}.v2.response`] = v2.response;
  paths[`/v2/models/${m.name}/infer`] = {
    post: {
      operationId: `infer_${id}`,
      summary: `${m.name}: Open Inference Protocol`,
      tags: [m.name],
      requestBody: { required: true, content: json(ref(`${id}.v2.request`)) },
      responses: { 200: { description: 'the outputs', content: json(ref(`${id}.v2.response`)) }, ...errorResponses(ERROR_STATUSES, 'V2Error') },
    },
  };
  return paths;
}

function operation(summary: string, tag: string, content?: Schema): Record<string, unknown> {
  return { get: { summary, tags: [tag], responses: { 200: { description: summary, ...(content ? { content: json(content) } : {}) } } } };
}

export function openApiDocument(models: readonly ServedModel[], info: { title: string; version: string }): Record<string, unknown> {
  const schemas: Record<string, Schema> = {
    Error: {
      type: 'object',
      properties: {
        error: {
          type: 'object',
          properties: {
            code: { enum: Object.keys(ERROR_CATALOG) },
            message: { type: 'string' },
            details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['message'] } },
          },
          required: ['code', 'message'],
        },
      },
      required: ['error'],
    },
    V2Error: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] },
  };
  const paths: Record<string, unknown> = {
    '/healthz': operation('the process is alive', 'operations'),
    '/readyz': operation('the models can serve (503 otherwise)', 'operations'),
    '/metrics': { get: { summary: 'Prometheus metrics', tags: ['operations'], responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/models': operation('the models served, their state and versions', 'models', { type: 'object' }),
  };
  for (const m of [...models].sort((a, b) => a.name.localeCompare(b.name))) Object.assign(paths, modelPaths(m, schemas));
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: 'Generated from the signatures of the models served now.' },
    tags: [{ name: 'operations' }, { name: 'models' }, ...models.map((m) => ({ name: m.name, ...(m.description ? { description: m.description } : {}) }))],
    paths,
    components: {
      schemas,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'when the server runs with API keys' } },
    },
  };
}
