// A pickle virtual machine (protocols 0–5) that builds plain data. GLOBAL may only name allow-listed classes;
// anything else is refused by name. Nothing is ever executed: REDUCE, NEWOBJ and BUILD go to the handler the
// allow-list gives for that class. Bounded: every length is checked against the bytes left, the stack and
// memo are capped, and nesting is limited.
import { PyBytes, PyObject, PySet, tuple } from './values.js';

export class PickleError extends Error {
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'PickleError';
  }
}

/** A reference to an allow-listed class or function, as GLOBAL pushes it. */
export class PyClass {
  constructor(readonly name: string, readonly handler: ClassHandler) {}
}

export interface ClassHandler {
  /** REDUCE (a call) and NEWOBJ (cls.__new__(cls, *args)); by default an empty PyObject of the class. */
  construct?(args: unknown[], name: string): unknown;
  /** BUILD; by default the state is stored on the PyObject. May read raw bytes that follow (joblib arrays). */
  build?(target: unknown, state: unknown, stream: ByteStream): unknown;
}

export type ClassResolver = (module: string, name: string) => ClassHandler | undefined;

export interface UnpickleLimits {
  maxDepth: number;
  maxMemo: number;
  maxStack: number;
}

const DEFAULT_LIMITS: UnpickleLimits = { maxDepth: 1000, maxMemo: 10_000_000, maxStack: 10_000_000 };

/** A cursor over the bytes of a pickle (and what follows it, for joblib). */
export class ByteStream {
  pos = 0;
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    // A plain view, not a Buffer: Buffer#slice does not copy, and callers rely on slice() copying.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new PickleError(`invalid length ${n}`, this.pos);
    if (n > this.remaining) throw new PickleError(`truncated: ${n} bytes declared, ${this.remaining} left`, this.pos);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u8(): number {
    if (this.remaining < 1) throw new PickleError('truncated: unexpected end of data', this.pos);
    return this.bytes[this.pos++];
  }

  u16(): number { return this.view.getUint16(this.check(2), true); }
  u32(): number { return this.view.getUint32(this.check(4), true); }
  i32(): number { return this.view.getInt32(this.check(4), true); }
  f64be(): number { return this.view.getFloat64(this.check(8), false); }

  u64(): number {
    const at = this.check(8);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${v} is too large`, at);
    return Number(v);
  }

  /** A protocol 0 text argument, up to the newline. */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleError('truncated: missing newline', this.pos);
    const text = Buffer.from(this.bytes.subarray(this.pos, end)).toString('latin1');
    this.pos = end + 1;
    return text;
  }

  private check(n: number): number {
    if (this.remaining < n) throw new PickleError('truncated: unexpected end of data', this.pos);
    const at = this.pos;
    this.pos += n;
    return at;
  }
}

function utf8(bytes: Uint8Array, at: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PickleError('invalid UTF-8 in a string', at);
  }
}

/** Python's little-endian two's-complement long; a number when safe, a bigint beyond. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(text: string, at: number): number | bigint {
  const t = text.replace(/L$/, '').trim();
  if (!/^[+-]?\d+$/.test(t)) throw new PickleError(`invalid integer '${text.slice(0, 40)}'`, at);
  const v = BigInt(t);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Decodes a protocol 0 quoted string ('...' or "..." with Python escapes) into bytes. */
function unquote(text: string, at: number): Uint8Array {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) throw new PickleError('invalid quoted string', at);
  const body = text.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out.push(body.charCodeAt(i) & 0xff); continue; }
    const n = body[++i];
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11, '0': 0 };
    if (n === 'x') { out.push(parseInt(body.slice(i + 1, i + 3), 16)); i += 2; }
    else if (n !== undefined && /[0-7]/.test(n) && /[0-7]/.test(body[i + 1] ?? '')) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out.push(parseInt(m, 8) & 0xff); i += m.length - 1;
    } else if (n !== undefined && n in simple) out.push(simple[n]);
    else throw new PickleError('invalid escape in a quoted string', at);
  }
  return Uint8Array.from(out);
}

/** raw-unicode-escape, the encoding of protocol 0 UNICODE: latin-1 with \uXXXX and \UXXXXXXXX escapes. */
function rawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a: string, b: string) => String.fromCodePoint(parseInt(a ?? b, 16)));
}

function setItem(target: unknown, key: unknown, value: unknown, at: number): void {
  if (target instanceof Map) target.set(key, value);
  else if (target instanceof PyObject) target.items.set(key, value);
  else throw new PickleError('SETITEM on something that is not a dict', at);
}

function append(target: unknown, items: unknown[], at: number): void {
  if (Array.isArray(target)) for (const v of items) target.push(v);
  else if (target instanceof PyObject) {
    const list = (target.items.get('__list__') as unknown[] | undefined) ?? [];
    list.push(...items);
    target.items.set('__list__', list);
  } else throw new PickleError('APPEND on something that is not a list', at);
}

function defaultBuild(target: unknown, state: unknown, at: number): unknown {
  if (!(target instanceof PyObject)) throw new PickleError('BUILD on something that is not an object', at);
  target.state = state;
  return target;
}

export interface UnpickleOptions {
  resolve: ClassResolver;
  limits?: Partial<UnpickleLimits>;
}

/** Reads one pickle from the stream's position; leaves the position just after STOP. */
export function unpickle(stream: ByteStream, options: UnpickleOptions): unknown {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Values whose class handler takes their BUILD (numpy arrays and dtypes, joblib's array wrapper).
  const builders = new WeakMap<object, ClassHandler>();
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];

  const pop = (at: number): unknown => {
    if (stack.length === 0) throw new PickleError('stack underflow', at);
    return stack.pop();
  };
  const top = (at: number): unknown => {
    if (stack.length === 0) throw new PickleError('stack underflow', at);
    return stack[stack.length - 1];
  };
  const push = (v: unknown): void => {
    if (stack.length >= limits.maxStack) throw new PickleError('stack too large', stream.pos);
    stack.push(v);
  };
  const popMark = (at: number): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) throw new PickleError('no MARK on the stack', at);
    stack = previous;
    return items;
  };
  const memoPut = (index: number, at: number) => {
    if (memo.size >= limits.maxMemo && !memo.has(index)) throw new PickleError('memo too large', at);
    memo.set(index, top(at));
  };
  const memoGet = (index: number, at: number) => {
    if (!memo.has(index)) throw new PickleError(`memo key ${index} was never stored`, at);
    push(memo.get(index));
  };
  const global = (module: string, name: string, at: number) => {
    const handler = options.resolve(module, name);
    if (!handler) throw new PickleError(`refusing to load '${module}.${name}': it is not a class Modelport knows to be safe`, at);
    push(new PyClass(`${module}.${name}`, handler));
  };
  const call = (callable: unknown, args: unknown, at: number): unknown => {
    if (!(callable instanceof PyClass)) throw new PickleError('REDUCE or NEWOBJ of something that is not a known class', at);
    if (!Array.isArray(args)) throw new PickleError(`arguments for ${callable.name} are not a tuple`, at);
    const { handler } = callable;
    const value = handler.construct ? handler.construct([...args], callable.name) : new PyObject(callable.name, [...args]);
    if (handler.build && typeof value === 'object' && value !== null) builders.set(value, handler);
    return value;
  };

  for (;;) {
    const at = stream.pos;
    const op = stream.u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = stream.u8();
        if (v > 5) throw new PickleError(`unsupported pickle protocol ${v}`, at);
        break;
      }
      case 0x95: stream.u64(); break; // FRAME: frames are contiguous, so the length only matters to streaming readers
      case 0x2e: { // STOP
        const result = pop(at);
        if (stack.length !== 0 || metastack.length !== 0) throw new PickleError('data left on the stack at STOP', at);
        return result;
      }
      case 0x28: // MARK
        if (metastack.length >= limits.maxDepth) throw new PickleError(`nested deeper than ${limits.maxDepth} levels`, at);
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: pop(at); break; // POP
      case 0x31: popMark(at); break; // POP_MARK
      case 0x32: push(top(at)); break; // DUP

      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x49: { // INT (text); I01/I00 are bools
        const t = stream.line();
        push(t === '01' ? true : t === '00' ? false : parseIntText(t, at));
        break;
      }
      case 0x4a: push(stream.i32()); break; // BININT
      case 0x4b: push(stream.u8()); break; // BININT1
      case 0x4d: push(stream.u16()); break; // BININT2
      case 0x4c: push(parseIntText(stream.line(), at)); break; // LONG (text)
      case 0x8a: push(decodeLong(stream.take(stream.u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = stream.i32();
        if (n < 0) throw new PickleError('negative LONG4 length', at);
        push(decodeLong(stream.take(n)));
        break;
      }
      case 0x46: { // FLOAT (text)
        const t = stream.line().trim();
        const v = Number(t);
        if (t === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(t))) throw new PickleError(`invalid float '${t.slice(0, 40)}'`, at);
        push(/^[+-]?inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : v);
        break;
      }
      case 0x47: push(stream.f64be()); break; // BINFLOAT

      case 0x53: push(new PyBytes(unquote(stream.line(), at))); break; // STRING (py2 str)
      case 0x54: { // BINSTRING
        const n = stream.i32();
        push(new PyBytes(stream.take(n)));
        break;
      }
      case 0x55: push(new PyBytes(stream.take(stream.u8()))); break; // SHORT_BINSTRING
      case 0x42: push(new PyBytes(stream.take(stream.u32()))); break; // BINBYTES
      case 0x43: push(new PyBytes(stream.take(stream.u8()))); break; // SHORT_BINBYTES
      case 0x8e: push(new PyBytes(stream.take(stream.u64()))); break; // BINBYTES8
      case 0x96: push(new PyBytes(stream.take(stream.u64()))); break; // BYTEARRAY8
      case 0x98: case 0x99: break; // READONLY_BUFFER, READWRITE_BUFFER: in-band buffers are just bytes here
      case 0x97: throw new PickleError('out-of-band buffers (NEXT_BUFFER) are not supported', at);
      case 0x56: push(rawUnicodeEscape(stream.line())); break; // UNICODE
      case 0x58: push(utf8(stream.take(stream.u32()), at)); break; // BINUNICODE
      case 0x8c: push(utf8(stream.take(stream.u8()), at)); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8(stream.take(stream.u64()), at)); break; // BINUNICODE8

      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(tuple([])); break; // EMPTY_TUPLE
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x8f: push(new PySet([], false)); break; // EMPTY_SET
      case 0x6c: push(popMark(at)); break; // LIST
      case 0x74: push(tuple(popMark(at))); break; // TUPLE
      case 0x85: push(tuple([pop(at)])); break; // TUPLE1
      case 0x86: { const b = pop(at); const a = pop(at); push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(at); const b = pop(at); const a = pop(at); push(tuple([a, b, c])); break; } // TUPLE3
      case 0x64: { // DICT
        const items = popMark(at);
        if (items.length % 2) throw new PickleError('DICT with an odd number of items', at);
        const d = new Map();
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x91: push(new PySet(popMark(at), true)); break; // FROZENSET
      case 0x61: { const v = pop(at); append(top(at), [v], at); break; } // APPEND
      case 0x65: { const items = popMark(at); append(top(at), items, at); break; } // APPENDS
      case 0x73: { const v = pop(at); const k = pop(at); setItem(top(at), k, v, at); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark(at);
        if (items.length % 2) throw new PickleError('SETITEMS with an odd number of items', at);
        const target = top(at);
        for (let i = 0; i < items.length; i += 2) setItem(target, items[i], items[i + 1], at);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark(at);
        const target = top(at);
        if (!(target instanceof PySet)) throw new PickleError('ADDITEMS on something that is not a set', at);
        target.items.push(...items);
        break;
      }

      case 0x70: memoPut(parseIntText(stream.line(), at) as number, at); break; // PUT
      case 0x71: memoPut(stream.u8(), at); break; // BINPUT
      case 0x72: memoPut(stream.u32(), at); break; // LONG_BINPUT
      case 0x94: memoPut(memo.size, at); break; // MEMOIZE
      case 0x67: memoGet(parseIntText(stream.line(), at) as number, at); break; // GET
      case 0x68: memoGet(stream.u8(), at); break; // BINGET
      case 0x6a: memoGet(stream.u32(), at); break; // LONG_BINGET

      case 0x63: { const module = stream.line(); const name = stream.line(); global(module, name, at); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(at); const module = pop(at);
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL needs two strings', at);
        global(module, name, at);
        break;
      }
      case 0x52: { const args = pop(at); const callable = pop(at); push(call(callable, args, at)); break; } // REDUCE
      case 0x81: { const args = pop(at); const cls = pop(at); push(call(cls, args, at)); break; } // NEWOBJ
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop(at); const args = pop(at); const cls = pop(at);
        if (kwargs instanceof Map && kwargs.size > 0) throw new PickleError('NEWOBJ_EX with keyword arguments is not supported', at);
        push(call(cls, args, at));
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark(at);
        const cls = items.shift();
        push(call(cls, items, at));
        break;
      }
      case 0x69: { // INST
        const module = stream.line(); const name = stream.line();
        global(module, name, at);
        const cls = pop(at);
        push(call(cls, popMark(at), at));
        break;
      }
      case 0x62: { // BUILD
        const state = pop(at);
        const target = pop(at);
        const handler = typeof target === 'object' && target !== null ? builders.get(target) : undefined;
        push(handler?.build ? handler.build(target, state, stream) : defaultBuild(target, state, at));
        break;
      }
      case 0x50: case 0x51: throw new PickleError('persistent ids are not supported', at);
      case 0x82: case 0x83: case 0x84: throw new PickleError('extension registry codes are not supported', at);
      default:
        throw new PickleError(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, at);
    }
  }
}

