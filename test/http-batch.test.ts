// Batch scoring over HTTP: CSV and NDJSON bodies stream through POST /models/{name}/predict, answered in order
// with the single-row API's numbers, malformed rows handled as ?on_error says, memory flat whatever the size.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { request, startServer, type TestServer } from './helpers/server.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const FRAUD_COLUMNS = ['amount', 'hour', 'distance_from_home_km', 'minutes_since_last', 'transactions_last_24h', 'card_present', 'foreign', 'merchant_risk'];

/** A made-up but valid fraud transaction, numbered. */
function fraudRow(i: number): string {
  return `${((i % 997) * 1.37).toFixed(2)},${i % 24},${(i % 113) * 0.7},${((i % 5000) * 0.9).toFixed(1)},${i % 17},${i % 2},${(i >> 1) % 2},${(i % 1000) / 1000},t${i}`;
}

interface Streamed {
  status: number;
  headers: http.IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  lines: number;
  /** The last two lines of the answer. */
  last: string[];
  /** Answer lines by number (0: the header), for the numbers asked for. */
  kept: Map<number, string>;
  peakRss: number;
}

interface StreamOptions {
  /** Runs once the answer has begun. */
  during?: () => Promise<void>;
  /** Answer line numbers to keep. */
  keep?: number[];
}

/**
 * Streams `rows` generated rows (a CSV header first) to the server without holding them, reads the answer line by
 * line without keeping it, and samples the process's RSS meanwhile.
 */
function streamRows(url: string, path: string, rows: number, row: (i: number) => string, header: string, options: StreamOptions = {}): Promise<Streamed> {
  const { during, keep = [] } = options;
  return new Promise((resolve, reject) => {
    let peakRss = 0;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    // A connection of its own: the server closes it when it stops reading a body early.
    const req = http.request(`${url}${path}`, { agent: false, method: 'POST', headers: { 'content-type': 'text/csv' } }, (res) => {
      let lines = 0;
      let partial = '';
      let last: string[] = [];
      const kept = new Map<number, string>();
      let started = false;
      res.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        parts.forEach((line, i) => keep.includes(lines + i) && kept.set(lines + i, line));
        lines += parts.length;
        last = [...last, ...parts].slice(-2);
        if (!started && during) {
          started = true;
          during().catch(reject);
        }
      });
      res.on('end', () => {
        clearInterval(sample);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, lines, last, kept, peakRss });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    let i = 0;
    const write = () => {
      while (i < rows) {
        let chunk = i === 0 ? `${header}\n` : '';
        for (let k = 0; k < 2000 && i < rows; k++, i++) chunk += `${row(i)}\n`;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

function csvLines(text: string): string[][] {
  return text.trim().split('\n').map((l) => l.split(','));
}

describe('batch scoring over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer(`${EXAMPLES}models`);
  });
  after(() => s.close());

  const post = (path: string, body: string, type = 'text/csv', headers: Record<string, string> = {}) =>
    fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });

  /** The single-row API's predictions for rows of named features. */
  const single = async (model: string, rows: Record<string, unknown>[]) => {
    const r = await request(`${s.url}/models/${model}/predict`, { json: { instances: rows } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.predictions as { label: string; probabilities: Record<string, number> }[];
  };

  /** Streams a CSV file with an id/pass-through column and checks every answer against the single-row API. */
  const sameAsSingleRow = async (model: string, csv: string, features: string[], passthrough: string) => {
    const res = await post(`/models/${model}/predict`, csv);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const [header, ...rows] = csvLines(await res.text());
    const input = csvLines(csv);
    const names = input[0];
    const objects = input.slice(1).map((r) => Object.fromEntries(features.map((f) => [f, Number(r[names.indexOf(f)])])));
    const expected = await single(model, objects);
    const classes = Object.keys(expected[0].probabilities);
    assert.deepEqual(header, [passthrough, 'label', ...classes.map((c) => `probability_${c}`)]);
    assert.equal(rows.length, expected.length);
    rows.forEach((row, i) => {
      assert.equal(row[0], input[i + 1][names.indexOf(passthrough)]);
      assert.equal(row[1], expected[i].label);
      assert.deepEqual(row.slice(2).map(Number), classes.map((c) => expected[i].probabilities[c]));
    });
  };

  it('fraud: 2,000 transactions answer as the single-row API does, the fraud column passed through', async () => {
    await sameAsSingleRow('fraud', readFileSync(`${EXAMPLES}data/transactions-sample.csv`, 'utf8'), FRAUD_COLUMNS, 'fraud');
  });

  it('diabetes (XGBoost) and iris (a tree) answer as the single-row API does', async () => {
    const pima = readFileSync(`${EXAMPLES}data/pima-indians-diabetes.csv`, 'utf8');
    await sameAsSingleRow('diabetes', pima, pima.split('\n')[0].split(',').slice(0, 8), 'diabetes');
    const iris = JSON.parse(readFileSync(`${EXAMPLES}expected/iris.json`, 'utf8')) as { features: string[]; rows: number[][] };
    await sameAsSingleRow('iris', [['id', ...iris.features].join(','), ...iris.rows.map((r, i) => [`flower${i}`, ...r].join(','))].join('\n'), iris.features, 'id');
  });

  it('sentiment: a text column, quoted where the text holds commas or quotes', async () => {
    const phrases = readFileSync(`${EXAMPLES}data/sentiment-phrases.csv`, 'utf8').trim().split('\n').slice(1, 400).map((l) => l.slice(0, l.lastIndexOf(',')));
    phrases.push('good, "really" good', 'bad,\nbad');
    const quote = (t: string) => (/[",\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t);
    const csv = ['id,query', ...phrases.map((p, i) => `${i},${quote(p)}`)].join('\r\n');
    const res = await post('/models/sentiment/predict', csv, 'text/csv', { accept: 'application/x-ndjson' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const answers = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    const expected = await single('sentiment', phrases.map((query) => ({ query })));
    assert.deepEqual(answers, expected.map((p, i) => ({ id: String(i), ...p })));
  });

  it('takes NDJSON and answers NDJSON, or CSV when asked; pass-through keys keep their JSON type', async () => {
    const rows = [{ ref: 7, sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }, { ref: 'x', sepal_length: 6.7, sepal_width: 3, petal_length: 5.2, petal_width: 2.3 }];
    const body = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const expected = await single('iris', rows.map(({ ref: _, ...features }) => features));
    const nd = await post('/models/iris/predict', body, 'application/x-ndjson');
    assert.equal(nd.status, 200);
    assert.deepEqual((await nd.text()).trim().split('\n').map((l) => JSON.parse(l)), expected.map((p, i) => ({ ref: rows[i].ref, ...p })));
    const csv = await post('/models/iris/predict?columns=ref,label', body, 'application/x-ndjson', { accept: 'text/csv' });
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(await csv.text(), `ref,label\n7,${expected[0].label}\nx,${expected[1].label}\n`);
  });

  // Every kind of malformed row, plus a BOM, CRLF line ends, empty lines and a quoted newline that are fine.
  const MESSY = `\uFEFF${[
    `${FRAUD_COLUMNS.join(',')},note`,
    '15.88,16,1.5,2051.1,4,1,0,0.221,ok',
    'abc,16,1.5,2051.1,4,1,0,0.221,bad number',
    '',
    '15.88,16,1.5,2051.1,4,1,0',
    '15.88,16,1.5,2051.1,4,1,0,0.221,"quoted\nnewline"',
    '15.88,16,1.5,2051.1,4,1,0,0.221,extra,field',
    '15.88,16,1.5,,4,1,0,0.221,missing value',
    '15.88,16,1.5,2051.1,4,1,0,0.221,ok',
  ].join('\r\n')}\r\n`;

  it("on_error=fail (the default): the first malformed row is a 400 naming its row and column", async () => {
    for (const query of ['', '?on_error=fail']) {
      const res = await post(`/models/fraud/predict${query}`, MESSY);
      assert.equal(res.status, 400);
      const body = await res.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'INVALID_INPUT');
      assert.equal(body.error.message, 'row 2, column \'amount\': expected a number, got the string "abc"');
    }
  });

  it('on_error=skip drops malformed rows; on_error=column answers them with an error column', async () => {
    const skip = csvLines(await (await post('/models/fraud/predict?on_error=skip', MESSY)).text());
    assert.deepEqual(skip.map((l) => l[0]), ['note', 'ok', '"quoted', 'newline"', 'ok']);
    const res = await post('/models/fraud/predict?on_error=column&columns=note,label', MESSY);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(text, [
      'note,label,error',
      'ok,legitimate,',
      'bad number,,"row 2, column \'amount\': expected a number, got the string ""abc"""',
      ',,"row 3: expected 9 fields (amount, hour, distance_from_home_km, minutes_since_last, transactions_last_24h, card_present, foreign, merchant_risk, note), got 7"',
      '"quoted\nnewline",legitimate,',
      ',,"row 5: expected 9 fields (amount, hour, distance_from_home_km, minutes_since_last, transactions_last_24h, card_present, foreign, merchant_risk, note), got 10"',
      'missing value,,"row 6, column \'minutes_since_last\': a value is required (missing values are not accepted for this feature)"',
      'ok,legitimate,',
      '',
    ].join('\n'));
  });

  it('refuses a missing feature column, a bad mode or column, an empty body, in every mode', async () => {
    for (const mode of ['fail', 'skip', 'column']) {
      const res = await post(`/models/fraud/predict?on_error=${mode}`, 'amount,hour\n1,2\n');
      assert.equal(res.status, 400);
      assert.match((await res.json() as { error: { message: string } }).error.message, /lacks the columns 'distance_from_home_km'/);
    }
    const cases: [string, string, number, RegExp][] = [
      ['/models/fraud/predict?on_error=ignore', MESSY, 400, /on_error: must be one of fail, skip, column/],
      ['/models/fraud/predict?columns=label,colour', MESSY, 400, /no output column 'colour'/],
      ['/models/fraud/predict', '', 400, /the body is empty/],
      ['/models/fraud/predict', `${FRAUD_COLUMNS.join(',')}\n`, 400, /a header row and at least one data row/],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await post(path, body);
      assert.equal(res.status, status, path);
      assert.match((await res.json() as { error: { message: string } }).error.message, message);
    }
  });

  it('a row over the row-size limit is a 413 naming it, or, once answers are flowing, a last error line and trailer', async () => {
    const long = `${FRAUD_COLUMNS.join(',')},note\n${fraudRow(0)}\n${fraudRow(1).replace(/t1$/, 'x'.repeat(1_100_000))}\n`;
    const res = await post('/models/fraud/predict', long);
    assert.equal(res.status, 413);
    assert.match((await res.json() as { error: { message: string } }).error.message, /^row 2 is longer than the limit of 1048576 bytes per row/);
    // 100,000 rows are ten blocks: at most a few are read ahead of the answers, so row 90,000 comes after the status.
    const huge = (i: number) => (i === 89_999 ? fraudRow(i).replace(/t\d+$/, 'x'.repeat(1_100_000)) : fraudRow(i));
    const late = await streamRows(s.url, '/models/fraud/predict', 100_000, huge, `${FRAUD_COLUMNS.join(',')},id`);
    assert.equal(late.status, 200);
    assert.match(late.headers.trailer ?? '', /^modelport-status,? modelport-rows$/);
    assert.match(late.trailers['modelport-status'] ?? '', /^error PAYLOAD_TOO_LARGE: row 90000 is longer than/);
    assert.match(late.last[1], /^#error,PAYLOAD_TOO_LARGE,row 90000 is longer than the limit/);
  });

  it('numbers rows across blocks: a late malformed row in mode column, and in mode fail', async () => {
    const header = `${FRAUD_COLUMNS.join(',')},id`;
    const row = (i: number) => (i === 89_999 ? fraudRow(i).replace(/^[\d.]+/, 'oops') : fraudRow(i));
    const error = `"row 90000, column 'amount': expected a number, got the string ""oops"""`;
    const column = await streamRows(s.url, '/models/fraud/predict?on_error=column&columns=id,error', 100_000, row, header, { keep: [89_999, 90_000, 90_001] });
    assert.equal(column.status, 200);
    assert.equal(column.lines, 100_001);
    assert.deepEqual(column.trailers, { 'modelport-status': 'ok', 'modelport-rows': '100000' });
    assert.deepEqual([...column.kept.values()], ['t89998,', `t89999,${error}`, 't90000,']);
    const fail = await streamRows(s.url, '/models/fraud/predict', 100_000, row, header);
    assert.equal(fail.status, 200);
    assert.match(fail.trailers['modelport-status'] ?? '', /^error INVALID_INPUT: row 90000, column 'amount': expected a number/);
    assert.equal(fail.last[1], `#error,INVALID_INPUT,${error}`);
    assert.ok(fail.lines < 90_000, 'the answer stops before the failed block');
  });

  it('streams 200,000 rows with flat memory while a small JSON request is answered promptly', async () => {
    const header = `${FRAUD_COLUMNS.join(',')},id`;
    const base = process.memoryUsage().rss;
    const small = await streamRows(s.url, '/models/fraud/predict', 50_000, fraudRow, header);
    assert.equal(small.lines, 50_001);
    let promptMs = Infinity;
    const large = await streamRows(s.url, '/models/fraud/predict', 200_000, fraudRow, header, {
      during: async () => {
        const started = performance.now();
        const r = await request(`${s.url}/models/iris/predict`, { json: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 } });
        assert.equal(r.status, 200);
        promptMs = performance.now() - started;
      },
    });
    assert.equal(large.status, 200);
    assert.equal(large.lines, 200_001);
    assert.match(large.last[1], /^t199999,(legitimate|fraud),/);
    assert.deepEqual(large.trailers, { 'modelport-status': 'ok', 'modelport-rows': '200000' });
    const growth = (peak: number) => Math.max(0, peak - base) / 2 ** 20;
    // Body and answer are ~10 MB each at 200k rows; holding them would grow RSS by far more than this bound.
    assert.ok(growth(large.peakRss) < growth(small.peakRss) + 48, `RSS growth ${growth(small.peakRss).toFixed(0)} MiB at 50k rows, ${growth(large.peakRss).toFixed(0)} MiB at 200k`);
    assert.ok(promptMs < 1000, `a small request took ${promptMs.toFixed(0)} ms during the stream`);
  });

  it('a client that goes away ends the job: nothing stays in flight', async () => {
    const fraud = s.server.context.repository.ready('fraud');
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${s.url}/models/fraud/predict`, { method: 'POST', headers: { 'content-type': 'text/csv' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.write(`${FRAUD_COLUMNS.join(',')},id\n`);
      let i = 0;
      // An endless body: only the client going away can end this job.
      const more = () => {
        if (req.destroyed) return;
        let chunk = '';
        for (let k = 0; k < 2000; k++, i++) chunk += `${fraudRow(i)}\n`;
        if (req.write(chunk)) setImmediate(more);
        else req.once('drain', more);
      };
      more();
      setTimeout(() => reject(new Error('no answer began')), 20_000).unref();
    });
    for (let waited = 0; fraud.inflight > 0 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fraud.inflight, 0);
    const r = await request(`${s.url}/models/fraud/predict`, { json: Object.fromEntries(FRAUD_COLUMNS.map((c) => [c, 1])) });
    assert.equal(r.status, 200);
  });
});
