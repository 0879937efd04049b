// Rows of named features (objects) or positional values (arrays) → the model's input tensors.
// The plan (where each feature lands) is computed once per signature; plain finite numbers take a fast path.
import { invalidInput } from '../errors.js';
import type { Feeds, TensorSpec } from '../runtime/runner.js';
import type { Feature, Signature } from '../signature/signature.js';
import { allocate, ELEMENT_TYPES, makeTensor, type TensorData } from '../tensor.js';
import { checkValue, FLOAT32_MAX, ValueError, type FeatureValue } from './values.js';

export type Row = Record<string, unknown> | unknown[];

export interface RowsSource {
  /** How errors name the rows: `instances`, `body`, `rows`; a single row's features are named bare. */
  where: string;
  single: boolean;
  /** The values came as text (query string, CSV) and may be parsed. */
  textual: boolean;
}

/** Where a feature lands: its tensor, the tensor's row width and the column in it. */
interface Slot {
  feature: Feature;
  input: number;
  width: number;
  column: number;
  /** The value to store when `v` is an ordinary valid number for this slot, else undefined (the slow path decides). */
  fast: ((v: unknown) => number | undefined) | null;
}

const INTEGER_KINDS = new Set(['int', 'bigint']);

/** A validator for the common case, compiled once per feature: a finite number, integral if need be, in bounds. */
function fastPath(feature: Feature, spec: TensorSpec): Slot['fast'] {
  const kind = ELEMENT_TYPES[feature.type].kind;
  const target = ELEMENT_TYPES[spec.type].kind;
  // Float tensors only: integer tensors and narrow integer types keep the slow path, which checks ranges.
  if (target !== 'float' || kind === 'string' || kind === 'bool' || feature.categoriesOnly) return null;
  if (kind !== 'float' && feature.type !== 'int64') return null;
  const integral = INTEGER_KINDS.has(kind);
  const limit = integral ? Number.MAX_SAFE_INTEGER : spec.type === 'float32' || feature.type === 'float32' ? FLOAT32_MAX : Infinity;
  const lo = Math.max(feature.min ?? -Infinity, -limit);
  const hi = Math.min(feature.max ?? Infinity, limit);
  // v - v === 0 holds only for finite numbers (JSON.parse turns 1e400 into Infinity).
  return (v) => (typeof v === 'number' && v - v === 0 && v >= lo && v <= hi && (!integral || Number.isInteger(v)) ? v : undefined);
}

interface Plan {
  features: Feature[];
  slots: Slot[];
  /** Columns a row may carry that the model does not read. */
  ignored: Set<string>;
  names: string;
  specs: readonly TensorSpec[];
}

const plans = new WeakMap<Signature, Plan>();

export function tabularFeatures(signature: Signature, model: string): Feature[] {
  if (!signature.features) {
    throw invalidInput(undefined, `model '${model}' takes tensors, not rows of features; use the V2 infer endpoint`);
  }
  return signature.features;
}

function planFor(signature: Signature, model: string): Plan {
  let plan = plans.get(signature);
  if (!plan) {
    const features = tabularFeatures(signature, model);
    const specs = signature.inputs;
    const slots = features.map((feature) => {
      const input = specs.findIndex((s) => s.name === feature.input);
      const spec = specs[input];
      return {
        feature,
        input,
        width: feature.column === null ? 1 : spec.shape[1],
        column: feature.column ?? 0,
        fast: fastPath(feature, spec),
      };
    });
    const ignored = new Set(signature.ignoredFeatures ?? []);
    plan = { features, slots, ignored, names: features.map((f) => f.name).join(', '), specs };
    plans.set(signature, plan);
  }
  return plan;
}

function store(data: TensorData, index: number, value: FeatureValue): void {
  if (Array.isArray(data)) data[index] = value as string;
  else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[index] = BigInt(value as number);
  else data[index] = typeof value === 'boolean' ? Number(value) : (value as number);
}

export function rowsToFeeds(signature: Signature, model: string, rows: readonly unknown[], source: RowsSource): Feeds {
  const { where, single, textual } = source;
  const plan = planFor(signature, model);
  const { slots, specs } = plan;
  if (rows.length === 0) throw invalidInput(where, 'at least one row is required');
  const buffers = specs.map((spec) => allocate(spec.type, rows.length * (spec.shape.length === 2 ? Math.max(spec.shape[1], 1) : 1)));
  const at = (r: number) => (single ? '' : `${where}[${r}]`);
  const field = (r: number, name: string) => (single ? name : `${where}[${r}].${name}`);
  const put = (slot: Slot, r: number, value: unknown) => {
    const index = r * slot.width + slot.column;
    const data = buffers[slot.input];
    const v = textual || !slot.fast ? undefined : slot.fast(value);
    if (v !== undefined) {
      (data as Float64Array)[index] = v;
      return;
    }
    try {
      store(data, index, checkValue(slot.feature, value, textual));
    } catch (err) {
      throw err instanceof ValueError ? invalidInput(field(r, slot.feature.name), err.message) : err;
    }
  };

  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (Array.isArray(row)) {
      if (row.length !== slots.length) {
        throw invalidInput(at(r) || where, `expected ${slots.length} values (${plan.names}), got ${row.length}`);
      }
      for (let i = 0; i < slots.length; i++) put(slots[i], r, row[i]);
      continue;
    }
    if (typeof row !== 'object' || row === null) {
      throw invalidInput(at(r) || where, 'each row must be an object of named features or an array of values');
    }
    const record = row as Record<string, unknown>;
    let present = 0;
    for (const slot of slots) {
      const name = slot.feature.name;
      let value = Object.hasOwn(record, name) ? record[name] : undefined;
      if (value === undefined) {
        if (!slot.feature.allowMissing) throw invalidInput(field(r, name), 'this feature is required');
        value = null;
      } else {
        present++;
      }
      put(slot, r, value);
    }
    let keys = 0;
    for (const key in record) if (Object.hasOwn(record, key) && !plan.ignored.has(key)) keys++;
    if (keys !== present) {
      const unknown = Object.keys(record).find((k) => !plan.ignored.has(k) && !slots.some((s) => s.feature.name === k)) ?? '';
      throw invalidInput(field(r, unknown), `unknown feature (expected: ${plan.names})`);
    }
  }
  const feeds: Feeds = {};
  specs.forEach((spec, i) => {
    const dims = spec.shape.length === 1 ? [rows.length] : [rows.length, Math.max(spec.shape[1] ?? 1, 1)];
    feeds[spec.name] = makeTensor(spec.type, buffers[i], dims);
  });
  return feeds;
}
