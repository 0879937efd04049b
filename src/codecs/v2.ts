// Open Inference Protocol (KServe V2) JSON tensors ⇄ onnxruntime tensors.
import { invalidInput, ModelportError } from '../errors.js';
import type { Feeds, TensorSpec } from '../runtime/runner.js';
import type { Feature } from '../signature/signature.js';
import { allocate, elementTypeFromV2, ELEMENT_TYPES, makeTensor, product, type ElementType, type Tensor } from '../tensor.js';
import { featureValue, isJsonObject } from './values.js';
import { binaryDataSize, binaryToTensor } from './v2-binary.js';

export interface V2InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: V2Tensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export interface V2Tensor {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  /** Absent when the tensor travels as binary data after the JSON (`parameters.binary_data_size`). */
  data?: unknown[];
}

const MAX_DEPTH = 32;

/** Flattens row-major nested arrays; data may be flat or nested as the shape says. */
function flatten(data: unknown[], field: string): unknown[] {
  if (data.every((v) => !Array.isArray(v))) return data;
  const out: unknown[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > MAX_DEPTH) throw invalidInput(field, `nested deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else out.push(v);
  };
  walk(data, 0);
  return out;
}

/** A request's feeds and what it asks of the answer. */
export interface DecodedV2Request {
  feeds: Feeds;
  id?: string;
  /** The outputs asked for by name; all when absent. */
  outputs?: string[];
  /** The outputs to answer as binary data: all (`binary_data_output`), those marked `binary_data`, or none. */
  binary?: true | string[];
}

/** What a request asks of the answer beside its feeds. */
export function requestOptions(request: V2InferRequest): Omit<DecodedV2Request, 'feeds'> {
  const marked = (request.outputs ?? []).filter((o) => o.parameters?.binary_data === true).map((o) => o.name);
  const binary = request.parameters?.binary_data_output === true ? true : marked.length ? marked : undefined;
  return {
    ...(request.id !== undefined ? { id: request.id } : {}),
    ...(request.outputs ? { outputs: request.outputs.map((o) => o.name) } : {}),
    ...(binary ? { binary } : {}),
  };
}

/** Validates the request's structure (the protocol's field names and types), naming what is wrong. */
export function parseV2Request(body: unknown): V2InferRequest {
  if (!isJsonObject(body)) throw new ModelportError('INVALID_REQUEST', ['the body must be a JSON object with an "inputs" list']);
  if (body.id !== undefined && typeof body.id !== 'string') throw invalidInput('id', 'must be a string');
  if (body.parameters !== undefined && !isJsonObject(body.parameters)) throw invalidInput('parameters', 'must be an object');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw invalidInput('inputs', 'a non-empty list of tensors is required');
  body.inputs.forEach((input: unknown, i) => {
    const at = `inputs[${i}]`;
    if (!isJsonObject(input)) throw invalidInput(at, 'must be an object with name, shape, datatype and data');
    if (typeof input.name !== 'string' || input.name === '') throw invalidInput(`${at}.name`, 'a non-empty string is required');
    if (!Array.isArray(input.shape) || !input.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw invalidInput(`${at}.shape`, 'must be a list of non-negative integers');
    }
    if (typeof input.datatype !== 'string') throw invalidInput(`${at}.datatype`, 'a string such as FP32 is required');
    if (input.parameters !== undefined && !isJsonObject(input.parameters)) throw invalidInput(`${at}.parameters`, 'must be an object');
    const binary = binaryDataSize(input.parameters as Record<string, unknown> | undefined, at) !== undefined;
    if (binary && input.data !== undefined) throw invalidInput(`${at}.data`, 'a tensor sent as binary data (binary_data_size) has no data list');
    if (!binary && !Array.isArray(input.data)) throw invalidInput(`${at}.data`, 'must be a list (flat or nested, row-major)');
  });
  const names = new Set<string>();
  for (const input of body.inputs as V2Tensor[]) {
    if (names.has(input.name)) throw invalidInput(`inputs.${input.name}`, 'sent twice');
    names.add(input.name);
  }
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs) || !body.outputs.every((o) => isJsonObject(o) && typeof o.name === 'string')) {
      throw invalidInput('outputs', 'must be a list of {"name": ...}');
    }
  }
  return body as unknown as V2InferRequest;
}

/**
 * Builds the feeds, checking each tensor's datatype, shape and data against the model's input specs, and each
 * value against the feature it feeds: null is a missing value where that feature takes one (NaN in float data,
 * the missing marker in string data); known categories only where the model refuses others. `binary` is what
 * followed the JSON in a body of the binary tensor data extension, sliced among the inputs that declare a size.
 */
export function v2ToFeeds(request: V2InferRequest, specs: readonly TensorSpec[], features: readonly Feature[] | null = null, binary?: Buffer): Feeds {
  const feeds: Feeds = {};
  let offset = 0;
  request.inputs.forEach((input, i) => {
    const at = `inputs[${i}] (${input.name})`;
    const spec = specs.find((s) => s.name === input.name);
    if (!spec) throw invalidInput(at, `the model has no input of that name (inputs: ${specs.map((s) => s.name).join(', ')})`);
    const type = elementTypeFromV2(input.datatype);
    if (!type) throw invalidInput(`${at}.datatype`, `unknown datatype '${input.datatype}'`);
    if (type !== spec.type) {
      throw invalidInput(`${at}.datatype`, `this input takes ${ELEMENT_TYPES[spec.type].v2}, got ${input.datatype}`);
    }
    const size = binaryDataSize(input.parameters, at);
    if (size !== undefined) {
      if (!binary || offset + size > binary.length) {
        throw invalidInput(`${at}.parameters.binary_data_size`, `${size} bytes declared, but only ${binary ? binary.length - offset : 0} binary bytes are left in the body`);
      }
      feeds[spec.name] = binaryToTensor(type, input.shape, binary.subarray(offset, offset + size), at, checksFor(spec, at, features));
      offset += size;
      return;
    }
    const values = flatten(input.data as unknown[], `${at}.data`);
    const count = product(input.shape);
    if (values.length !== count) {
      throw invalidInput(`${at}.data`, `shape [${input.shape.join(', ')}] needs ${count} values, got ${values.length}`);
    }
    feeds[spec.name] = toTensor(type, values, input.shape, at, checksFor(spec, at, features));
  });
  if (binary && offset !== binary.length) {
    throw new ModelportError('INVALID_REQUEST', [`the body holds ${binary.length} bytes of binary data, but the inputs' binary_data_size add up to ${offset}`]);
  }
  return feeds;
}

/** The checks for each column of a tensor (one for a [N] or [N, 1] tensor): the datatype, and what its feature accepts. */
function checksFor(spec: TensorSpec, at: string, features: readonly Feature[] | null): Feature[] {
  const width = spec.shape.length === 2 && spec.shape[1] > 1 ? spec.shape[1] : 1;
  return Array.from({ length: width }, (_, c) => {
    const f = features?.find((x) => x.input === spec.name && (x.column === null || x.column === c));
    return {
      name: at, type: spec.type, input: spec.name, column: null, allowMissing: f?.allowMissing ?? false,
      ...(f?.categoriesOnly ? { categories: f.categories, categoriesOnly: true } : {}),
    };
  });
}

function toTensor(type: ElementType, values: unknown[], shape: number[], at: string, checks: Feature[]): Tensor {
  const data = allocate(type, values.length);
  const kind = ELEMENT_TYPES[type].kind;
  for (let i = 0; i < values.length; i++) {
    const v = featureValue(checks[i % checks.length], values[i], `${at}.data[${i}]`, false);
    if (kind === 'bigint') (data as BigInt64Array)[i] = BigInt(v as number);
    else if (kind === 'string') (data as string[])[i] = v as string;
    else (data as Float64Array)[i] = Number(v);
  }
  return makeTensor(type, data, shape);
}

export function tensorToV2(name: string, tensor: Tensor) {
  const type = tensor.type as ElementType;
  const raw = tensor.data as ArrayLike<unknown>;
  let data: unknown[];
  if (type === 'bool') data = Array.from(raw as Uint8Array, (v) => v !== 0);
  else if (type === 'int64' || type === 'uint64') data = Array.from(raw as BigInt64Array, (v) => Number(v));
  else data = Array.from(raw);
  return { name, shape: [...tensor.dims], datatype: ELEMENT_TYPES[type].v2, data };
}
