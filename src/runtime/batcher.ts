// Dynamic batching (Triton / MLServer style). Requests that arrive in the same turn of the event loop, or within
// max_delay_ms, are concatenated along the batch dimension into one run and split back, so each caller gets
// exactly its own rows and outputs. Large requests are cut into runs of about LARGE_RUN_SECONDS each (never fewer
// than max_batch_size rows) with a yield between runs, so small requests are never stuck behind a big one while the
// big one does not pay a run's fixed cost every max_batch_size rows. The queue is bounded.
import { ModelportError } from '../errors.js';
import { allocate, makeTensor, type ElementType, type Tensor, type TensorData } from '../tensor.js';
import type { Feeds, Runner } from './runner.js';

export interface BatchingOptions {
  /** Most rows in one run. */
  maxBatchSize: number;
  /** How long the first request waits for company; 0 batches only what arrives in the same event-loop turn. */
  maxDelayMs: number;
  /** Most requests waiting; beyond it requests are refused with 503 and Retry-After. */
  maxQueue: number;
}

interface Pending {
  feeds: Feeds;
  rows: number;
  outputs: readonly string[];
  resolve: (out: Feeds) => void;
  reject: (err: unknown) => void;
  /** For a request larger than max_batch_size: rows scored so far and their outputs. */
  offset: number;
  parts: Feeds[];
  /** Set once the caller has its answer or its error (a timed-out request may still be in a running batch). */
  settled: boolean;
}

export interface BatchStats {
  /** Called once per run with the rows in it and how long it took. */
  onRun?: (rows: number, requests: number, seconds: number) => void;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long one run of a large request may hold the event loop (onnxruntime runs block it). */
export const LARGE_RUN_SECONDS = 0.002;

/** Concatenates tensors along dimension 0. */
export function concat(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 1) return tensors[0];
  const type = tensors[0].type as ElementType;
  const rest = tensors[0].dims.slice(1);
  const rows = tensors.reduce((n, t) => n + t.dims[0], 0);
  const total = tensors.reduce((n, t) => n + t.data.length, 0);
  const out = allocate(type, total);
  let at = 0;
  for (const t of tensors) {
    if (Array.isArray(out)) for (let i = 0; i < t.data.length; i++) out[at + i] = (t.data as string[])[i];
    else (out as Float64Array).set(t.data as Float64Array, at);
    at += t.data.length;
  }
  return makeTensor(type, out, [rows, ...rest]);
}

/** Rows [start, end) of a tensor, without copying numeric data. */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const width = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = t.data as TensorData;
  const part = Array.isArray(data) ? data.slice(start * width, end * width) : data.subarray(start * width, end * width);
  return makeTensor(t.type as ElementType, part, [end - start, ...t.dims.slice(1)]);
}

function shapeKey(feeds: Feeds): string {
  return Object.entries(feeds).map(([name, t]) => `${name}:${t.type}:${t.dims.slice(1).join('x')}`).sort().join('|');
}

export class Batcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  /** Seconds per row of recent runs (a moving average), to size the runs of large requests. */
  private secondsPerRow = 0;

  constructor(
    private readonly runner: Runner,
    private readonly options: BatchingOptions,
    private readonly model: string,
    private readonly stats: BatchStats = {},
    private readonly largeRunSeconds = LARGE_RUN_SECONDS,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Scores a request; `rows` is its batch size, `outputs` the outputs it wants. After `timeoutMs` the caller gets
   * a TIMEOUT error and whatever of the request has not run yet is dropped from the queue.
   */
  infer(feeds: Feeds, rows: number, outputs: readonly string[], timeoutMs?: number): Promise<Feeds> {
    if (this.queue.length >= this.options.maxQueue) {
      const err = new ModelportError('OVERLOADED', [this.model]);
      err.retryAfter = 1;
      return Promise.reject(err);
    }
    return new Promise<Feeds>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const p: Pending = {
        feeds, rows, outputs, offset: 0, parts: [], settled: false,
        resolve: (out) => { if (!p.settled) { p.settled = true; clearTimeout(timer); resolve(out); } },
        reject: (err) => { if (!p.settled) { p.settled = true; clearTimeout(timer); reject(err); } },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.remove(p);
          p.reject(new ModelportError('TIMEOUT', [this.model, timeoutMs]));
        }, timeoutMs);
      }
      this.queue.push(p);
      this.schedule();
    });
  }

  private remove(p: Pending): void {
    const at = this.queue.indexOf(p);
    if (at >= 0) this.queue.splice(at, 1);
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const start = () => {
      this.scheduled = false;
      void this.drain();
    };
    if (this.options.maxDelayMs > 0) setTimeout(start, this.options.maxDelayMs);
    else setImmediate(start);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        // Small requests go first; a large one advances by one chunk whenever none is waiting.
        const small = this.queue.some((p) => p.rows <= this.options.maxBatchSize);
        if (small) await this.runBatch(this.take());
        else await this.runChunk(this.queue[0]);
        // Let requests that arrived meanwhile be parsed and queued before the next run.
        if (this.queue.length) await yieldToEventLoop();
      }
    } finally {
      this.running = false;
    }
  }

  /** The next batch: small requests of one input shape, up to max_batch_size rows in all. */
  private take(): Pending[] {
    const key = shapeKey((this.queue.find((p) => p.rows <= this.options.maxBatchSize) as Pending).feeds);
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    let rows = 0;
    for (const p of this.queue) {
      const fits = p.rows <= this.options.maxBatchSize && rows + p.rows <= this.options.maxBatchSize && shapeKey(p.feeds) === key;
      if (fits) {
        batch.push(p);
        rows += p.rows;
      } else {
        rest.push(p);
      }
    }
    this.queue = rest;
    return batch;
  }

  /** One chunk of a large request, which stays queued until its last chunk has run. */
  private async runChunk(p: Pending): Promise<void> {
    const rows = this.secondsPerRow > 0 ? Math.floor(this.largeRunSeconds / this.secondsPerRow) : 0;
    const end = Math.min(p.rows, p.offset + Math.max(this.options.maxBatchSize, rows));
    const chunk = Object.fromEntries(Object.entries(p.feeds).map(([name, t]) => [name, sliceRows(t, p.offset, end)]));
    try {
      p.parts.push(await this.run(chunk, end - p.offset, p.outputs, 1));
    } catch (err) {
      this.remove(p);
      p.reject(err);
      return;
    }
    p.offset = end;
    if (end < p.rows) return;
    this.remove(p);
    p.resolve(Object.fromEntries(p.outputs.map((name) => [name, concat(p.parts.map((part) => part[name]))])));
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const outputs = [...new Set(batch.flatMap((p) => p.outputs))];
    const names = Object.keys(batch[0].feeds);
    const feeds: Feeds = Object.fromEntries(names.map((name) => [name, concat(batch.map((p) => p.feeds[name]))]));
    const rows = batch.reduce((n, p) => n + p.rows, 0);
    let result: Feeds;
    try {
      result = await this.run(feeds, rows, outputs, batch.length);
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      // One request may have poisoned the batch: run each alone so every caller gets its own outcome.
      for (const p of batch) {
        try {
          p.resolve(await this.run(p.feeds, p.rows, p.outputs, 1));
        } catch (e) {
          p.reject(e);
        }
      }
      return;
    }
    let start = 0;
    for (const p of batch) {
      const end = start + p.rows;
      const mine: Feeds = {};
      for (const name of p.outputs) mine[name] = batch.length === 1 ? result[name] : sliceRows(result[name], start, end);
      p.resolve(mine);
      start = end;
    }
  }

  private async run(feeds: Feeds, rows: number, outputs: readonly string[], requests: number): Promise<Feeds> {
    const started = process.hrtime.bigint();
    const out = await this.runner.run(feeds, outputs);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // A run's fixed cost inflates small runs' seconds per row, which errs towards shorter runs.
    this.secondsPerRow = this.secondsPerRow === 0 ? seconds / rows : 0.8 * this.secondsPerRow + 0.2 * (seconds / rows);
    this.stats.onRun?.(rows, requests, seconds);
    return out;
  }
}
