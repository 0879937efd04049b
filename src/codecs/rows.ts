// Rows of named features (objects) or positional values (arrays) → the model's input tensors.
import { invalidInput } from '../errors.js';
import type { Feeds, TensorSpec } from '../runtime/runner.js';
import type { Feature, Signature } from '../signature/signature.js';
import { allocate, makeTensor, type TensorData } from '../tensor.js';
import { featureValue, type FeatureValue } from './values.js';

export type Row = Record<string, unknown> | unknown[];

/** Where each feature lands: its tensor, the tensor's row width and the column in it. */
interface Slot {
  feature: Feature;
  spec: TensorSpec;
  width: number;
  column: number;
}

export function tabularFeatures(signature: Signature, model: string): Feature[] {
  if (!signature.features) {
    throw invalidInput(undefined, `model '${model}' takes tensors, not rows of features; use the V2 infer endpoint`);
  }
  return signature.features;
}

function slotsOf(signature: Signature, features: Feature[]): Slot[] {
  return features.map((feature) => {
    const spec = signature.inputs.find((s) => s.name === feature.input) as TensorSpec;
    return { feature, spec, width: feature.column === null ? 1 : spec.shape[1], column: feature.column ?? 0 };
  });
}

function store(data: TensorData, index: number, value: FeatureValue): void {
  if (Array.isArray(data)) data[index] = value as string;
  else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[index] = BigInt(value as number);
  else data[index] = typeof value === 'boolean' ? Number(value) : (value as number);
}

export interface RowsSource {
  /** How errors name the rows: `instances`, `body`, `rows`; a single row's features are named bare. */
  where: string;
  single: boolean;
  /** The values came as text (query string, CSV) and may be parsed. */
  textual: boolean;
}

export function rowsToFeeds(signature: Signature, model: string, rows: readonly unknown[], source: RowsSource): Feeds {
  const { where, single, textual } = source;
  const features = tabularFeatures(signature, model);
  if (rows.length === 0) throw invalidInput(where, 'at least one row is required');
  const slots = slotsOf(signature, features);
  const byName = new Map(slots.map((s) => [s.feature.name, s]));
  const buffers = new Map<string, TensorData>();
  for (const spec of signature.inputs) {
    const width = spec.shape.length === 2 ? Math.max(spec.shape[1], 1) : 1;
    buffers.set(spec.name, allocate(spec.type, rows.length * width));
  }
  rows.forEach((row, r) => {
    const at = single ? '' : `${where}[${r}]`;
    const field = (name: string) => (at ? `${at}.${name}` : name);
    if (Array.isArray(row)) {
      if (row.length !== slots.length) {
        throw invalidInput(at || where, `expected ${slots.length} values (${features.map((f) => f.name).join(', ')}), got ${row.length}`);
      }
      slots.forEach((slot, i) => {
        store(buffers.get(slot.spec.name)!, r * slot.width + slot.column, featureValue(slot.feature, row[i], field(slot.feature.name), textual));
      });
      return;
    }
    if (typeof row !== 'object' || row === null) {
      throw invalidInput(at || where, 'each row must be an object of named features or an array of values');
    }
    const record = row as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!byName.has(key)) {
        throw invalidInput(field(key), `unknown feature (expected: ${features.map((f) => f.name).join(', ')})`);
      }
    }
    for (const slot of slots) {
      const name = slot.feature.name;
      let value = Object.hasOwn(record, name) ? record[name] : undefined;
      if (value === undefined) {
        if (!slot.feature.allowMissing) throw invalidInput(field(name), 'this feature is required');
        value = null;
      }
      store(buffers.get(slot.spec.name)!, r * slot.width + slot.column, featureValue(slot.feature, value, field(name), textual));
    }
  });
  const feeds: Feeds = {};
  for (const spec of signature.inputs) {
    const dims = spec.shape.length === 1 ? [rows.length] : [rows.length, Math.max(spec.shape[1] ?? 1, 1)];
    feeds[spec.name] = makeTensor(spec.type, buffers.get(spec.name)!, dims);
  }
  return feeds;
}
