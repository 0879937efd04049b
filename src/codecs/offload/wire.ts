// Tensors and errors as plain data, to cross between the main thread and the codec worker.
import { ModelportError, type ErrorCode, type ErrorDetail } from '../../errors.js';
import type { Feeds } from '../../runtime/runner.js';
import { makeTensor, type ElementType, type TensorData } from '../../tensor.js';

export interface WireTensor {
  name: string;
  type: ElementType;
  dims: number[];
  data: TensorData;
}

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

export function toWire(feeds: Feeds): WireTensor[] {
  return Object.entries(feeds).map(([name, t]) => ({ name, type: t.type as ElementType, dims: [...t.dims], data: t.data as TensorData }));
}

export function fromWire(tensors: readonly WireTensor[]): Feeds {
  return Object.fromEntries(tensors.map((t) => [t.name, makeTensor(t.type, t.data, t.dims)]));
}

/** The typed arrays' buffers, to transfer rather than copy (string tensors are cloned). */
export function buffersOf(tensors: readonly WireTensor[]): ArrayBuffer[] {
  return tensors.flatMap((t) => (Array.isArray(t.data) ? [] : [t.data.buffer as ArrayBuffer]));
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof ModelportError) return { code: err.code, message: err.message, details: err.details };
  return { code: 'INTERNAL', message: 'Internal server error' };
}

export function errorFromWire(wire: WireError): ModelportError {
  return ModelportError.fromWire(wire);
}
