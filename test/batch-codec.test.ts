// The batch block codec (src/batch): the splitter cuts whole rows and numbers them across blocks, the decoders
// accept exactly what the single-row codec accepts and name row and column of what they refuse, and the encoder
// writes the single-row API's numbers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  BlockSplitter, createPlan, decodeColumnsBlock, decodeCsvBlock, decodeNdjsonBlock, decodeRecordsBlock, encodeBlock,
  encodeBlockColumns, headerLine, selectColumns, type BatchPlan, type DecodedBlock, type RowBlock,
} from '../src/batch/codec.js';
import { shortDecimal } from '../src/codecs/csv.js';
import { PredictionEncoder } from '../src/codecs/predictions.js';
import { rowsToFeeds } from '../src/codecs/rows.js';
import { ModelportError } from '../src/errors.js';
import { ModelRepository } from '../src/repository/repository.js';
import type { ReadyVersion } from '../src/repository/repository.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const FRAUD_CSV = readFileSync(`${EXAMPLES}data/transactions-sample.csv`);
const FRAUD_HEADER = 'amount,hour,distance_from_home_km,minutes_since_last,transactions_last_24h,card_present,foreign,merchant_risk,fraud';

function split(input: Buffer | string, options: { format: 'csv' | 'ndjson'; blockBytes?: number; maxRowBytes?: number }, chunkBytes = 65536) {
  const bytes = Buffer.from(input);
  const splitter = new BlockSplitter(options);
  const blocks: RowBlock[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) blocks.push(...splitter.push(bytes.subarray(at, at + chunkBytes)));
  blocks.push(...splitter.end());
  return { header: splitter.header, blocks, rows: splitter.rowsRead };
}

function thrown(fn: () => unknown): ModelportError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ModelportError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

describe('the block splitter', () => {
  it('cuts whole rows into blocks and numbers them, however the bytes arrive', () => {
    const whole = split(FRAUD_CSV, { format: 'csv', blockBytes: 4096 });
    assert.equal(whole.header, FRAUD_HEADER);
    assert.equal(whole.rows, 2000);
    assert.ok(whole.blocks.length > 10);
    let next = 1;
    for (const block of whole.blocks) {
      assert.equal(block.firstRow, next);
      assert.equal(block.bytes.toString().split('\n').filter((l) => l !== '').length, block.rows);
      assert.equal(block.bytes[block.bytes.length - 1], 0x0a, 'a block ends at a row end');
      next += block.rows;
    }
    assert.equal(next, 2001);
    const body = Buffer.concat(whole.blocks.map((b) => b.bytes)).toString();
    assert.equal(`${FRAUD_HEADER}\n${body}`, FRAUD_CSV.toString());
    for (const chunk of [1, 7, 4095]) {
      const bits = split(FRAUD_CSV, { format: 'csv', blockBytes: 4096 }, chunk);
      assert.equal(Buffer.concat(bits.blocks.map((b) => b.bytes)).toString(), body, `chunks of ${chunk}`);
      assert.equal(bits.rows, 2000);
    }
  });

  it('keeps a quoted newline in its row, drops a BOM, and counts neither empty lines nor CRLF', () => {
    const csv = '\uFEFF\r\nid,text\r\n1,"a\nb"\r\n\r\n\n2,"say ""hi""\n, twice"\n3,plain';
    for (const chunk of [1, 2, 3, 100]) {
      const { header, blocks, rows } = split(csv, { format: 'csv', blockBytes: 1 }, chunk);
      assert.equal(header, 'id,text');
      assert.equal(rows, 3);
      assert.deepEqual(blocks.map((b) => [b.firstRow, b.rows]), [[1, 1], [2, 1], [3, 1]], `chunks of ${chunk}`);
      assert.equal(blocks[1].bytes.toString().trim(), '2,"say ""hi""\n, twice"');
    }
  });

  it('refuses a row over the row-size limit by number, and a quote never closed', () => {
    const long = `a,b\n1,2\n3,${'x'.repeat(5000)}\n`;
    const e = thrown(() => split(long, { format: 'csv', maxRowBytes: 1000 }, 100));
    assert.equal(e.status, 413);
    assert.match(e.message, /^row 2 is longer than the limit of 1000 bytes/);
    assert.match(thrown(() => split(`${'h'.repeat(2000)}\n`, { format: 'csv', maxRowBytes: 1000 })).message, /the CSV header/);
    const open = thrown(() => split('a,b\n1,2\n3,"x\n', { format: 'csv' }));
    assert.equal(open.code, 'INVALID_CSV');
    assert.match(open.message, /row 2: a quoted field is not closed/);
  });

  it('cuts NDJSON at every newline (quotes mean nothing there)', () => {
    const { header, blocks, rows } = split('{"a":"\\""}\n\n{"a":1}\r\n{"a":2}', { format: 'ndjson', blockBytes: 1 }, 3);
    assert.equal(header, null);
    assert.equal(rows, 3);
    assert.deepEqual(blocks.map((b) => b.firstRow), [1, 2, 3]);
  });
});

describe('decoding and encoding blocks', () => {
  let repository: ModelRepository;
  let fraud: ReadyVersion;
  let iris: ReadyVersion;
  before(async () => {
    repository = await ModelRepository.open(`${EXAMPLES}models`);
    fraud = repository.ready('fraud');
    iris = repository.ready('iris');
  });
  after(() => repository.close());

  const fraudPlan = (onError: 'fail' | 'skip' | 'column' = 'fail') =>
    createPlan({ signature: fraud.signature, model: 'fraud', format: 'csv', header: FRAUD_HEADER, onError });

  it('decodes CSV to the feeds the single-row codec builds, and passes the unread column through', () => {
    const plan = fraudPlan();
    assert.deepEqual(plan.passthrough, ['fraud']);
    assert.deepEqual(selectColumns(plan), ['fraud', 'label', 'probability_legitimate', 'probability_fraud']);
    const { blocks } = split(FRAUD_CSV, { format: 'csv', blockBytes: 16384 });
    const lines = FRAUD_CSV.toString().trim().split('\n').slice(1).map((l) => l.split(','));
    for (const block of blocks) {
      const decoded = decodeCsvBlock(plan, block.bytes, block.firstRow);
      assert.equal(decoded.rows, block.rows);
      assert.deepEqual(decoded.errors, []);
      const rows = lines.slice(block.firstRow - 1, block.firstRow - 1 + block.rows);
      const objects = rows.map((r) => Object.fromEntries(FRAUD_HEADER.split(',').slice(0, 8).map((name, i) => [name, r[i]])));
      const expected = rowsToFeeds(fraud.signature, 'fraud', objects, { where: 'rows', single: false, textual: true });
      for (const [name, tensor] of Object.entries(expected)) {
        assert.deepEqual(decoded.feeds?.[name].dims, tensor.dims);
        assert.deepEqual(Array.from(decoded.feeds?.[name].data as Float64Array), Array.from(tensor.data as Float64Array));
      }
      assert.deepEqual(decoded.passthrough, rows.map((r) => [r[8]]));
    }
  });

  it('reads short decimals from bytes exactly as Number() does', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const samples = ['0', '-0', '+7', '.5', '7.', '-.25', '007.50', '0.1', '0.3', '123456789012345', '1.00000000000001',
      '9007199254740.991', '0.0000000000000000000001', '2.2250738585072014'];
    for (let i = 0; i < 20000; i++) {
      const digits = 1 + Math.floor(random() * 15);
      let s = '';
      for (let d = 0; d < digits; d++) s += Math.floor(random() * 10);
      const dot = Math.floor(random() * (digits + 1));
      samples.push(`${random() < 0.3 ? '-' : ''}${s.slice(0, dot)}.${s.slice(dot)}`);
    }
    for (const s of samples) {
      const bytes = Buffer.from(s);
      const value = shortDecimal(bytes, 0, bytes.length);
      if (value !== undefined) assert.ok(Object.is(value, Number(s)), s);
      else assert.ok(s.replace(/^[-+]?0*/, '').replace('.', '').length > 15 || s.split('.')[1]?.length > 22, s);
    }
    for (const s of ['', '.', '-', '1e5', '0x10', ' 1', '1 ', 'NaN', 'Infinity', '1.2.3', '1234567890123456']) {
      assert.equal(shortDecimal(Buffer.from(s), 0, s.length), undefined, s);
    }
  });

  const BAD = [
    '15.88,16,1.5,2051.1,4,1,0,0.221,id1',
    'abc,16,1.5,2051.1,4,1,0,0.221,id2',
    '15.88,16,1.5',
    '',
    '15.88,16.5,1.5,2051.1,4,1,0,0.221,id4',
    '15.88,16,1.5,2051.1,4,1,0,0.221,"id\n5"',
    '15.88,16,1.5,2051.1,4,1,0,0.221,id6,extra',
    '"1,5",16,1.5,2051.1,4,1,0,0.221,id7',
    '15.88,16,1.5,2051.1,4,1,0,0.221,id8',
  ].join('\r\n');
  const BAD_ERRORS = [
    { row: 2, column: 'amount', message: 'expected a number, got the string "abc"' },
    { row: 3, message: `expected 9 fields (${FRAUD_HEADER.replaceAll(',', ', ')}), got 3` },
    { row: 4, column: 'hour', message: 'expected an integer, got 16.5' },
    { row: 6, message: `expected 9 fields (${FRAUD_HEADER.replaceAll(',', ', ')}), got 10` },
    { row: 7, column: 'amount', message: 'expected a number, got the string "1,5"' },
  ];

  it('names row and column of a malformed row, in every mode', async () => {
    for (const onError of ['fail', 'skip', 'column'] as const) {
      const plan = fraudPlan(onError);
      const decoded = decodeCsvBlock(plan, Buffer.from(BAD), 1);
      if (onError === 'fail') {
        assert.deepEqual(decoded.errors, BAD_ERRORS.slice(0, 1));
        assert.equal(decoded.feeds, null);
        continue;
      }
      assert.equal(decoded.rows, 8);
      assert.deepEqual(decoded.errors, BAD_ERRORS);
      assert.deepEqual(Array.from(decoded.scoredIndex), [0, -1, -1, -1, 1, -1, -1, 2]);
      assert.deepEqual(decoded.passthrough.map((p) => p[0]), ['id1', 'id2', '', 'id4', 'id\n5', '', 'id7', 'id8']);
      const outputs = await fraud.runner.run(decoded.feeds as NonNullable<DecodedBlock['feeds']>);
      const lines = encodeBlock(plan, outputs, decoded, 'csv').trimEnd().split('\n');
      if (onError === 'skip') {
        assert.deepEqual(lines.map((l) => l.split(',')[0]), ['id1', '"id', '5"', 'id8']);
      } else {
        assert.equal(headerLine(plan, 'csv'), 'fraud,label,probability_legitimate,probability_fraud,error\n');
        assert.equal(lines[1], 'id2,,,,"row 2, column \'amount\': expected a number, got the string ""abc"""');
        assert.equal(lines[2], `,,,,"row 3: ${BAD_ERRORS[1].message}"`);
        assert.match(lines[0], /^id1,legitimate,[\d.e-]+,[\d.e-]+,$/);
      }
    }
  });

  it('refuses a header without a feature the model needs, and a pass-through clash', () => {
    const e = thrown(() => createPlan({ signature: fraud.signature, model: 'fraud', format: 'csv', header: 'amount,hour', onError: 'skip' }));
    assert.equal(e.status, 400);
    assert.match(e.message, /lacks the columns 'distance_from_home_km', .*'merchant_risk'/);
    assert.match(thrown(() => createPlan({ signature: fraud.signature, model: 'fraud', format: 'csv', header: 'a,a', onError: 'fail' })).message, /twice/);
    assert.match(thrown(() => selectColumns(fraudPlan(), ['label', 'nope'])).message, /no output column 'nope'/);
  });

  it('writes the numbers of the single-row API, as CSV, NDJSON and columns, with a column choice', async () => {
    const plan = createPlan({ signature: iris.signature, model: 'iris', format: 'csv', header: 'id,sepal_length,sepal_width,petal_length,petal_width', onError: 'fail' });
    const rows = [['a', 5.1, 3.5, 1.4, 0.2], ['b', 6.2, 2.9, 4.3, 1.3], ['c', 6.7, 3.0, 5.2, 2.3]];
    const decoded = decodeCsvBlock(plan, Buffer.from(rows.map((r) => r.join(',')).join('\n')), 1);
    const outputs = await iris.runner.run(decoded.feeds as NonNullable<DecodedBlock['feeds']>);
    const predictions = new PredictionEncoder(iris.signature).encode(outputs, 3);
    const ndjson = encodeBlock(plan, outputs, decoded, 'ndjson').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(ndjson, predictions.map((p, i) => ({ id: rows[i][0], ...p })));
    const csv = encodeBlock(plan, outputs, decoded, 'csv').trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(csv, predictions.map((p, i) => [rows[i][0], p.label, ...Object.values(p.probabilities as object).map(String)]));
    const chosen = ['probability_virginica', 'label'];
    assert.equal(headerLine(plan, 'csv', chosen), 'probability_virginica,label\n');
    const probabilities = predictions.map((p) => (p.probabilities as Record<string, number>).virginica);
    assert.deepEqual(encodeBlock(plan, outputs, decoded, 'csv', chosen).trim().split('\n'), predictions.map((p, i) => `${probabilities[i]},${p.label}`));
    assert.deepEqual(encodeBlock(plan, outputs, decoded, 'ndjson', chosen).trim().split('\n').map((l) => JSON.parse(l)),
      predictions.map((p, i) => ({ label: p.label, probabilities: { virginica: probabilities[i] } })));
    const columns = encodeBlockColumns(plan, outputs, decoded, ['id', 'label', 'probability_virginica']);
    assert.deepEqual(columns.map((c) => [c.name, c.kind, Array.from(c.values as ArrayLike<unknown>)]), [
      ['id', 'string', ['a', 'b', 'c']],
      ['label', 'string', predictions.map((p) => p.label)],
      ['probability_virginica', 'double', probabilities],
    ]);
  });

  it('decodes NDJSON, records and columns like the JSON API, pass-through values kept as JSON', async () => {
    const names = iris.signature.features?.map((f) => f.name) ?? [];
    const rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]];
    const objects = rows.map((r, i) => ({ id: i === 0 ? 'x' : 7, ...Object.fromEntries(names.map((n, j) => [n, r[j]])) }));
    const expected = rowsToFeeds(iris.signature, 'iris', rows, { where: 'rows', single: false, textual: false });
    const plan = (format: 'ndjson' | 'parquet', header?: string[]): BatchPlan =>
      createPlan({ signature: iris.signature, model: 'iris', format, header: header ?? null, passthrough: ['id'], onError: 'column' });
    const ndjson = `${objects.map((o) => JSON.stringify(o)).join('\n')}\n{"sepal_length": "wide"}\n[1,2]\nnot json\n`;
    const fromNdjson = decodeNdjsonBlock(plan('ndjson'), Buffer.from(ndjson), 1);
    const fromRecords = decodeRecordsBlock(plan('parquet'), objects, 1, false);
    const columns: Record<string, unknown[]> = Object.fromEntries(['id', ...names].map((n) => [n, objects.map((o) => (o as Record<string, unknown>)[n])]));
    const fromColumns = decodeColumnsBlock(plan('parquet', ['id', ...names]), columns, 2, 1, false);
    for (const decoded of [fromNdjson, fromRecords, fromColumns]) {
      const [name, tensor] = Object.entries(expected)[0];
      assert.deepEqual(Array.from(decoded.feeds?.[name].data as Float64Array), Array.from(tensor.data as Float64Array));
      assert.deepEqual(decoded.passthrough.slice(0, 2), [['"x"'], ['7']]);
    }
    assert.deepEqual(fromNdjson.errors.map((e) => [e.row, e.column, e.message.slice(0, 30)]), [
      [3, 'sepal_length', 'expected a number, got the str'],
      [4, undefined, 'expected 4 values (sepal_lengt'],
      [5, undefined, 'not valid JSON: Unexpected tok'],
    ]);
    const outputs = await iris.runner.run(fromNdjson.feeds as NonNullable<DecodedBlock['feeds']>);
    const csv = encodeBlock(plan('ndjson'), outputs, fromNdjson, 'csv').split('\n');
    assert.match(csv[0], /^x,setosa,/);
    assert.match(csv[1], /^7,virginica,/);
    const back = encodeBlock(plan('ndjson'), outputs, fromNdjson, 'ndjson').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual([back[0].id, back[1].id, back[2]], ['x', 7, { id: null, error: "row 3, column 'sepal_length': expected a number, got the string \"wide\"" }]);
  });
});
