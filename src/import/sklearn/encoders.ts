// OneHotEncoder, OrdinalEncoder and TargetEncoder. Each input column becomes its category's index in categories_ (-1 when
// unknown): an ai.onnx.ml LabelEncoder for strings, exact double comparisons for numbers. A table per column
// then maps the index to the output, folding in what scikit-learn does after encoding: infrequent categories
// grouped, a dropped category, unknown values ignored or sent to the infrequent column, ordinal codes for
// missing and unknown values. handle_unknown='error' cannot raise inside a graph; the column's categories are
// declared closed instead, so the request codecs refuse any other value with a 400 naming the column.
import { ML_DOMAIN, type GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import type { PyObject } from '../pickle/values.js';
import { attr, ConversionError, inputWidth, numberAttr, shortName } from './attrs.js';
import { register, type Column, type ColumnFacts, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';
import { columnOf, isMissing, MISSING_STRING } from './table.js';

/** categories_: one array per input column. */
function categoriesOf(encoder: PyObject): NdArray[] {
  const cats = attr(encoder, 'categories_');
  if (!Array.isArray(cats) || !cats.every((c) => c instanceof NdArray)) {
    throw new ConversionError(`${shortName(encoder)}: categories_ is missing (is it fitted?)`);
  }
  return cats as NdArray[];
}

/** A per-column list attribute whose entries are None or an array of indices. */
function perColumn(encoder: PyObject, name: string, width: number): (number[] | null)[] {
  const v = attr(encoder, name);
  if (v === undefined || v === null) return Array.from({ length: width }, () => null);
  const items = v instanceof NdArray ? v.items() : Array.isArray(v) ? v : null;
  if (!items || items.length !== width) throw new ConversionError(`${shortName(encoder)}: ${name} has an unexpected form`);
  return items.map((x) => (x instanceof NdArray ? Array.from(x.numbers()) : typeof x === 'number' ? [x] : null));
}

function isStringColumn(cats: NdArray): boolean {
  if (cats.dtype.kind === 'U' || cats.dtype.kind === 'S') return true;
  return cats.dtype.kind === 'O' && cats.items().some((c) => typeof c === 'string');
}

/** Where a missing value lands: the NaN category, else the None one (a request's null stands for either). */
export function missingCategory(values: readonly unknown[]): number {
  const nan = values.findIndex((v) => typeof v === 'number' && Number.isNaN(v));
  return nan >= 0 ? nan : values.indexOf(null);
}

/** The index of each row's value in `categories` as a double [N, 1]; -1 for a value not among them. */
function categoryIndex(g: GraphBuilder, column: Column, categories: NdArray, owner: string): string {
  const values = categories.items();
  const missingAt = missingCategory(values);
  if (column.type === 'string') {
    const keys: string[] = [];
    const codes: number[] = [];
    values.forEach((v, k) => {
      if (typeof v === 'string') {
        keys.push(v);
        codes.push(k);
      } else if (!isMissing(v)) {
        throw new ConversionError(`${owner}: a string column has the category ${String(v)}, which is not a string`);
      }
    });
    if (missingAt >= 0) {
      keys.push(MISSING_STRING);
      codes.push(missingAt);
    }
    g.opset(ML_DOMAIN, 2);
    const code = g.op('LabelEncoder', [column.name], {
      keys_strings: { strings: keys }, values_int64s: { ints: codes }, default_int64: { int: -1 },
    }, ML_DOMAIN);
    return g.op('Cast', [code], { to: { int: 11 } });
  }
  const numbers = values.map((v) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return Number(v);
    if (v === null) return NaN;
    throw new ConversionError(`${owner}: a numeric column has the category ${JSON.stringify(v)}`);
  });
  // At most one category equals the value, so Σ equal_k · (k + 1) - 1 is its index, exactly.
  const equal = g.op('Cast', [g.op('Equal', [column.name, f64(g, 'categories', numbers, [numbers.length])])], { to: { int: 11 } });
  const weighted = g.op('MatMul', [equal, f64(g, 'positions', numbers.map((_, k) => k + 1), [numbers.length, 1])]);
  const index = g.op('Sub', [weighted, f64(g, 'one', [1], [])]);
  if (missingAt < 0) return index;
  return g.op('Where', [g.op('IsNaN', [column.name]), f64(g, 'missing_index', [missingAt], []), index]);
}

/** table[index + 1] for each row's category index (table[0] is for unknown values). */
function lookup(g: GraphBuilder, index: string, table: readonly number[]): string {
  const at = g.op('Cast', [g.op('Add', [index, f64(g, 'one', [1], [])])], { to: { int: 7 } });
  return g.op('Gather', [f64(g, 'table', table, [table.length]), at], { axis: { int: 0 } });
}

/** Infrequent categories: per column, the grouping of category indices (null when nothing is grouped). */
function infrequentOf(encoder: PyObject, width: number) {
  const enabled = attr(encoder, '_infrequent_enabled') === true;
  return {
    mappings: enabled ? perColumn(encoder, '_default_to_infrequent_mappings', width) : Array.from({ length: width }, () => null),
    indices: enabled ? perColumn(encoder, '_infrequent_indices', width) : Array.from({ length: width }, () => null),
  };
}

function unknownPolicy(encoder: PyObject): string {
  const policy = attr(encoder, 'handle_unknown');
  return typeof policy === 'string' ? policy : 'error';
}

function encoderFacts(encoder: PyObject): ColumnFacts[] {
  const refuses = unknownPolicy(encoder) === 'error';
  return categoriesOf(encoder).map((cats) => {
    const values = cats.items();
    return {
      kind: isStringColumn(cats) ? 'string' : 'number',
      categories: values.filter((v) => !isMissing(v)).map((v) => (typeof v === 'boolean' ? Number(v) : v)) as (string | number)[],
      missing: !refuses || values.some(isMissing),
      ...(refuses ? { closed: true } : {}),
    };
  });
}

/** Per input column of a OneHotEncoder: its number of output columns, and table[index + 1] = the output column of
 * category `index` (index -1: an unknown value), -1 where no column is set. */
export function oneHotSlots(encoder: PyObject): { categories: NdArray; table: number[]; outputs: number }[] {
  const categories = categoriesOf(encoder);
  const width = categories.length;
  const { mappings, indices } = infrequentOf(encoder, width);
  const grouped = attr(encoder, '_drop_idx_after_grouping');
  const drops = perColumn(encoder, grouped !== undefined ? '_drop_idx_after_grouping' : 'drop_idx_', width);
  const policy = unknownPolicy(encoder);
  return categories.map((cats, j) => {
    const mapping = mappings[j];
    const groups = mapping ? Math.max(...mapping) + 1 : cats.size;
    const drop = drops[j]?.[0] ?? null;
    const position = (group: number) => (drop === null ? group : group === drop ? -1 : group > drop ? group - 1 : group);
    const infrequent = indices[j];
    const unknown = (policy === 'infrequent_if_exist' || policy === 'warn') && mapping && infrequent ? position(mapping[infrequent[0]]) : -1;
    const table = [unknown, ...Array.from({ length: cats.size }, (_, c) => position(mapping ? mapping[c] : c))];
    return { categories: cats, table, outputs: groups - (drop === null ? 0 : 1) };
  });
}

function oneHot(encoder: PyObject, input: Features, g: GraphBuilder): StepResult {
  const owner = shortName(encoder);
  const blocks: string[] = [];
  let total = 0;
  oneHotSlots(encoder).forEach(({ categories: cats, table, outputs }, j) => {
    if (outputs === 0) return;
    const at = lookup(g, categoryIndex(g, columnOf(g, input, j), cats, owner), table);
    const slots = f64(g, 'slots', Array.from({ length: outputs }, (_, k) => k), [outputs]);
    blocks.push(g.op('Cast', [g.op('Equal', [at, slots])], { to: { int: 11 } }));
    total += outputs;
  });
  if (blocks.length === 0) throw new ConversionError(`${owner}: every category is dropped`);
  const name = blocks.length === 1 ? blocks[0] : g.op('Concat', blocks, { axis: { int: 1 } });
  return { kind: 'features', features: { name, width: total, type: 'float64' } };
}

function ordinal(encoder: PyObject, input: Features, g: GraphBuilder): StepResult {
  const owner = shortName(encoder);
  const categories = categoriesOf(encoder);
  const { mappings } = infrequentOf(encoder, categories.length);
  const missing = attr(encoder, '_missing_indices');
  const encodedMissing = attr(encoder, 'encoded_missing_value') === undefined ? NaN : numberAttr(encoder, 'encoded_missing_value');
  const unknown = unknownPolicy(encoder) === 'use_encoded_value' ? numberAttr(encoder, 'unknown_value') : NaN;
  const columns = categories.map((cats, j) => {
    const mapping = mappings[j];
    const missingAt = missing instanceof Map ? missing.get(j) : undefined;
    const table = [unknown, ...Array.from({ length: cats.size }, (_, c) => (c === missingAt ? encodedMissing : mapping ? mapping[c] : c))];
    return lookup(g, categoryIndex(g, columnOf(g, input, j), cats, owner), table);
  });
  const name = columns.length === 1 ? columns[0] : g.op('Concat', columns, { axis: { int: 1 } });
  return { kind: 'features', features: { name, width: columns.length, type: 'float64' } };
}

/** TargetEncoder.transform: each category's learnt encoding; unknown values take the target mean. */
function targetEncoding(encoder: PyObject, input: Features, g: GraphBuilder): StepResult {
  const owner = shortName(encoder);
  const categories = categoriesOf(encoder);
  const encodings = attr(encoder, 'encodings_');
  if (!Array.isArray(encodings) || !encodings.every((e) => e instanceof NdArray)) throw new ConversionError(`${owner}: encodings_ is missing (is it fitted?)`);
  const mean = attr(encoder, 'target_mean_');
  const means = mean instanceof NdArray ? Array.from(mean.numbers()) : [numberAttr(encoder, 'target_mean_')];
  // Multiclass targets have one encoding per (feature, class), feature-major, as scikit-learn orders them.
  const perFeature = attr(encoder, 'target_type_') === 'multiclass' ? means.length : 1;
  if (encodings.length !== categories.length * perFeature) throw new ConversionError(`${owner}: ${encodings.length} encodings for ${categories.length} features`);
  const indices = categories.map((cats, j) => categoryIndex(g, columnOf(g, input, j), cats, owner));
  const columns = (encodings as NdArray[]).map((encoding, e) =>
    lookup(g, indices[Math.floor(e / perFeature)], [means[e % perFeature], ...encoding.numbers()]));
  const name = columns.length === 1 ? columns[0] : g.op('Concat', columns, { axis: { int: 1 } });
  return { kind: 'features', features: { name, width: columns.length, type: 'float64' } };
}

/** Unknown and missing values are encoded (as the target mean), never refused. */
function targetFacts(encoder: PyObject): ColumnFacts[] {
  return encoderFacts(encoder).map(({ kind, categories }) => ({ kind, categories, missing: true }));
}

register({ classes: ['OneHotEncoder'], acceptsStrings: true, inputWidth, columnFacts: encoderFacts, convert: oneHot });
register({ classes: ['OrdinalEncoder'], acceptsStrings: true, inputWidth, columnFacts: encoderFacts, convert: ordinal });
register({ classes: ['TargetEncoder'], acceptsStrings: true, inputWidth, columnFacts: targetFacts, convert: targetEncoding });
