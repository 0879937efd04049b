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

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The number a text value spells when it is a plain decimal (as checkValue would read it), else undefined.
 * Number() alone also reads ' 1', '0x10', '0b1' and 'Infinity': the first and last characters rule those out,
 * and anything unusual takes checkValue's slow path, which decides.
 */
function plainDecimal(text: string): number | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(n - 1);
  if (!(isDigit(last) || last === 46) || !(isDigit(first) || first === 45 || first === 43 || first === 46)) return undefined;
  if (first === 48 && n > 1) {
    const second = text.charCodeAt(1);
    if (!isDigit(second) && second !== 46 && (second | 32) !== 101) return undefined;
  }
  return Number(text);
}

/** Why a row cannot be written: the feature at fault (none when the row's shape is wrong) and what is wrong. */
export interface RowFault {
  column?: string;
  message: string;
}

/**
 * Writes rows one at a time into fresh input buffers: the per-row entry point shared by rowsToFeeds (which turns
 * a fault into a 400) and batch scoring (which reports it against the row and goes on). A row that faults may be
 * left half written: the caller writes the next row over it.
 */
export class RowWriter {
  private readonly plan: Plan;
  private readonly buffers: TensorData[];

  constructor(signature: Signature, model: string, readonly capacity: number) {
    this.plan = planFor(signature, model);
    this.buffers = this.plan.specs.map((spec) => allocate(spec.type, capacity * (spec.shape.length === 2 ? Math.max(spec.shape[1], 1) : 1)));
  }

  /** Per feature: whether it takes numbers (a text source may hand over a number it parsed exactly instead). */
  get numeric(): boolean[] {
    return this.plan.slots.map((slot) => slot.fast !== null);
  }

  /**
   * Row r from values in feature order, or, with `columnOf`, from fields[columnOf[i]] for feature i
   * (-1: the column is absent, a missing value). Without `columnOf` the row must hold one value per feature.
   */
  writeValues(r: number, values: readonly unknown[], textual: boolean, columnOf?: Int32Array): RowFault | null {
    const slots = this.plan.slots;
    if (!columnOf && values.length !== slots.length) {
      return { message: `expected ${slots.length} values (${this.plan.names}), got ${values.length}` };
    }
    for (let i = 0; i < slots.length; i++) {
      let value: unknown;
      if (!columnOf) value = values[i];
      else if (columnOf[i] >= 0) value = values[columnOf[i]];
      else if (slots[i].feature.allowMissing) value = null;
      else return { column: slots[i].feature.name, message: 'this feature is required' };
      const fault = this.put(slots[i], r, value, textual);
      if (fault) return fault;
    }
    return null;
  }

  /** Row r from an object of named features; other keys are refused unless `otherKeys` allows them. */
  writeRecord(r: number, record: Record<string, unknown>, textual: boolean, otherKeys: 'refuse' | 'allow'): RowFault | null {
    const plan = this.plan;
    let present = 0;
    for (const slot of plan.slots) {
      const name = slot.feature.name;
      let value = Object.hasOwn(record, name) ? record[name] : undefined;
      if (value === undefined) {
        if (!slot.feature.allowMissing) return { column: name, message: 'this feature is required' };
        value = null;
      } else {
        present++;
      }
      const fault = this.put(slot, r, value, textual);
      if (fault) return fault;
    }
    if (otherKeys === 'allow') return null;
    let keys = 0;
    for (const key in record) if (Object.hasOwn(record, key) && !plan.ignored.has(key)) keys++;
    if (keys !== present) {
      const unknown = Object.keys(record).find((k) => !plan.ignored.has(k) && !plan.slots.some((s) => s.feature.name === k)) ?? '';
      return { column: unknown, message: `unknown feature (expected: ${plan.names})` };
    }
    return null;
  }

  /** The input tensors of the first `rows` rows. */
  feeds(rows: number): Feeds {
    const feeds: Feeds = {};
    this.plan.specs.forEach((spec, i) => {
      const width = spec.shape.length === 1 ? 1 : Math.max(spec.shape[1] ?? 1, 1);
      const all = this.buffers[i];
      const data = rows === this.capacity ? all : Array.isArray(all) ? all.slice(0, rows * width) : all.subarray(0, rows * width);
      feeds[spec.name] = makeTensor(spec.type, data as TensorData, spec.shape.length === 1 ? [rows] : [rows, width]);
    });
    return feeds;
  }

  private put(slot: Slot, r: number, value: unknown, textual: boolean): RowFault | null {
    const index = r * slot.width + slot.column;
    const data = this.buffers[slot.input];
    if (slot.fast) {
      const v = slot.fast(textual && typeof value === 'string' ? plainDecimal(value) : value);
      if (v !== undefined) {
        (data as Float64Array)[index] = v;
        return null;
      }
    }
    try {
      store(data, index, checkValue(slot.feature, value, textual));
      return null;
    } catch (err) {
      if (err instanceof ValueError) return { column: slot.feature.name, message: err.message };
      throw err;
    }
  }
}

export function rowsToFeeds(signature: Signature, model: string, rows: readonly unknown[], source: RowsSource): Feeds {
  const { where, single, textual } = source;
  if (rows.length === 0) {
    tabularFeatures(signature, model);
    throw invalidInput(where, 'at least one row is required');
  }
  const writer = new RowWriter(signature, model, rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let fault: RowFault | null;
    if (Array.isArray(row)) {
      fault = writer.writeValues(r, row, textual);
    } else if (typeof row === 'object' && row !== null) {
      fault = writer.writeRecord(r, row as Record<string, unknown>, textual, 'refuse');
    } else {
      throw invalidInput(single ? where : `${where}[${r}]`, 'each row must be an object of named features or an array of values');
    }
    if (fault) {
      if (fault.column === undefined) throw invalidInput(single ? where : `${where}[${r}]`, fault.message);
      throw invalidInput(single ? fault.column : `${where}[${r}].${fault.column}`, fault.message);
    }
  }
  return writer.feeds(rows.length);
}
