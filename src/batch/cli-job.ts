// `modelport predict` on the main thread: reads the input (a file, its shard, a folder or glob of files, or standard
// input), cuts it into blocks, hands the blocks to the worker pool, and writes the answers in input order with a
// bounded number of blocks in flight, so memory stays flat whatever the input size.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { WriteStream } from 'node:tty';
import { BlockSplitter } from './codec.js';
import { WorkerPool, type BlockAnswer, type BlockTask } from './cli-pool.js';
import { ProgressLine, type JobCounts } from './cli-progress.js';
import { openParquetInput, ParquetOutput } from './parquet.js';
import { byteRange, isGlob, listInputFiles, UsageError, type Shard } from './shard.js';
import type { InputFormat, OnError, OutputFormat } from './types.js';

export interface PredictJob {
  /** A model folder or a lone artifact. */
  model: string;
  /** A file, a folder or glob of files, or '-' (standard input). */
  input: string;
  /** A file, a folder (for a folder or glob input), or '-' (standard output). */
  output: string;
  inputFormat?: InputFormat;
  outputFormat?: OutputFormat;
  columns?: string[];
  onError: OnError;
  workers: number;
  shard: Shard;
  /** Where the progress line goes (standard error when it is a terminal), or null for none. */
  progress: WriteStream | null;
  /** Reports a line on standard error (rows skipped in mode 'skip'). */
  warn: (line: string) => void;
}

/** The job stopped on a malformed row (mode 'fail') or a problem with the input or the model (exit code 1). */
export class JobFailed extends Error {}

const INPUT_EXTENSIONS: Record<string, InputFormat> = { '.csv': 'csv', '.jsonl': 'ndjson', '.ndjson': 'ndjson', '.parquet': 'parquet' };
const OUTPUT_EXTENSIONS: Record<string, OutputFormat> = { '.csv': 'csv', '.jsonl': 'ndjson', '.ndjson': 'ndjson', '.parquet': 'parquet' };
const OUTPUT_ENDING: Record<OutputFormat, string> = { csv: '.csv', ndjson: '.jsonl', parquet: '.parquet' };

const PARQUET_TASK_ROWS = 131_072;
const READ_CHUNK_BYTES = 1 << 20;
const SKIPPED_ERRORS_SHOWN = 20;

/** The format named by --input-format/--output-format, else by the file's ending ('-' is CSV). */
function formatOf<F extends string>(path: string, endings: Record<string, F>, override: F | undefined, flag: string): F {
  if (override) return override;
  if (path === '-') return 'csv' as F;
  const format = endings[extname(path).toLowerCase()];
  if (!format) throw new UsageError(`cannot tell the format of '${path}' from its ending (.csv, .jsonl, .ndjson, .parquet); use ${flag}`);
  return format;
}

const inputFormatOf = (path: string, override?: InputFormat) => formatOf(path, INPUT_EXTENSIONS, override, '--input-format');
const outputFormatOf = (path: string, override?: OutputFormat) => formatOf(path, OUTPUT_EXTENSIONS, override, '--output-format');

/** A block to score, with what the progress line counts once it is written. */
interface Work {
  task: BlockTask;
  /** Input consumed up to the end of this block: bytes (CSV, NDJSON) or rows (Parquet). */
  done: number;
  /** Its row numbers count from the start of the shard, not of the file (see RowBase). */
  relative: boolean;
}

interface InputSource {
  /** The amount of input in `done`'s unit, when known. */
  total: number | null;
  works(): AsyncGenerator<Work>;
}

/**
 * The rows of a file before a shard's first byte, counted only when a row error needs its global number: a shard
 * reads its own byte range, and no more, unless it has to name a row.
 */
class RowBase {
  private counted: Promise<number> | null = null;

  constructor(private readonly path: string, private readonly format: 'csv' | 'ndjson', private readonly start: number) {}

  get value(): Promise<number> {
    this.counted ??= (async () => {
      const splitter = new BlockSplitter({ format: this.format });
      if (this.start > 0) for await (const chunk of createReadStream(this.path, { end: this.start - 1, highWaterMark: READ_CHUNK_BYTES })) splitter.push(chunk as Buffer);
      splitter.end();
      return splitter.rowsRead;
    })();
    return this.counted;
  }
}

/** The header line of a CSV file (a shard that starts mid-file sends it with its first block). */
async function csvHeaderOf(path: string): Promise<string> {
  const splitter = new BlockSplitter({ format: 'csv' });
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    splitter.push(chunk as Buffer);
    if (splitter.header !== null) return splitter.header;
  }
  splitter.end();
  if (splitter.header === null) throw new JobFailed(`${path} is empty: a CSV file needs a header line`);
  return splitter.header;
}

async function textSource(path: string, format: 'csv' | 'ndjson', shard: Shard, rowBase: (base: RowBase) => void): Promise<InputSource> {
  // null for a shard with no rows.
  let stream: Readable | null;
  let total: number | null = null;
  let header: string | null = null;
  let relative = false;
  if (path === '-') {
    stream = process.stdin;
  } else {
    const [start, end] = shard.count > 1 ? await byteRange(path, shard) : [0, (await stat(path)).size];
    total = end - start;
    if (start > 0) {
      relative = true;
      rowBase(new RowBase(path, format, start));
      if (format === 'csv') header = await csvHeaderOf(path);
    }
    stream = end > start ? createReadStream(path, { start, end: end - 1, highWaterMark: READ_CHUNK_BYTES }) : null;
  }
  return {
    total,
    async *works() {
      const splitter = new BlockSplitter({ format });
      if (header !== null) splitter.push(Buffer.from(`${header}\n`));
      let done = 0;
      const task = (bytes: Uint8Array, firstRow: number): Work => {
        done += bytes.length;
        const t: BlockTask = format === 'csv' ? { kind: 'csv', header: splitter.header ?? '', bytes, firstRow } : { kind: 'ndjson', bytes, firstRow };
        return { task: t, done, relative };
      };
      if (stream) for await (const chunk of stream) for (const b of splitter.push(chunk as Buffer)) yield task(b.bytes, b.firstRow);
      for (const b of splitter.end()) yield task(b.bytes, b.firstRow);
    },
  };
}

async function parquetSource(path: string, shard: Shard): Promise<InputSource> {
  if (path === '-') throw new UsageError('Parquet cannot be read from standard input (its index is at the end of the file); give a file');
  const input = await openParquetInput(path, shard).catch((err: Error) => {
    throw new JobFailed(err.message);
  });
  return {
    total: input.rows,
    async *works() {
      let done = 0;
      for (const range of input.ranges(PARQUET_TASK_ROWS)) {
        done += range.rows;
        yield { task: { kind: 'parquet', path, ...range }, done, relative: false };
      }
    },
  };
}

/** Writes answers to a stream in the chosen format, waiting when the stream is full. */
class OutputSink {
  private headerWritten = false;
  private readonly parquet: ParquetOutput | null;

  constructor(private readonly stream: Writable, format: OutputFormat) {
    this.parquet = format === 'parquet' ? new ParquetOutput() : null;
  }

  async write(answer: BlockAnswer): Promise<void> {
    if ('columns' in answer) {
      this.parquet!.append(answer.columns);
      for (const chunk of this.parquet!.take()) await this.put(chunk);
    } else if ('bytes' in answer) {
      if (!this.headerWritten && answer.header) await this.put(answer.header);
      this.headerWritten = true;
      if (answer.bytes.length) await this.put(answer.bytes);
    }
  }

  async end(): Promise<void> {
    if (this.parquet) {
      this.parquet.close();
      for (const chunk of this.parquet.take()) await this.put(chunk);
    }
    if (this.stream !== process.stdout) {
      this.stream.end();
      await once(this.stream, 'finish');
    }
  }

  private async put(chunk: string | Uint8Array): Promise<void> {
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}

/** One input file (or standard input) → one output file (or standard output). */
interface FileJob {
  input: string;
  output: string;
  inputFormat: InputFormat;
  outputFormat: OutputFormat;
  shard: Shard;
}

async function fileJobs(job: PredictJob): Promise<FileJob[]> {
  const info = job.input === '-' ? null : await stat(job.input).catch(() => null);
  if (info?.isDirectory() || (!info && job.input !== '-' && isGlob(job.input))) {
    if (job.output === '-') throw new UsageError('a folder or glob of inputs needs -o <output folder>');
    const outputFormat = job.outputFormat ?? 'csv';
    const extensions = job.inputFormat ? Object.keys(INPUT_EXTENSIONS).filter((e) => INPUT_EXTENSIONS[e] === job.inputFormat) : Object.keys(INPUT_EXTENSIONS);
    const files = await listInputFiles(job.input, extensions, job.shard);
    await mkdir(job.output, { recursive: true });
    return files.map((input) => ({
      input,
      output: join(job.output, basename(input, extname(input)) + OUTPUT_ENDING[outputFormat]),
      inputFormat: inputFormatOf(input, job.inputFormat),
      outputFormat,
      shard: { index: 0, count: 1 },
    }));
  }
  if (!info && job.input !== '-') throw new UsageError(`input '${job.input}' does not exist`);
  if (job.input === '-' && job.shard.count > 1) throw new UsageError('--shard needs an input file, folder or glob, not standard input');
  return [{ input: job.input, output: job.output, inputFormat: inputFormatOf(job.input, job.inputFormat), outputFormat: outputFormatOf(job.output, job.outputFormat), shard: job.shard }];
}

/** Runs the job; resolves with its counts, or throws JobFailed / UsageError / WorkerError. */
export async function runPredict(job: PredictJob): Promise<JobCounts> {
  const files = await fileJobs(job);
  const pool = new WorkerPool(job.workers, { model: job.model, onError: job.onError, outputFormat: files[0].outputFormat, ...(job.columns ? { columns: job.columns } : {}) });
  const counts: JobCounts = { rows: 0, scored: 0, skipped: 0, errors: 0 };
  try {
    await pool.ready();
    let warned = 0;
    const warnSkipped = (line: string) => {
      if (warned++ < SKIPPED_ERRORS_SHOWN) job.warn(`skipped ${line}`);
    };
    for (const file of files) await scoreFile(pool, file, job, counts, warnSkipped);
    return counts;
  } finally {
    await pool.close();
  }
}

async function scoreFile(pool: WorkerPool, file: FileJob, job: PredictJob, counts: JobCounts, warnSkipped: (line: string) => void): Promise<void> {
  let base: RowBase | null = null;
  const source = file.inputFormat === 'parquet'
    ? await parquetSource(file.input, file.shard)
    : await textSource(file.input, file.inputFormat, file.shard, (b) => (base = b));
  const stream = file.output === '-' ? process.stdout : createWriteStream(file.output);
  const sink = new OutputSink(stream, file.outputFormat);
  const progress = job.progress ? new ProgressLine(job.progress, source.total) : null;
  let knownBase: number | null = null;

  const withBase = (work: Work, rowsBefore: number): Work => ({ ...work, relative: false, task: { ...work.task, firstRow: work.task.firstRow + rowsBefore } });
  // Blocks numbered from the shard start keep their bytes (no transfer) in case a row error needs them renumbered.
  const dispatch = (work: Work) => {
    const w = work.relative && knownBase !== null ? withBase(work, knownBase) : work;
    const answer = pool.run(w.task, !w.relative);
    answer.catch(() => undefined);
    return { work: w, answer };
  };
  const settle = async ({ work, answer }: ReturnType<typeof dispatch>) => {
    let a = await answer;
    if (work.relative && a.errors > 0) {
      knownBase = await base!.value;
      a = await pool.run(withBase(work, knownBase).task, true);
    }
    if (a.failure !== undefined) throw new JobFailed(a.failure);
    for (const line of a.firstErrors) warnSkipped(line);
    counts.rows += a.rows;
    counts.scored += a.scored;
    counts.skipped += a.skipped;
    counts.errors += a.errors;
    await sink.write(a);
    progress?.update(counts.rows, work.done);
  };

  // Enough blocks queued that no worker waits; a Parquet task is a whole row group, so fewer of those.
  const maxInFlight = job.workers * (file.inputFormat === 'parquet' ? 2 : 3);
  const inFlight: ReturnType<typeof dispatch>[] = [];
  try {
    for await (const work of source.works()) {
      inFlight.push(dispatch(work));
      while (inFlight.length >= maxInFlight) await settle(inFlight.shift()!);
    }
    while (inFlight.length) await settle(inFlight.shift()!);
    await sink.end();
  } catch (err) {
    if (stream !== process.stdout) {
      stream.destroy();
      await rm(file.output, { force: true });
    }
    throw err;
  } finally {
    progress?.clear();
  }
}
