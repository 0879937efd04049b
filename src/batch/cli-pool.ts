// The worker threads of `modelport predict`: each loads the model itself, then decodes, scores and encodes the
// blocks it is sent (cli-worker.ts). Tasks go to the worker with the fewest in hand.
import { Worker } from 'node:worker_threads';
import type { OutputColumn } from './encode.js';
import type { RowRange } from './parquet.js';
import type { OnError, OutputFormat } from './types.js';

export interface WorkerSetup {
  /** A model folder or a lone artifact file. */
  model: string;
  onError: OnError;
  outputFormat: OutputFormat;
  columns?: string[];
}

/** One block to score: CSV or NDJSON bytes (whole rows), or a range of rows of a Parquet file (the worker reads it). */
export type BlockTask =
  | { kind: 'csv'; header: string; bytes: Uint8Array; firstRow: number }
  | { kind: 'ndjson'; bytes: Uint8Array; firstRow: number }
  | ({ kind: 'parquet'; path: string } & RowRange);

export interface BlockCounts {
  rows: number;
  scored: number;
  skipped: number;
  errors: number;
}

/**
 * A scored block: its output text as UTF-8 bytes (with the CSV header line, written once per file) or columns,
 * and in mode 'skip' the first errors of the rows it dropped.
 */
export type BlockAnswer = BlockCounts & (
  | { bytes: Uint8Array; header?: string; firstErrors: string[]; failure?: undefined }
  | { columns: OutputColumn[]; firstErrors: string[]; failure?: undefined }
  // Mode 'fail': the block's first error, as `row N, column 'x': …`.
  | { failure: string });

/** A worker could not load the model or start the job; `usage` when the command line is at fault (--columns). */
export class WorkerError extends Error {
  constructor(message: string, readonly usage: boolean) {
    super(message);
  }
}

/** The buffer of a view that owns it whole, to transfer rather than copy (small Buffers share Node's pool). */
export function ownedBuffer(view: ArrayBufferView): ArrayBuffer[] {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? [view.buffer as ArrayBuffer] : [];
}

type Reply = { id: number; answer?: BlockAnswer; error?: string; usage?: boolean };

interface Pending {
  resolve: (answer: BlockAnswer) => void;
  reject: (err: Error) => void;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<void>;

  constructor(readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.once('message', (m: Reply) => (m.error ? reject(new WorkerError(m.error, m.usage === true)) : resolve()));
      worker.once('error', reject);
    });
  }
}

export class WorkerPool {
  private readonly workers: PoolWorker[];
  private nextId = 0;

  constructor(size: number, setup: WorkerSetup) {
    this.workers = Array.from({ length: size }, () => {
      const pw = new PoolWorker(new Worker(new URL('./cli-worker.js', import.meta.url), { workerData: setup }));
      pw.ready.then(() => {
        pw.worker.on('message', (m: Reply) => {
          const p = pw.pending.get(m.id);
          pw.pending.delete(m.id);
          if (m.answer) p?.resolve(m.answer);
          else p?.reject(new WorkerError(m.error ?? 'the worker failed', m.usage === true));
        });
      }, () => undefined);
      pw.worker.on('error', (err) => this.failAll(pw, err));
      pw.worker.on('exit', (code) => this.failAll(pw, new Error(`a scoring worker stopped (exit code ${code})`)));
      return pw;
    });
  }

  /** Resolves once every worker has loaded the model; rejects with the first failure. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  /** `transfer` hands the task's buffers to the worker (they are unusable here afterwards) rather than copying. */
  run(task: BlockTask, transfer: boolean): Promise<BlockAnswer> {
    const target = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const buffers = transfer && task.kind !== 'parquet' ? ownedBuffer(task.bytes) : [];
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ id, task }, buffers);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private failAll(pw: PoolWorker, err: Error): void {
    for (const p of pw.pending.values()) p.reject(err);
    pw.pending.clear();
  }
}
