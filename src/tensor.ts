// The element types Modelport moves between protocols and onnxruntime, and their names in each.
import ort from 'onnxruntime-node';

export type ElementType =
  | 'float32' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string';

export type Tensor = ort.Tensor;
export const Tensor = ort.Tensor;

interface TypeInfo {
  /** TensorProto.DataType in ONNX. */
  onnx: number;
  /** Open Inference Protocol datatype. */
  v2: string;
  kind: 'float' | 'int' | 'bigint' | 'bool' | 'string';
}

export const ELEMENT_TYPES: Record<ElementType, TypeInfo> = {
  float32: { onnx: 1, v2: 'FP32', kind: 'float' },
  uint8: { onnx: 2, v2: 'UINT8', kind: 'int' },
  int8: { onnx: 3, v2: 'INT8', kind: 'int' },
  uint16: { onnx: 4, v2: 'UINT16', kind: 'int' },
  int16: { onnx: 5, v2: 'INT16', kind: 'int' },
  int32: { onnx: 6, v2: 'INT32', kind: 'int' },
  int64: { onnx: 7, v2: 'INT64', kind: 'bigint' },
  string: { onnx: 8, v2: 'BYTES', kind: 'string' },
  bool: { onnx: 9, v2: 'BOOL', kind: 'bool' },
  float64: { onnx: 11, v2: 'FP64', kind: 'float' },
  uint32: { onnx: 12, v2: 'UINT32', kind: 'int' },
  uint64: { onnx: 13, v2: 'UINT64', kind: 'bigint' },
};

const BY_V2 = new Map(Object.entries(ELEMENT_TYPES).map(([k, v]) => [v.v2, k as ElementType]));

export function elementTypeFromV2(datatype: string): ElementType | undefined {
  return BY_V2.get(datatype);
}

export function isElementType(type: string): type is ElementType {
  return Object.hasOwn(ELEMENT_TYPES, type);
}

export type TensorData =
  | Float32Array | Float64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | string[];

/** Allocates the storage onnxruntime expects for `n` elements of `type` (bool is one byte each). */
export function allocate(type: ElementType, n: number): TensorData {
  switch (type) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int8': return new Int8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'uint64': return new BigUint64Array(n);
    case 'string': return new Array<string>(n).fill('');
  }
}

export function makeTensor(type: ElementType, data: TensorData, dims: readonly number[]): Tensor {
  return new ort.Tensor(type, data as never, dims);
}

/** Reads element i of a tensor as a JSON-friendly value (int64 beyond 2^53 loses precision, as JSON numbers do). */
export function elementAt(tensor: Tensor, i: number): number | string | boolean {
  const v = (tensor.data as ArrayLike<unknown>)[i];
  if (tensor.type === 'bool') return v !== 0;
  if (typeof v === 'bigint') return Number(v);
  return v as number | string;
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
