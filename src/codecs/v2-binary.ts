// The Open Inference Protocol's binary tensor data extension (as KServe and Triton speak it): a JSON header of
// `Inference-Header-Content-Length` bytes, then each binary tensor's bytes in the order of the header's inputs —
// little-endian, row-major, no padding; BOOL one byte per element; BYTES a 4-byte length before each element.
// Batches skip JSON number parsing and printing altogether, which dominate a large JSON request.
import { invalidInput, ModelportError } from '../errors.js';
import type { Feature } from '../signature/signature.js';
import { allocate, ELEMENT_TYPES, makeTensor, product, type ElementType, type Tensor, type TensorData } from '../tensor.js';
import { featureValue } from './values.js';

export const HEADER_LENGTH = 'inference-header-content-length';

/** A request body of the extension: the JSON header's bytes and the binary data after it. */
export class BinaryTensorBody {
  constructor(readonly header: Buffer, readonly data: Buffer) {}

  /** Splits a body at the header length the client sent, refusing a length the body cannot hold. */
  static split(body: Buffer, headerLength: string): BinaryTensorBody {
    const n = Number(headerLength);
    if (!/^\d+$/.test(headerLength.trim()) || n > body.length) {
      throw new ModelportError('INVALID_REQUEST', [`the ${HEADER_LENGTH} header must be a byte count within the body (${body.length} bytes), got '${headerLength}'`]);
    }
    return new BinaryTensorBody(body.subarray(0, n), body.subarray(n));
  }
}

const BYTES_PER_ELEMENT: Partial<Record<ElementType, number>> = {
  float32: 4, float64: 8, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1,
};

/** The size a binary input declares in `parameters.binary_data_size`, or undefined for a JSON input. */
export function binaryDataSize(parameters: Record<string, unknown> | undefined, at: string): number | undefined {
  const size = parameters?.binary_data_size;
  if (size === undefined) return undefined;
  if (!Number.isSafeInteger(size) || (size as number) < 0) throw invalidInput(`${at}.parameters.binary_data_size`, 'must be a non-negative integer');
  return size as number;
}

/** Reads the strings of a BYTES tensor: each a 4-byte little-endian length, then that many UTF-8 bytes. */
function readStrings(bytes: Buffer, count: number, at: string): string[] {
  const out: string[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) throw invalidInput(at, `the binary data ends before element ${i}`);
    const length = bytes.readUInt32LE(offset);
    offset += 4;
    if (offset + length > bytes.length) throw invalidInput(at, `element ${i} runs past the end of the binary data`);
    out.push(bytes.toString('utf8', offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) throw invalidInput(at, `${bytes.length - offset} bytes left after the ${count} elements of the shape`);
  return out;
}

/**
 * One binary input as a tensor, each value checked as a JSON value would be (the datatype, missing values where the
 * feature takes them — NaN in binary float data — and known categories), except that a typed array cannot hold a
 * value outside its type's range.
 */
export function binaryToTensor(type: ElementType, shape: number[], bytes: Buffer, at: string, checks: Feature[]): Tensor {
  const count = product(shape);
  if (type === 'string') {
    const data = readStrings(bytes, count, at);
    for (let i = 0; i < count; i++) data[i] = featureValue(checks[i % checks.length], data[i], `${at}.data[${i}]`, false) as string;
    return makeTensor(type, data, shape);
  }
  const size = BYTES_PER_ELEMENT[type] as number;
  if (bytes.length !== count * size) {
    throw invalidInput(at, `shape [${shape.join(', ')}] of ${ELEMENT_TYPES[type].v2} needs ${count * size} bytes, got ${bytes.length}`);
  }
  // A copy: the body's bytes need not be aligned for a typed array view (and are little-endian, as are the
  // platforms Node supports).
  const data = allocate(type, count) as Exclude<TensorData, string[]>;
  new Uint8Array(data.buffer).set(bytes);
  const kind = ELEMENT_TYPES[type].kind;
  if (kind === 'float') {
    checkFloats(data as Float32Array | Float64Array, at, checks);
  } else if (type === 'bool') {
    const bad = (data as Uint8Array).findIndex((v) => v > 1);
    if (bad >= 0) throw invalidInput(`${at}.data[${bad}]`, `a BOOL element is one byte, 0 or 1; got ${(data as Uint8Array)[bad]}`);
  } else if (checks.some((c) => c.categoriesOnly)) {
    for (let i = 0; i < count; i++) featureValue(checks[i % checks.length], Number(data[i]), `${at}.data[${i}]`, false);
  }
  return makeTensor(type, data, shape);
}

/** Finite values pass; NaN is a missing value where the column takes one; anything else is refused as JSON would be. */
function checkFloats(data: Float32Array | Float64Array, at: string, checks: Feature[]): void {
  const width = checks.length;
  const categorical = checks.some((c) => c.categoriesOnly);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const check = checks[i % width];
    if (v - v === 0 && !categorical) continue;
    if (Number.isNaN(v) && check.allowMissing) continue;
    featureValue(check, v, `${at}.data[${i}]`, false);
  }
}

/** A tensor's bytes as the extension sends them. */
export function tensorBytes(tensor: Tensor): Buffer {
  const data = tensor.data as TensorData;
  if (Array.isArray(data)) {
    return Buffer.concat(data.flatMap((s) => {
      const text = Buffer.from(s, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      return [length, text];
    }));
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
