// A small ONNX graph builder: converters and tests describe graphs with it instead of raw protobuf.
import { ELEMENT_TYPES, type ElementType } from '../tensor.js';
import { encodeModel, onnx, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';

const AttrType = onnx.AttributeProto.AttributeType;

export type Dim = number | string | null;

/** Attribute values are tagged so that 1 (an int) and 1.0 (a float) stay distinct. */
export type Attr =
  | { int: number } | { float: number } | { string: string }
  | { ints: readonly number[] } | { floats: readonly number[] } | { strings: readonly string[] }
  | { tensor: TensorProto };

export interface ConstantValue {
  type: ElementType;
  dims: readonly number[];
  values: ArrayLike<number | bigint | string | boolean>;
}

export const ONNX_DOMAIN = '';
export const ML_DOMAIN = 'ai.onnx.ml';

function encodeAttr(name: string, a: Attr): AttributeProto {
  if ('int' in a) return { name, type: AttrType.INT, i: a.int };
  if ('float' in a) return { name, type: AttrType.FLOAT, f: a.float };
  if ('string' in a) return { name, type: AttrType.STRING, s: Buffer.from(a.string, 'utf8') };
  if ('ints' in a) return { name, type: AttrType.INTS, ints: [...a.ints] };
  if ('floats' in a) return { name, type: AttrType.FLOATS, floats: [...a.floats] };
  if ('strings' in a) return { name, type: AttrType.STRINGS, strings: a.strings.map((s) => Buffer.from(s, 'utf8')) };
  return { name, type: AttrType.TENSOR, t: a.tensor };
}

/** Encodes a constant as a TensorProto; numbers go through raw little-endian bytes so float64 stays exact. */
export function tensorProto(name: string, c: ConstantValue): TensorProto {
  const dataType = ELEMENT_TYPES[c.type].onnx;
  const dims = [...c.dims];
  const values = Array.from(c.values as ArrayLike<number | bigint | string | boolean>);
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`constant '${name}' has ${values.length} values for shape [${dims.join(', ')}]`);
  if (c.type === 'string') {
    return { name, dims, dataType, stringData: values.map((v) => Buffer.from(String(v), 'utf8')) };
  }
  let raw: ArrayBufferView;
  switch (c.type) {
    case 'float32': raw = Float32Array.from(values as number[]); break;
    case 'float64': raw = Float64Array.from(values as number[]); break;
    case 'int32': raw = Int32Array.from(values as number[]); break;
    case 'int64': raw = BigInt64Array.from(values.map((v) => BigInt(v as number))); break;
    case 'bool': case 'uint8': raw = Uint8Array.from(values.map((v) => Number(v))); break;
    case 'int8': raw = Int8Array.from(values as number[]); break;
    case 'int16': raw = Int16Array.from(values as number[]); break;
    case 'uint16': raw = Uint16Array.from(values as number[]); break;
    case 'uint32': raw = Uint32Array.from(values as number[]); break;
    case 'uint64': raw = BigUint64Array.from(values.map((v) => BigInt(v as number))); break;
  }
  return { name, dims, dataType, rawData: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) };
}

export function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[type].onnx,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : d === null ? {} : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly opsets = new Map<string, number>([[ONNX_DOMAIN, 18]]);
  private counter = 0;

  constructor(private readonly name = 'modelport') {}

  /** A fresh value name, unique within this graph. */
  unique(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  constant(prefix: string, c: ConstantValue): string {
    const name = this.unique(prefix);
    this.initializers.push(tensorProto(name, c));
    return name;
  }

  /** Uses an operator domain at a given opset (the highest asked for wins). */
  opset(domain: string, version: number): this {
    this.opsets.set(domain, Math.max(version, this.opsets.get(domain) ?? 0));
    return this;
  }

  /** Adds a node and returns its output names; pass `outputs` as a count to have them named for you. */
  node(op: string, inputs: readonly string[], outputs: number | readonly string[] = 1,
    attrs: Record<string, Attr> = {}, domain = ONNX_DOMAIN): string[] {
    const names = typeof outputs === 'number'
      ? Array.from({ length: outputs }, () => this.unique(op.toLowerCase()))
      : [...outputs];
    if (domain !== ONNX_DOMAIN && !this.opsets.has(domain)) this.opset(domain, 1);
    this.nodes.push({
      opType: op,
      domain,
      name: this.unique(`n_${op}`),
      input: [...inputs],
      output: names,
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)),
    });
    return names;
  }

  /** Shorthand for a single-output node. */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, domain = ONNX_DOMAIN, out?: string): string {
    return this.node(op, inputs, out ? [out] : 1, attrs, domain)[0];
  }

  build(meta: Record<string, string> = {}): Uint8Array {
    return encodeModel({
      irVersion: 8,
      producerName: 'modelport',
      opsetImport: [...this.opsets].map(([domain, version]) => ({ domain, version })),
      metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
  }
}
