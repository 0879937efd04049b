// `modelport predict`: scores a CSV, NDJSON or Parquet file (or a folder or glob of them, or standard input) with
// a model folder or artifact, on all cores, without a server. Exit codes: 0 done, 1 the job failed (a malformed
// row in mode 'fail', a model that does not load, an unreadable input), 2 the command line is wrong.
import { availableParallelism } from 'node:os';
import type { WriteStream } from 'node:tty';
import { runPredict } from '../batch/cli-job.js';
import { WorkerError } from '../batch/cli-pool.js';
import { summaryLine } from '../batch/cli-progress.js';
import { parseShard, UsageError } from '../batch/shard.js';
import { ON_ERROR_MODES, type InputFormat, type OnError, type OutputFormat } from '../batch/types.js';

export interface PredictFlags {
  output: string;
  inputFormat?: string;
  outputFormat?: string;
  columns?: string;
  onError: string;
  workers?: string;
  shard?: string;
}

const FORMAT_NAMES: Record<string, InputFormat & OutputFormat> = { csv: 'csv', ndjson: 'ndjson', jsonl: 'ndjson', parquet: 'parquet' };

function formatFlag(flag: string, value: string | undefined): (InputFormat & OutputFormat) | undefined {
  if (value === undefined) return undefined;
  const format = FORMAT_NAMES[value.toLowerCase()];
  if (!format) throw new UsageError(`${flag} takes csv, ndjson (or jsonl) or parquet, not '${value}'`);
  return format;
}

function workersFlag(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--workers takes a whole number of at least 1, not '${value}'`);
  return n;
}

export async function predict(model: string, input: string, flags: PredictFlags): Promise<void> {
  const started = performance.now();
  const stderr = process.stderr;
  try {
    if (!ON_ERROR_MODES.includes(flags.onError as OnError)) throw new UsageError(`--on-error takes fail, skip or column, not '${flags.onError}'`);
    const columns = flags.columns?.split(',').map((c) => c.trim()).filter(Boolean);
    const counts = await runPredict({
      model,
      input,
      output: flags.output,
      inputFormat: formatFlag('--input-format', flags.inputFormat),
      outputFormat: formatFlag('--output-format', flags.outputFormat),
      ...(columns?.length ? { columns } : {}),
      onError: flags.onError as OnError,
      workers: workersFlag(flags.workers),
      shard: flags.shard ? parseShard(flags.shard) : { index: 0, count: 1 },
      progress: stderr.isTTY ? (stderr as WriteStream) : null,
      warn: (line) => stderr.write(`modelport predict: ${line}\n`),
    });
    stderr.write(`${summaryLine(counts, (performance.now() - started) / 1000)}\n`);
  } catch (err) {
    const usage = err instanceof UsageError || (err instanceof WorkerError && err.usage);
    stderr.write(`modelport predict: ${(err as Error).message}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}
