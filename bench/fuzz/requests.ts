// The fuzzer's requests: valid requests to the example models, then mutated — JSON structure, bytes, headers,
// methods, paths, content codings and HTTP framing. Every request is a pure function of (seed, index).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { RawRequest } from './raw-http.js';

/** mulberry32: small, fast, seedable. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** What the fuzzer expects of a request. */
export type Expectation =
  /** Unmodified: a 2xx answer. */
  | 'valid'
  /** Well-formed HTTP, anything in the body/headers/path: an answer below 500. */
  | 'answer'
  /** Malformed HTTP or an oversized body: an answer below 500 or a closed connection, never a hang. */
  | 'answer-or-close';

export interface FuzzRequest {
  category: string;
  description: string;
  expect: Expectation;
  /** Needs a connection of its own (framing that may leave bytes behind, or a half-close). */
  fresh: boolean;
  raw: RawRequest;
}

// ---------- valid requests to the example models ----------

/** Raw JSON text inside a tree (numbers JSON.stringify cannot write, deep nesting, invalid tokens). */
class Raw {
  constructor(readonly text: string) {}
}

/** An object as a list of entries, so that keys may repeat. */
class Entries {
  constructor(readonly entries: [string, unknown][]) {}
}

type Tree = unknown;

function toTree(value: unknown): Tree {
  if (Array.isArray(value)) return value.map(toTree);
  if (value !== null && typeof value === 'object') return new Entries(Object.entries(value).map(([k, v]) => [k, toTree(v)]));
  return value;
}

function serialize(tree: Tree): string {
  if (tree instanceof Raw) return tree.text;
  if (tree instanceof Entries) return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
  if (Array.isArray(tree)) return `[${tree.map(serialize).join(',')}]`;
  return JSON.stringify(tree) ?? 'null';
}

interface Base {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body (as a tree), or another body with its content type. */
  json?: unknown;
  body?: { type: string; text: string };
}

export function exampleBases(root: string): Base[] {
  const expected = (name: string) => JSON.parse(readFileSync(join(root, 'examples', 'expected', `${name}.json`), 'utf8'));
  const iris = expected('iris');
  const diabetes = expected('diabetes');
  const fraud = expected('fraud');
  const sentiment = expected('sentiment');
  const record = (e: { features: string[] }, row: number[]) => Object.fromEntries(e.features.map((f, j) => [f, row[j]]));
  const query = (o: Record<string, unknown>) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)])).toString();
  return [
    { name: 'iris-object', method: 'POST', path: '/models/iris/predict', json: record(iris, iris.rows[0]) },
    { name: 'iris-rows', method: 'POST', path: '/models/iris/predict', json: iris.rows },
    { name: 'iris-instances', method: 'POST', path: '/models/iris/predict', json: { instances: iris.rows.map((r: number[]) => record(iris, r)) } },
    { name: 'iris-csv', method: 'POST', path: '/models/iris/predict', body: { type: 'text/csv', text: `${iris.features.join(',')}\n${iris.rows.map((r: number[]) => r.join(',')).join('\n')}\n` } },
    { name: 'iris-query', method: 'GET', path: `/models/iris/predict?${query(record(iris, iris.rows[1]))}` },
    { name: 'iris-version', method: 'POST', path: '/models/iris/versions/1/predict', json: record(iris, iris.rows[2]) },
    { name: 'diabetes-data', method: 'POST', path: '/models/diabetes/predict', json: { data: diabetes.rows[0].join(',') } },
    { name: 'diabetes-missing', method: 'POST', path: '/models/diabetes/predict', json: { ...record(diabetes, diabetes.rows[1]), blood_pressure: null } },
    { name: 'fraud-batch', method: 'POST', path: '/models/fraud/predict', json: { instances: fraud.rows.map((r: number[]) => record(fraud, r)) } },
    { name: 'fraud-explain', method: 'POST', path: '/models/fraud/explain', json: record(fraud, fraud.rows[0]) },
    { name: 'sentiment-query', method: 'GET', path: `/models/sentiment/predict?${query({ query: sentiment.queries[0] })}` },
    { name: 'sentiment-form', method: 'POST', path: '/models/sentiment/predict', body: { type: 'application/x-www-form-urlencoded', text: query({ query: sentiment.queries[1] }) } },
    { name: 'sentiment-json', method: 'POST', path: '/models/sentiment/predict', json: { query: sentiment.queries[2] } },
    { name: 'v2-iris', method: 'POST', path: '/v2/models/iris/infer', json: { id: 'fuzz', inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP64', data: iris.rows.slice(0, 2).flat() }] } },
    { name: 'v2-diabetes', method: 'POST', path: '/v2/models/diabetes/infer', json: { inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: [1, 106, null, 28, 135, 34.2, 0.142, 22] }], outputs: [{ name: 'probabilities' }] } },
    { name: 'v2-sentiment', method: 'POST', path: '/v2/models/sentiment/infer', json: { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [sentiment.queries[3]] }] } },
    ...['/', '/models', '/models/iris', '/models/fraud/versions/1', '/v2', '/v2/models/diabetes', '/v2/models/iris/ready', '/v2/health/ready', '/v2/health/live', '/healthz', '/readyz', '/openapi.json']
      .map((path): Base => ({ name: `get ${path}`, method: 'GET', path })),
  ];
}

// ---------- building HTTP bytes ----------

type Headers = [string, string][];

function head(method: string, path: string, headers: Headers, version = 'HTTP/1.1'): string {
  return `${method} ${path} ${version}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

function withLength(method: string, path: string, headers: Headers, body: Buffer): Buffer {
  const h: Headers = body.length || method === 'POST' ? [...headers, ['content-length', String(body.length)]] : headers;
  return Buffer.concat([Buffer.from(head(method, path, h), 'latin1'), body]);
}

function chunked(body: Buffer, rng: Rng): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const size = Math.min(body.length - at, 1 + rng.int(Math.max(1, Math.ceil(body.length / 3))));
    parts.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

const HOST: [string, string] = ['host', '127.0.0.1'];

function baseBody(base: Base): { type?: string; bytes: Buffer } {
  if (base.json !== undefined) return { type: 'application/json', bytes: Buffer.from(serialize(toTree(base.json))) };
  if (base.body) return { type: base.body.type, bytes: Buffer.from(base.body.text) };
  return { bytes: Buffer.alloc(0) };
}

function simple(base: Base, headers: Headers, body: Buffer, category: string, description: string, expect: Expectation, method: string = base.method, path = base.path): FuzzRequest {
  return { category, description, expect, fresh: false, raw: { parts: [withLength(method, path, [HOST, ...headers], body)], head: method === 'HEAD' } };
}

// ---------- JSON structure ----------

const HUGE_NUMBERS = ['1e309', '-1e309', '1e-400', '123456789012345678901234567890', '-0', '9007199254740993', '1.7976931348623157e308',
  '5e-324', `${'0'.repeat(500)}1`, `1${'0'.repeat(400)}`, '3.4028235677973366e38', '-3.5e38', '1E+2', '0.1e1'];
const BAD_TOKENS = ['NaN', 'Infinity', '-Infinity', '0x10', '01', '1.', '.5', '+1', 'undefined', '1_000', "'a'", 'nul', 'tru', '"unterminated'];
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'x'.repeat(10_000), '\u0000', '🙂', 'instances', 'inputs', 'data', 'query'];

function deep(rng: Rng): Raw {
  const depth = rng.pick([10, 100, 1000, 10_000, 100_000]);
  return rng.chance(0.5) ? new Raw(`${'['.repeat(depth)}1${']'.repeat(depth)}`) : new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

function nasty(rng: Rng): Tree {
  switch (rng.int(12)) {
    case 0: case 1: return new Raw(rng.pick(HUGE_NUMBERS));
    case 2: return new Raw(rng.pick(BAD_TOKENS));
    case 3: return rng.pick(['', 'abc', '5.1', 'NaN', 'Infinity', ' 5 ', '1e999', '\u0000', '🙂', '\ud800', '<script>', '__proto__', 'x'.repeat(rng.pick([100, 100_000]))]);
    case 4: return rng.pick([null, true, false, 0, -1, 1.5]);
    case 5: return rng.pick([[], new Entries([]), [1, 2, 3], new Entries([['a', 1]]), [[1, 2], [3, 4]], [null]]);
    case 6: return deep(rng);
    case 7: return new Raw(`[${new Array(rng.pick([1000, 100_000])).fill(rng.pick(['1', '1.5', 'null', '"a"', '[1,2,3,4]'])).join(',')}]`);
    case 8: return new Entries(Array.from({ length: rng.pick([100, 10_000]) }, (_, i) => [`k${i}`, i]));
    case 9: return new Raw('"\\ud800\\udc00\\u0000\\uffff"');
    case 10: return new Entries([['__proto__', new Entries([['polluted', 1], ['sepal_length', 1]])]]);
    default: return rng.int(1e6) * (rng.chance(0.5) ? -1 : 1) / rng.pick([1, 3, 7, 1e-300]);
  }
}

/** Every container in the tree, with the tree itself. */
function containers(tree: Tree, out: (Entries | Tree[])[] = []): (Entries | Tree[])[] {
  if (tree instanceof Entries) {
    out.push(tree);
    for (const [, v] of tree.entries) containers(v, out);
  } else if (Array.isArray(tree)) {
    out.push(tree);
    for (const v of tree) containers(v, out);
  }
  return out;
}

function mutateTree(tree: Tree, rng: Rng): { tree: Tree; what: string } {
  const all = containers(tree);
  if (all.length === 0 || rng.chance(0.05)) return { tree: nasty(rng), what: 'whole body replaced' };
  const c = rng.pick(all);
  if (c instanceof Entries) {
    const op = rng.int(5);
    if (op === 0 && c.entries.length) {
      c.entries.splice(rng.int(c.entries.length), 1);
      return { tree, what: 'key deleted' };
    }
    if (op === 1 && c.entries.length) {
      const [k, v] = rng.pick(c.entries);
      c.entries.push([k, rng.chance(0.5) ? v : nasty(rng)]);
      return { tree, what: `duplicate key ${k}` };
    }
    if (op === 2) {
      const key = rng.pick(ODD_KEYS);
      c.entries.splice(rng.int(c.entries.length + 1), 0, [key, nasty(rng)]);
      return { tree, what: `key ${JSON.stringify(key.slice(0, 20))} added` };
    }
    if (c.entries.length === 0) return { tree, what: 'nothing' };
    const at = rng.int(c.entries.length);
    c.entries[at] = [c.entries[at][0], nasty(rng)];
    return { tree, what: `value of ${c.entries[at][0]} replaced` };
  }
  const op = rng.int(4);
  if (op === 0 && c.length) {
    c.splice(rng.int(c.length), 1);
    return { tree, what: 'element deleted' };
  }
  if (op === 1) {
    c.push(c.length && rng.chance(0.5) ? c[rng.int(c.length)] : nasty(rng));
    return { tree, what: 'element added' };
  }
  if (c.length === 0) return { tree, what: 'nothing' };
  c[rng.int(c.length)] = nasty(rng);
  return { tree, what: 'element replaced' };
}

// ---------- bytes ----------

const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xfe, 0xff], [0x80]];

function mutateBytes(body: Buffer, rng: Rng): { bytes: Buffer; what: string } {
  const at = rng.int(body.length + 1);
  switch (rng.int(9)) {
    case 0: return { bytes: body.subarray(0, at), what: `truncated at ${at}` };
    case 1: return { bytes: Buffer.concat([body.subarray(0, at), body.subarray(Math.min(body.length, at + 1 + rng.int(8)))]), what: 'bytes removed' };
    case 2: return { bytes: Buffer.concat([body.subarray(0, at), Buffer.from(INVALID_UTF8[rng.int(INVALID_UTF8.length)]), body.subarray(at)]), what: 'invalid UTF-8' };
    case 3: {
      const out = Buffer.from(body);
      for (let i = 0; i < 1 + rng.int(4) && out.length; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return { bytes: out, what: 'bits flipped' };
    }
    case 4: return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]), what: 'byte-order mark' };
    case 5: return { bytes: Buffer.concat([body.subarray(0, at), Buffer.from([0]), body.subarray(at)]), what: 'NUL byte' };
    case 6: return { bytes: Buffer.from(Array.from({ length: rng.int(256) }, () => rng.int(256))), what: 'random bytes' };
    case 7: return { bytes: Buffer.concat([body, body]), what: 'body twice' };
    default: return { bytes: Buffer.from(rng.pick(['', ' ', '\n', 'null', '0', '""', '[]', '{}', '[{}]', '[[]]', 'true', '{"instances":[]}', '{"inputs":[]}'])), what: 'tiny body' };
  }
}

// ---------- headers ----------

const CONTENT_TYPES = ['text/plain', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/JSON', 'APPLICATION/JSON',
  'application/json;', 'application/json ;charset=utf-16', 'application/jsonx', 'application/vnd.api+json', 'multipart/form-data',
  'multipart/form-data; boundary=x', 'text/csv', 'text/csv; charset=utf-8', 'application/csv', 'application/x-www-form-urlencoded',
  'application/octet-stream', '*/*', '', ';;;', 'a'.repeat(5000), 'application/json\t', 'text/csv; header=present', 'application/x-ndjson'];

function mutateHeaders(body: Buffer, type: string | undefined, rng: Rng): { headers: Headers; body: Buffer; what: string; chunk?: boolean } {
  const ct: Headers = type ? [['content-type', type]] : [];
  switch (rng.int(12)) {
    case 0: {
      const t = rng.pick(CONTENT_TYPES);
      return { headers: rng.chance(0.1) ? [] : [['content-type', t]], body, what: `content-type ${JSON.stringify(t.slice(0, 40))}` };
    }
    case 1: {
      const coding = rng.pick(['gzip', 'deflate', 'br', 'gzip-fake', 'x-garbage', 'gzip, deflate', 'identity', '', 'compress']);
      const encoded = coding === 'gzip' ? gzipSync(body) : coding === 'deflate' ? deflateSync(body) : coding === 'br' ? brotliCompressSync(body) : body;
      return { headers: [...ct, ['content-encoding', coding.replace('-fake', '')]], body: encoded, what: `content-encoding ${coding}` };
    }
    case 2: return { headers: [...ct, ['accept', rng.pick(['text/csv', 'application/xml', '*/*', 'garbage', 'application/json;q=0', ''])]], body, what: 'accept' };
    case 3: return { headers: [...ct, ['x-request-id', rng.pick(['a'.repeat(200), '../../etc', '\u00ff\u00fe', 'id with spaces', '', '{"x":1}'])]], body, what: 'x-request-id' };
    case 4: return { headers: [...ct, ['authorization', rng.pick(['Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${'a'.repeat(8000)}`, 'garbage'])], ['x-api-key', 'x']], body, what: 'authorization' };
    case 5: return { headers: [...ct, ['expect', rng.pick(['100-continue', 'garbage'])]], body, what: 'expect' };
    case 6: return { headers: [...ct, ['connection', 'upgrade'], ['upgrade', rng.pick(['websocket', 'h2c', 'garbage'])]], body, what: 'upgrade' };
    case 7: return { headers: [...ct, ...Array.from({ length: rng.pick([50, 500]) }, (_, i): [string, string] => [`x-fuzz-${i}`, String(i)])], body, what: 'many headers' };
    case 8: return { headers: [...ct, ['x-big', 'b'.repeat(rng.pick([8000, 70_000]))]], body, what: 'big header' };
    case 9: return { headers: [...ct, ['content-type', rng.pick(CONTENT_TYPES)]], body, what: 'two content-types' };
    case 10: return { headers: [...ct, ['origin', 'http://evil.example'], ['cookie', 'a=b'], ['range', 'bytes=0-10']], body, what: 'origin, cookie, range' };
    default: return { headers: [...ct, ['transfer-encoding', 'chunked']], body, what: 'chunked', chunk: true };
  }
}

// ---------- methods and paths ----------

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH'];

function mutatePath(path: string, rng: Rng): string {
  const [p, q] = path.split('?');
  switch (rng.int(12)) {
    case 0: return p.replace(/\/(iris|diabetes|fraud|sentiment)/, `/${rng.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '..', '.', 'IRIS', '%69ris', 'ïris', 'iris%2Fpredict', '%00', 'x'.repeat(300)])}`);
    case 1: return `${p}${rng.pick(['%00', '%ff', '%zz', '%', '/', '//', '/.', '/..', ';a=b', '#frag', '%2e%2e'])}`;
    case 2: return p.replace(/^\//, rng.pick(['//', '/./', '/../', '/%2F']));
    case 3: return p.replace(/\/models\/(\w+)\//, (_, m: string) => `/models/${m}/versions/${rng.pick(['0', '-1', '1.0', '1e3', '99999999999999999999', 'abc', '__proto__', '%20', '2', ''])}/`);
    case 4: return `${p}?${rng.pick(['a=1&a=2', '__proto__[x]=1', 'constructor.prototype.x=1', `${'q=1&'.repeat(2000)}`, 'query', 'query=&query=', '=', '&&&', 'query=%zz', 'x'.repeat(10_000)])}`;
    case 5: return `${p}?${q ?? ''}&${q ?? 'sepal_length=1'}`;
    case 6: return `/${'a/'.repeat(rng.pick([10, 1000]))}`;
    case 7: return p.toUpperCase();
    case 8: return `http://127.0.0.1${path}`;
    case 9: return path.replace(/=[^&]*/, `=${rng.pick(['', '%00', 'NaN', '1e999', '-0', 'x'.repeat(5000), '%F0%9F%99%82', '%ED%A0%80'])}`);
    case 10: return '*';
    default: return p.replace('/predict', rng.pick(['/infer', '/explain', '/ready', '/predict/', '/predictx', '']));
  }
}

// ---------- HTTP framing ----------

function malformed(base: Base, rng: Rng): FuzzRequest {
  const { type, bytes } = baseBody(base);
  const headers: Headers = [HOST, ...(type ? [['content-type', type] as [string, string]] : [])];
  const good = withLength(base.method, base.path, headers, bytes);
  const text = good.toString('latin1');
  const make = (description: string, parts: Buffer[], halfClose = true, partDelayMs?: number): FuzzRequest => ({
    category: 'framing', description, expect: 'answer-or-close', fresh: true,
    raw: { parts, halfClose, ...(partDelayMs ? { partDelayMs } : {}) },
  });
  const b = (s: string) => Buffer.from(s, 'latin1');
  const cut = rng.int(good.length);
  switch (rng.int(22)) {
    case 0: return make('request cut short', [good.subarray(0, cut)]);
    case 1: return make('LF line endings', [b(text.replace(/\r\n/g, '\n'))]);
    case 2: return make('no Host', [b(text.replace(/host: [^\r]*\r\n/i, ''))]);
    case 3: return make('bad version', [b(text.replace('HTTP/1.1', rng.pick(['HTTP/9.9', 'HTTP/1', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 x', ''])))]);
    case 4: return make('HTTP/1.0', [b(text.replace('HTTP/1.1', 'HTTP/1.0'))]);
    case 5: return make('odd method', [b(text.replace(/^\w+/, rng.pick(['FOO', 'get', 'G@T', '', 'POST POST', 'CONNECT', 'PRI'])))]);
    case 6: return make('HTTP/2 preface', [b('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), good]);
    case 7: return make('random bytes', [Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256)))]);
    case 8: return make('TLS ClientHello', [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, ...Array.from({ length: 64 }, () => rng.int(256))])]);
    case 9: return make('header without colon', [b(text.replace('\r\n', `\r\n${rng.pick(['garbage', 'bad header: x', ' folded', 'x\u0000y: 1', 'é: 1'])}\r\n`))]);
    case 10: return make('request line 100 KB', [b(text.replace(base.path, `${base.path}${base.path.includes('?') ? '&' : '?'}${'x'.repeat(100_000)}`))]);
    case 11: return make('Content-Length and chunked', [b(head(base.method, base.path, [...headers, ['content-length', String(bytes.length)], ['transfer-encoding', 'chunked']])), chunked(bytes, rng)]);
    case 12: return make('two Content-Lengths', [b(head(base.method, base.path, [...headers, ['content-length', String(bytes.length)], ['content-length', String(bytes.length + 5)]])), bytes]);
    case 13: return make('bad Content-Length', [b(head(base.method, base.path, [...headers, ['content-length', rng.pick(['-1', 'abc', '1e3', '99999999999999999999', '0x10', ' 5', '18446744073709551616'])]])), bytes]);
    case 14: return make('Content-Length too long', [b(head(base.method, base.path, [...headers, ['content-length', String(bytes.length + 1 + rng.int(100))]])), bytes]);
    case 15: return make('Content-Length too short, then garbage', [b(head(base.method, base.path, [...headers, ['content-length', String(Math.max(0, bytes.length - 1 - rng.int(10)))]])), bytes]);
    case 16: return make('bad chunk size', [b(head(base.method, base.path, [...headers, ['transfer-encoding', 'chunked']])), b(`${rng.pick(['zz', 'ffffffffffffffffffff', '-1', '5;ext=1', ''])}\r\n`), bytes, b('\r\n0\r\n\r\n')]);
    case 17: return make('chunked without the last chunk', [b(head(base.method, base.path, [...headers, ['transfer-encoding', 'chunked']])), chunked(bytes, rng).subarray(0, -5)]);
    case 18: return make('chunked with trailers', [b(head(base.method, base.path, [...headers, ['transfer-encoding', 'chunked']])), chunked(bytes, rng).subarray(0, -2), b('x-trailer: 1\r\n\r\n')], false);
    case 19: return make('slow client', Array.from({ length: 3 }, (_, i) => good.subarray(Math.floor((i * good.length) / 3), Math.floor(((i + 1) * good.length) / 3))), false, 5 + rng.int(30));
    case 20: return make('declared over the body limit', [b(head('POST', base.path, [HOST, ['content-type', 'application/json'], ['content-length', String(16 * 1024 * 1024 + 1 + rng.int(1e9))]])), Buffer.alloc(64 * 1024, 0x20)]);
    default: return make('pipelined', [good, good, good], false);
  }
}

const HOST_LINE = Buffer.from('\r\nhost: 127.0.0.1\r\n', 'latin1');

/** Names the request `fuzz-<index>` (X-Request-Id) so that a server log line leads back to it. */
function tagged(request: FuzzRequest, index: number): FuzzRequest {
  const first = request.raw.parts[0];
  const at = first?.indexOf(HOST_LINE) ?? -1;
  if (at < 0) return request;
  const end = at + HOST_LINE.length;
  const part = Buffer.concat([first.subarray(0, end), Buffer.from(`x-request-id: fuzz-${index}\r\n`), first.subarray(end)]);
  return { ...request, raw: { ...request.raw, parts: [part, ...request.raw.parts.slice(1)] } };
}

/** The request number `index` of a run seeded with `seed`. */
export function fuzzRequest(bases: readonly Base[], seed: number, index: number): FuzzRequest {
  return tagged(untagged(bases, seed, index), index);
}

function untagged(bases: readonly Base[], seed: number, index: number): FuzzRequest {
  const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const base = rng.pick(bases);
  const { type, bytes } = baseBody(base);
  const ct: Headers = type ? [['content-type', type]] : [];
  const roll = rng.next();
  if (roll < 0.08) return simple(base, ct, bytes, 'valid', base.name, 'valid');
  if (roll < 0.4 && base.json !== undefined) {
    let tree = toTree(base.json);
    const what: string[] = [];
    for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
      const m = mutateTree(tree, rng);
      tree = m.tree;
      what.push(m.what);
    }
    return simple(base, ct, Buffer.from(serialize(tree)), 'json', `${base.name}: ${what.join(', ')}`, 'answer');
  }
  if (roll < 0.58 && bytes.length) {
    const m = mutateBytes(bytes, rng);
    return simple(base, ct, m.bytes, 'bytes', `${base.name}: ${m.what}`, 'answer');
  }
  if (roll < 0.74) {
    const m = mutateHeaders(bytes, type, rng);
    if (m.chunk) {
      return { category: 'headers', description: `${base.name}: ${m.what}`, expect: 'answer', fresh: false, raw: { parts: [Buffer.from(head(base.method, base.path, [HOST, ...m.headers]), 'latin1'), chunked(m.body, rng)] } };
    }
    // A header over Node's 16 KB limit is refused with 431 and the connection closed.
    const expect: Expectation = m.what === 'big header' || m.what === 'many headers' ? 'answer-or-close' : 'answer';
    return { ...simple(base, m.headers, m.body, 'headers', `${base.name}: ${m.what}`, expect), fresh: expect !== 'answer' };
  }
  if (roll < 0.86) {
    const method = rng.chance(0.5) ? rng.pick(METHODS) : base.method;
    const path = rng.chance(0.7) ? mutatePath(base.path, rng) : base.path;
    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : bytes;
    // Paths Node's parser refuses (a request line over its limit, a space) close the connection.
    return { ...simple(base, body.length ? ct : [], body, 'method-path', `${method} ${path.slice(0, 80)}`, 'answer-or-close', method, path), fresh: true };
  }
  return malformed(base, rng);
}
