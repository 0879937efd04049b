// The work the codec worker does for large bodies, so that parsing and serialising megabytes of JSON never
// blocks the event loop that serves small requests. Each task is a pure function of plain data.
import { decodeCsvBlock, decodeNdjsonBlock } from '../../batch/decode.js';
import { encodeBlock } from '../../batch/encode.js';
import type { BatchPlan } from '../../batch/plan.js';
import type { DecodedBlock } from '../../batch/types.js';
import type { TensorSpec } from '../../runtime/runner.js';
import type { Feature, Signature } from '../../signature/signature.js';
import { readJsonRows } from '../json-rows.js';
import { parseJsonBytes } from '../secure-json.js';
import { PredictionEncoder } from '../predictions.js';
import { rowsToFeeds } from '../rows.js';
import { parseV2Request, requestOptions, type DecodedV2Request, tensorToV2, v2ToFeeds } from '../v2.js';
import { fromWire, toWire, type WireTensor } from './wire.js';

export type Task =
  | { kind: 'rows'; body: Uint8Array; signature: Signature; model: string }
  | { kind: 'v2'; body: Uint8Array; inputs: TensorSpec[]; features: Feature[] | null }
  | { kind: 'predictions'; signature: Signature; outputs: WireTensor[]; rows: number; single: boolean; head: Record<string, unknown> }
  | { kind: 'v2-response'; outputs: WireTensor[]; head: Record<string, unknown> }
  | { kind: 'batch-decode'; plan: BatchPlan; bytes: Uint8Array; firstRow: number }
  | { kind: 'batch-encode'; plan: BatchPlan; outputs: WireTensor[] | null; block: WireBlock; format: 'csv' | 'ndjson'; columns: string[] };

export interface DecodedRows { feeds: WireTensor[]; rows: number; single: boolean }
export type DecodedV2 = Omit<DecodedV2Request, 'feeds'> & { feeds: WireTensor[] };
/** A decoded batch block with its feeds as plain data. */
export type WireBlock = Omit<DecodedBlock, 'feeds'> & { feeds: WireTensor[] | null };

const encoder = new TextEncoder();

export function runTask(task: Task): DecodedRows | DecodedV2 | WireBlock | Uint8Array {
  switch (task.kind) {
    case 'rows': {
      const request = readJsonRows(parseJsonBytes(task.body), task.signature, task.model);
      const feeds = rowsToFeeds(task.signature, task.model, request.rows, request);
      return { feeds: toWire(feeds), rows: request.rows.length, single: request.single };
    }
    case 'v2': {
      const request = parseV2Request(parseJsonBytes(task.body));
      return { feeds: toWire(v2ToFeeds(request, task.inputs, task.features)), ...requestOptions(request) };
    }
    case 'predictions': {
      const predictions = new PredictionEncoder(task.signature).encode(fromWire(task.outputs), task.rows);
      const body = task.single ? { ...task.head, prediction: predictions[0] } : { ...task.head, predictions };
      return encoder.encode(JSON.stringify(body));
    }
    case 'v2-response': {
      const outputs = fromWire(task.outputs);
      return encoder.encode(JSON.stringify({ ...task.head, outputs: Object.entries(outputs).map(([name, t]) => tensorToV2(name, t)) }));
    }
    case 'batch-decode': {
      const decode = task.plan.format === 'csv' ? decodeCsvBlock : decodeNdjsonBlock;
      const block = decode(task.plan, task.bytes, task.firstRow);
      return { ...block, feeds: block.feeds && toWire(block.feeds) };
    }
    case 'batch-encode': {
      const block = { ...task.block, feeds: null };
      return encoder.encode(encodeBlock(task.plan, task.outputs && fromWire(task.outputs), block, task.format, task.columns));
    }
  }
}
