// A codec worker thread per process for large bodies (see tasks.ts). Started on first use; if it dies, the
// requests it held fail with a 500 and the next request starts a new one.
import { Worker } from 'node:worker_threads';
import { ModelportError } from '../../errors.js';
import type { Feeds, TensorSpec } from '../../runtime/runner.js';
import type { Feature, Signature } from '../../signature/signature.js';
import type { BatchPlan } from '../../batch/plan.js';
import type { DecodedBlock } from '../../batch/types.js';
import type { DecodedRows, DecodedV2, Task, WireBlock } from './tasks.js';
import type { DecodedV2Request } from '../v2.js';
import { errorFromWire, fromWire, toWire, type WireError } from './wire.js';

/** Bodies from this size on are parsed and answered off the main thread. */
export const LARGE_BODY_BYTES = 256 * 1024;

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class CodecPool {
  private worker: Worker | null = null;
  private next = 0;
  private readonly waiting = new Map<number, Waiting>();

  private start(): Worker {
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    worker.unref();
    worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: WireError }) => {
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      if (error) w.reject(errorFromWire(error));
      else w.resolve(result);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const w of this.waiting.values()) w.reject(new ModelportError('INFERENCE_FAILED', ['codec worker', err.message]));
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    return worker;
  }

  private run<T>(task: Task, transfer: ArrayBuffer[]): Promise<T> {
    this.worker ??= this.start();
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker?.postMessage({ id, task }, transfer);
    });
  }

  /** The body (a Buffer of its own) is transferred, not copied. */
  async decodeRows(body: Buffer, signature: Signature, model: string): Promise<{ feeds: Feeds; rows: number; single: boolean }> {
    const bytes = ownBytes(body);
    const out = await this.run<DecodedRows>({ kind: 'rows', body: bytes, signature, model }, [bytes.buffer as ArrayBuffer]);
    return { feeds: fromWire(out.feeds), rows: out.rows, single: out.single };
  }

  async decodeV2(body: Buffer, inputs: readonly TensorSpec[], features: readonly Feature[] | null): Promise<DecodedV2Request> {
    const bytes = ownBytes(body);
    const out = await this.run<DecodedV2>({ kind: 'v2', body: bytes, inputs: [...inputs], features: features && [...features] }, [bytes.buffer as ArrayBuffer]);
    return { ...out, feeds: fromWire(out.feeds) };
  }

  async encodePredictions(signature: Signature, outputs: Feeds, rows: number, single: boolean, head: Record<string, unknown>): Promise<Buffer> {
    const bytes = await this.run<Uint8Array>({ kind: 'predictions', signature, outputs: toWire(outputs), rows, single, head }, []);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async encodeV2(outputs: Feeds, head: Record<string, unknown>): Promise<Buffer> {
    const bytes = await this.run<Uint8Array>({ kind: 'v2-response', outputs: toWire(outputs), head }, []);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A block of batch rows (CSV or NDJSON, as the plan says) decoded to feeds; the bytes are transferred. */
  async decodeBlock(plan: BatchPlan, bytes: Buffer, firstRow: number): Promise<DecodedBlock> {
    const own = ownBytes(bytes);
    const out = await this.run<WireBlock>({ kind: 'batch-decode', plan, bytes: own, firstRow }, [own.buffer as ArrayBuffer]);
    return { ...out, feeds: out.feeds && fromWire(out.feeds) };
  }

  /** A scored block's output lines (see src/batch/encode.ts). */
  async encodeBlock(plan: BatchPlan, outputs: Feeds | null, block: DecodedBlock, format: 'csv' | 'ndjson', columns: string[]): Promise<Buffer> {
    const wire = { ...block, feeds: null };
    const bytes = await this.run<Uint8Array>({ kind: 'batch-encode', plan, outputs: outputs && toWire(outputs), block: wire, format, columns }, []);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}

/** A Uint8Array that owns its whole ArrayBuffer, so that transferring it takes nothing else along. */
function ownBytes(body: Buffer): Uint8Array {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? new Uint8Array(body.buffer) : new Uint8Array(body);
}
