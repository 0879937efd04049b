// One worker thread of `modelport predict`: loads the model as the server does (a model folder through the
// repository, with its model.yaml; a lone artifact through importArtifacts), then answers blocks: decode (the
// batch codec), score, encode. It replies to the setup with {id: -1} and to each block with its answer.
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { importArtifacts } from '../import/artifact.js';
import { ModelRepository } from '../repository/repository.js';
import { DEFAULT_TUNING } from '../runtime/onnx-runner.js';
import type { Runner } from '../runtime/runner.js';
import { deriveSignature, type Signature } from '../signature/signature.js';
import {
  createPlan, decodeColumnsBlock, decodeCsvBlock, decodeNdjsonBlock, encodeBlock, encodeBlockColumns, headerLine,
  rowErrorText, selectColumns, type BatchPlan, type DecodedBlock,
} from './codec.js';
import { ownedBuffer, type BlockAnswer, type BlockCounts, type BlockTask, type WorkerSetup } from './cli-pool.js';
import type { OutputColumn } from './encode.js';
import { readParquetRows } from './parquet.js';
import type { InputFormat } from './types.js';

interface LoadedModel {
  name: string;
  runner: Runner;
  signature: Signature;
}

const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

async function loadModel(path: string): Promise<LoadedModel> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new Error(`model '${path}' does not exist`);
  if (info.isDirectory()) {
    const folderName = basename(resolve(path));
    const name = VALID_NAME.test(folderName) ? folderName : 'model';
    const repository = await ModelRepository.open(path, { singleModel: name, tuning: DEFAULT_TUNING });
    const version = repository.version(name);
    if (version.state !== 'ready' || !version.runner || !version.signature) {
      throw new Error(`model '${path}' did not load: ${version.error ?? version.state}`);
    }
    return { name, runner: version.runner, signature: version.signature };
  }
  const artifact = { name: basename(path), bytes: await readFile(path) };
  const imported = await importArtifacts([artifact], DEFAULT_TUNING, {}, { explain: false });
  return { name: artifact.name, runner: imported.runner, signature: deriveSignature(imported.runner.inputs, imported.runner.outputs, {}, imported.hints) };
}

/** A problem with the command line rather than the data (exit code 2): --columns names no output column. */
class UsageProblem extends Error {}

const SKIPPED_ERRORS_SHOWN = 5;
/**
 * Rows decoded, scored and encoded at a time within a Parquet range (a row group may hold a million): small
 * enough that a step's garbage dies young, which the CPU profile showed matters more than anything else.
 */
const STEP_ROWS = 16_384;

/** The answer to part of a task. */
interface Part extends BlockCounts {
  failure?: string;
  firstErrors: string[];
  text: string;
  columns: OutputColumn[] | null;
}

function concatColumns(parts: OutputColumn[][]): OutputColumn[] {
  if (parts.length === 1) return parts[0];
  return parts[0].map((first, c): OutputColumn => {
    if (first.kind === 'double') {
      const values = new Float64Array(parts.reduce((n, p) => n + p[c].values.length, 0));
      let at = 0;
      for (const p of parts) {
        values.set(p[c].values as Float64Array, at);
        at += p[c].values.length;
      }
      return { name: first.name, kind: 'double', values };
    }
    return { name: first.name, kind: 'string', values: parts.flatMap((p) => p[c].values as (string | null)[]) };
  });
}

class BlockScorer {
  private readonly plans = new Map<string, BatchPlan>();

  constructor(private readonly model: LoadedModel, private readonly setup: WorkerSetup) {}

  async answer(task: BlockTask): Promise<BlockAnswer> {
    if (task.kind === 'csv') {
      const plan = this.planFor('csv', task.header);
      return this.merge(plan, [await this.score(plan, decodeCsvBlock(plan, task.bytes, task.firstRow))]);
    }
    if (task.kind === 'ndjson') {
      const plan = this.planFor('ndjson', null);
      return this.merge(plan, [await this.score(plan, decodeNdjsonBlock(plan, task.bytes, task.firstRow))]);
    }
    const columns = await readParquetRows(task.path, task.start, task.rows);
    const plan = this.planFor('parquet', columns.map(([name]) => name));
    const parts: Part[] = [];
    for (let at = 0; at < task.rows; at += STEP_ROWS) {
      const n = Math.min(STEP_ROWS, task.rows - at);
      const step = Object.fromEntries(columns.map(([name, v]) => [name, v instanceof Float64Array ? v.subarray(at, at + n) : v.slice(at, at + n)]));
      const part = await this.score(plan, decodeColumnsBlock(plan, step, n, task.firstRow + at, false));
      parts.push(part);
      if (part.failure !== undefined) break;
    }
    return this.merge(plan, parts);
  }

  private async score(plan: BatchPlan, block: DecodedBlock): Promise<Part> {
    const errors = block.errors.length;
    const counts = { rows: block.rows, scored: block.rows - errors, skipped: this.setup.onError === 'skip' ? errors : 0, errors };
    if (this.setup.onError === 'fail' && errors > 0) {
      return { ...counts, scored: 0, failure: rowErrorText(block.errors[0]), firstErrors: [], text: '', columns: null };
    }
    const outputs = block.feeds ? await this.model.runner.run(block.feeds) : null;
    const firstErrors = this.setup.onError === 'skip' ? block.errors.slice(0, SKIPPED_ERRORS_SHOWN).map(rowErrorText) : [];
    const { columns, outputFormat } = this.setup;
    if (outputFormat === 'parquet') return { ...counts, firstErrors, text: '', columns: encodeBlockColumns(plan, outputs, block, columns) };
    return { ...counts, firstErrors, text: encodeBlock(plan, outputs, block, outputFormat, columns), columns: null };
  }

  /** One answer for a task's parts; text goes back as UTF-8 bytes, which move to the main thread without a copy. */
  private merge(plan: BatchPlan, parts: Part[]): BlockAnswer {
    const counts = { rows: 0, scored: 0, skipped: 0, errors: 0 };
    for (const p of parts) {
      counts.rows += p.rows;
      counts.scored += p.scored;
      counts.skipped += p.skipped;
      counts.errors += p.errors;
    }
    const failure = parts.find((p) => p.failure !== undefined)?.failure;
    if (failure !== undefined) return { ...counts, failure };
    const firstErrors = parts.flatMap((p) => p.firstErrors).slice(0, SKIPPED_ERRORS_SHOWN);
    const { columns, outputFormat } = this.setup;
    if (outputFormat === 'parquet') return { ...counts, firstErrors, columns: concatColumns(parts.map((p) => p.columns!)) };
    const bytes = Buffer.from(parts.length === 1 ? parts[0].text : parts.map((p) => p.text).join(''));
    return { ...counts, firstErrors, bytes, ...(outputFormat === 'csv' ? { header: headerLine(plan, 'csv', columns) } : {}) };
  }

  /** The plan of the input's columns (a CSV header, Parquet column names, or none for NDJSON), made once each. */
  private planFor(format: InputFormat, header: string | string[] | null): BatchPlan {
    const key = `${format}\n${Array.isArray(header) ? header.join('\0') : header ?? ''}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = createPlan({ signature: this.model.signature, model: this.model.name, format, header, onError: this.setup.onError });
      try {
        selectColumns(plan, this.setup.columns);
      } catch (err) {
        throw new UsageProblem(`--columns: ${(err as Error).message}`);
      }
      this.plans.set(key, plan);
    }
    return plan;
  }
}

/** The buffers an answer can hand over without a copy. */
function transferables(answer: BlockAnswer): ArrayBuffer[] {
  if ('bytes' in answer) return ownedBuffer(answer.bytes);
  if ('columns' in answer) return answer.columns.flatMap((c) => (c.values instanceof Float64Array ? ownedBuffer(c.values) : []));
  return [];
}

const port = parentPort!;
const setup = workerData as WorkerSetup;
try {
  const scorer = new BlockScorer(await loadModel(setup.model), setup);
  // One task at a time: a Parquet task reads a row group, and tasks read side by side would hold several at once.
  let previous = Promise.resolve();
  port.on('message', ({ id, task }: { id: number; task: BlockTask }) => {
    previous = previous.then(() => scorer.answer(task)).then(
      (answer) => port.postMessage({ id, answer }, transferables(answer)),
      (err: Error) => port.postMessage({ id, error: err.message, usage: err instanceof UsageProblem }),
    );
  });
  port.postMessage({ id: -1 });
} catch (err) {
  port.postMessage({ id: -1, error: (err as Error).message });
}
