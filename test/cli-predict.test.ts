// `modelport predict`: answers equal the single-row API, malformed rows in every mode, sharding (the union of the
// shards equals the unsharded output), Parquet in and out (and files written by other Parquet writers), the
// Kubernetes Indexed Job run locally, exit codes, and no progress line when standard error is piped.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { openParquetInput, readParquetRows } from '../src/batch/parquet.js';
import { ProgressLine } from '../src/batch/cli-progress.js';
import { parseShard } from '../src/batch/shard.js';
import { request, startServer, type TestServer } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const MODELS = join(ROOT, 'examples/models');
const FRAUD = join(MODELS, 'fraud');
const FEATURES = ['amount', 'hour', 'distance_from_home_km', 'minutes_since_last', 'transactions_last_24h', 'card_present', 'foreign', 'merchant_risk'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function modelport(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, 'predict', ...args], { env: { ...process.env, ...options.env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Deterministic fraud transactions with an id column first. */
function fraudRows(count: number): string[][] {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: count }, (_, i) => [
    `tx${i + 1}`, (next() * 2000).toFixed(2), String(Math.floor(next() * 24)), (next() * 500).toFixed(1), (next() * 3000).toFixed(1),
    String(Math.floor(next() * 12)), String(next() < 0.5 ? 1 : 0), String(next() < 0.2 ? 1 : 0), next().toFixed(3),
  ]);
}

const csvOf = (rows: string[][]) => `id,${FEATURES.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`;

/** Shard outputs concatenated in shard order, each CSV header after the first dropped. */
function unionCsv(parts: string[]): string {
  return parts.map((p, i) => (i === 0 ? p : p.slice(p.indexOf('\n') + 1))).join('');
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelport-predict-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('modelport predict: answers', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(MODELS);
  });
  after(async () => server.close());

  const cases: { model: string; csv: () => Promise<string> }[] = [
    { model: 'fraud', csv: async () => csvOf(fraudRows(40)) },
    { model: 'diabetes', csv: async () => (await readFile(join(ROOT, 'examples/data/pima-indians-diabetes.csv'), 'utf8')).split('\n').slice(0, 41).join('\n') },
    {
      model: 'sentiment',
      csv: async () => `query\n${(await readFile(join(ROOT, 'examples/data/sentiment-phrases.csv'), 'utf8')).split('\n').slice(1, 41)
        .map((l) => `"${l.slice(0, l.lastIndexOf(',')).replace(/"/g, '""')}"`).join('\n')}\n`,
    },
  ];
  for (const { model, csv } of cases) {
    it(`${model}: every row's answer equals the single-row API's`, async () => {
      const text = await csv();
      const input = join(dir, `${model}-answers.csv`);
      await writeFile(input, text);
      const run = await modelport([join(MODELS, model), input, '--output-format', 'ndjson', '--workers', '2']);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const header = text.split('\n')[0].split(',');
      const rows = text.trim().split('\n').slice(1);
      assert.equal(lines.length, rows.length);
      for (const [i, line] of rows.entries()) {
        const values = model === 'sentiment' ? [JSON.parse(line.replace(/""/g, '\\"'))] : line.split(',').map(Number);
        const features = Object.fromEntries(header.map((h, c) => [h, values[c]]).filter(([h]) => h !== 'diabetes' && h !== 'id'));
        const single = await request(`${server.url}/models/${model}/predict`, { json: features });
        assert.equal(single.status, 200, JSON.stringify(single.body));
        const { label, probabilities } = lines[i];
        assert.deepEqual({ label, probabilities }, single.body.prediction, `row ${i + 1}`);
      }
    });
  }
});

describe('modelport predict: malformed rows', () => {
  // Row 3: not a number; row 5: a field short; row 6: an extra field.
  const rows = fraudRows(8).map((r) => r.join(','));
  rows[2] = rows[2].replace(/^(tx3),[^,]*/, '$1,abc');
  rows[4] = rows[4].slice(0, rows[4].lastIndexOf(','));
  rows[5] = `${rows[5]},9`;
  const text = `id,${FEATURES.join(',')}\n${rows.join('\n')}\n`;
  let input: string;
  before(async () => {
    input = join(dir, 'malformed.csv');
    await writeFile(input, text);
  });

  it("fail: exit 1 naming the row and column, and no output file left", async () => {
    const out = join(dir, 'fail.csv');
    const run = await modelport([FRAUD, input, '-o', out, '--workers', '1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /row 3, column 'amount': .*abc/);
    assert.equal(existsSync(out), false);
  });

  it('skip: the other rows are answered, the skipped ones reported on standard error', async () => {
    const run = await modelport([FRAUD, input, '--on-error', 'skip', '--workers', '1']);
    assert.equal(run.code, 0, run.stderr);
    const ids = run.stdout.trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    assert.deepEqual(ids, ['tx1', 'tx2', 'tx4', 'tx7', 'tx8']);
    assert.match(run.stderr, /skipped row 3, column 'amount'/);
    assert.match(run.stderr, /skipped row 5/);
    assert.match(run.stderr, /5 rows scored, 3 skipped, 3 errors/);
  });

  it('column: every row answered, failed ones with an error and empty answers', async () => {
    const run = await modelport([FRAUD, input, '--on-error', 'column', '--workers', '1']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines[0], 'id,label,probability_legitimate,probability_fraud,error');
    assert.equal(lines.length, 9);
    assert.match(lines[3], /^tx3,,,,"?row 3, column 'amount'/);
    // A short row's fields are not read at all: its id may be empty.
    assert.match(lines[5], /^(tx5)?,,,,"?row 5/);
    assert.match(lines[1], /^tx1,(legitimate|fraud),[0-9.e-]+,[0-9.e-]+,$/);
  });

  it('NDJSON input: a line that is not JSON names its row', async () => {
    const good = JSON.stringify(Object.fromEntries(FEATURES.map((f) => [f, 1])));
    const run = await modelport([FRAUD, '-', '--input-format', 'ndjson', '--on-error', 'column', '--output-format', 'ndjson', '--workers', '1'],
      { input: `${good}\n{oops\n${good}\n` });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    assert.match(lines[1].error, /^row 2/);
    assert.ok(lines[2].label);
  });
});

describe('modelport predict: shards', () => {
  let input: string;
  let whole: string;
  before(async () => {
    // ~1.3 MB: several blocks per run. Row 19,000 is malformed: its error must carry its global number.
    const rows = fraudRows(20_000);
    rows[18_999][1] = 'oops';
    input = join(dir, 'shards.csv');
    await writeFile(input, csvOf(rows));
    const run = await modelport([FRAUD, input, '--on-error', 'column']);
    assert.equal(run.code, 0, run.stderr);
    whole = run.stdout;
  });

  it('3 shards of a CSV file, concatenated in shard order, equal the unsharded output byte for byte', async () => {
    const parts = await Promise.all([0, 1, 2].map(async (i) => {
      const run = await modelport([FRAUD, input, '--on-error', 'column', '--shard', `${i}/3`, '--workers', '1']);
      assert.equal(run.code, 0, run.stderr);
      return run.stdout;
    }));
    assert.ok(parts.every((p) => p.split('\n').length > 6000), 'every shard has a third of the rows');
    assert.match(whole, /tx19000,,,,"?row 19000, column 'amount'/);
    assert.equal(unionCsv(parts), whole);
  });

  it("fail mode in a later shard names the row by its number in the file", async () => {
    const run = await modelport([FRAUD, input, '--shard', '2/3', '--workers', '1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /row 19000, column 'amount'/);
  });

  it('a folder: every n-th file (sorted) into an output folder', async () => {
    const folder = join(dir, 'parts');
    await mkdir(folder);
    for (let f = 0; f < 5; f++) await writeFile(join(folder, `p${f}.csv`), csvOf(fraudRows(10 + f)));
    const out = join(dir, 'parts-out');
    const run = await modelport([FRAUD, join(folder, 'p*.csv'), '-o', out, '--shard', '1/2', '--workers', '1']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(join(out, 'p1.csv')) && existsSync(join(out, 'p3.csv')), true);
    assert.equal(existsSync(join(out, 'p0.csv')) || existsSync(join(out, 'p2.csv')), false);
    assert.equal((await readFile(join(out, 'p3.csv'), 'utf8')).trim().split('\n').length, 14);
  });

  it('the Kubernetes Indexed Job, run locally: each index scores its shard, the union is the whole', async () => {
    const job = parseYaml(await readFile(join(ROOT, 'deploy/kubernetes/batch-job.yaml'), 'utf8'));
    assert.equal(job.kind, 'Job');
    assert.equal(job.spec.completionMode, 'Indexed');
    assert.equal(job.spec.completions, job.spec.parallelism);
    const container = job.spec.template.spec.containers[0];
    assert.deepEqual(container.command, ['node', 'dist/src/cli/main.js', 'predict']);
    const args: string[] = container.args;
    const n = Number(args[args.indexOf('--shard') + 1].replace('auto/', ''));
    assert.equal(n, job.spec.completions);
    assert.equal(args[0], '/models/fraud', 'the image copies examples/models to /models');
    const envNames = new Set(container.env.map((e: { name: string }) => e.name));
    for (const arg of args) for (const [, name] of arg.matchAll(/\$\((\w+)\)/g)) assert.ok(envNames.has(name), `${name} is declared`);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const local = args.map((a) => a.replace('/models/fraud', FRAUD).replace('/data/in/transactions.csv', input)
        .replace('/data/out/part-$(SHARD_INDEX).csv', join(dir, `part-${i}.csv`)).replace('$(WORKERS)', '1'));
      const run = await modelport(local.slice(), { env: { JOB_COMPLETION_INDEX: String(i) } });
      assert.equal(run.code, 0, run.stderr);
      parts.push(await readFile(join(dir, `part-${i}.csv`), 'utf8'));
    }
    assert.equal(unionCsv(parts), whole);
  });

  it('--shard parses i/n and auto/n', () => {
    assert.deepEqual(parseShard('2/5'), { index: 2, count: 5 });
    assert.deepEqual(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4 });
    assert.throws(() => parseShard('5/5'), /below the count/);
    assert.throws(() => parseShard('auto/4', {}), /JOB_COMPLETION_INDEX/);
  });
});

describe('modelport predict: Parquet', () => {
  const rows = fraudRows(3000);
  let csvInput: string;
  let parquetInput: string;
  let csvAnswer: string;
  before(async () => {
    csvInput = join(dir, 'pq.csv');
    await writeFile(csvInput, csvOf(rows));
    parquetInput = join(dir, 'pq.parquet');
    const integral = new Set(['hour', 'transactions_last_24h', 'card_present', 'foreign']);
    await writeFile(parquetInput, new Uint8Array(parquetWriteBuffer({
      rowGroupSize: 500,
      columnData: [
        { name: 'id', data: rows.map((r) => r[0]), type: 'STRING' },
        ...FEATURES.map((name, c) => integral.has(name)
          ? { name, data: BigInt64Array.from(rows, (r) => BigInt(r[c + 1])), type: 'INT64' as const }
          : { name, data: Float64Array.from(rows, (r) => Number(r[c + 1])), type: 'DOUBLE' as const }),
      ],
    })));
    const run = await modelport([FRAUD, csvInput]);
    assert.equal(run.code, 0, run.stderr);
    csvAnswer = run.stdout;
  });

  it('Parquet input gives the same answers as the same rows in CSV', async () => {
    const run = await modelport([FRAUD, parquetInput, '--workers', '2']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, csvAnswer);
  });

  it('Parquet output holds the same rows as CSV output (label as text, probabilities as float64)', async () => {
    const out = join(dir, 'answers.parquet');
    const run = await modelport([FRAUD, csvInput, '-o', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await parquetAsCsv(out), csvAnswer);
  });

  it('3 shards of a Parquet file (by row groups) union to the unsharded output, row for row', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `pq-part-${i}.parquet`);
      const run = await modelport([FRAUD, parquetInput, '--shard', `${i}/3`, '-o', out, '--workers', '1']);
      assert.equal(run.code, 0, run.stderr);
      parts.push(await parquetAsCsv(out));
    }
    assert.equal(unionCsv(parts), csvAnswer);
  });

  for (const writer of ['arrow-rs', 'parquetjs']) {
    it(`reads a file written by another writer (${writer}: int64 columns, zstd / gzip pages, 3 row groups)`, async () => {
      const file = join(ROOT, `test/fixtures/batch/fraud-${writer}.parquet`);
      const run = await modelport([FRAUD, file, '--workers', '1']);
      assert.equal(run.code, 0, run.stderr);
      // The same 60 transactions as the first rows of the sample CSV.
      const sample = (await readFile(join(ROOT, 'examples/data/transactions-sample.csv'), 'utf8')).trim().split('\n').slice(0, 61)
        .map((l, i) => (i === 0 ? 'id,' : `tx-${i},`) + l.split(',').slice(0, 8).join(',')).join('\n');
      const csv = join(dir, `${writer}.csv`);
      await writeFile(csv, `${sample}\n`);
      const expected = await modelport([FRAUD, csv, '--workers', '1']);
      assert.equal(run.stdout, expected.stdout);
    });
  }
});

/** A Parquet output file as the CSV modelport writes for the same answers. */
async function parquetAsCsv(path: string): Promise<string> {
  const input = await openParquetInput(path, { index: 0, count: 1 });
  let text = '';
  for (const range of input.ranges(1000)) {
    const columns = await readParquetRows(path, range.start, range.rows);
    if (!text) text = `${columns.map(([name]) => name).join(',')}\n`;
    for (let r = 0; r < range.rows; r++) text += `${columns.map(([, v]) => String(v[r] ?? '')).join(',')}\n`;
  }
  return text;
}

describe('modelport predict: the command line', () => {
  it('standard input to standard output; no progress line when standard error is piped, one summary line', async () => {
    const run = await modelport([FRAUD, '-', '--workers', '1'], { input: csvOf(fraudRows(5)) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim().split('\n').length, 6);
    assert.doesNotMatch(run.stderr, /\r|\x1b/);
    assert.match(run.stderr, /^modelport predict: 5 rows scored, 0 skipped, 0 errors, [\d.]+ s/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  it('--columns chooses the outputs; an unknown one is a usage error (exit 2)', async () => {
    const input = join(dir, 'columns.csv');
    await writeFile(input, csvOf(fraudRows(3)));
    const run = await modelport([FRAUD, input, '--columns', 'id,probability_fraud', '--workers', '1']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.split('\n')[0], 'id,probability_fraud');
    const bad = await modelport([FRAUD, input, '--columns', 'nope', '--workers', '1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no output column 'nope'/);
  });

  it('usage errors exit 2: a bad --shard, an unknown option, an input of unknown format', async () => {
    assert.equal((await modelport([FRAUD, 'x.csv', '--shard', '3/3'])).code, 2);
    assert.equal((await modelport([FRAUD, 'x.csv', '--frobnicate'])).code, 2);
    const txt = join(dir, 'input.txt');
    await writeFile(txt, 'a\n');
    assert.equal((await modelport([FRAUD, txt])).code, 2);
  });

  it('a model that does not load exits 1', async () => {
    const input = join(dir, 'any.csv');
    await writeFile(input, csvOf(fraudRows(1)));
    const run = await modelport([join(dir, 'no-such-model'), input, '--workers', '1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /does not exist/);
  });

  it('the progress line shows rows, rate, percentage and ETA on a terminal', () => {
    let written = '';
    const fake = { columns: 120, write: (s: string) => ((written += s), true) } as unknown as import('node:tty').WriteStream;
    const line = new ProgressLine(fake, 1000);
    line.update(500, 500);
    assert.match(written, /^\r\[#+\.+\]  50%  500 rows .*rows\/s  ETA /);
  });
});
