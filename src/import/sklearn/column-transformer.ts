// ColumnTransformer and FeatureUnion: their transformers run side by side on column selections (or on every
// column) and their outputs are stacked in the order scikit-learn's hstack gives.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject } from '../pickle/values.js';
import { attr, ConversionError, inputWidth, shortName } from './attrs.js';
import { applySteps, chainFacts, flattenSteps } from './compose.js';
import { converterFor, register, type ColumnFacts, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';
import { hstack, selectColumns } from './table.js';

export interface Part {
  name: string;
  /** The fitted steps; empty for a passthrough. */
  steps: PyObject[];
  /** Input columns it reads, in order (every column for a FeatureUnion). */
  columns: number[];
  weight: number | null;
}

/** 'passthrough', or the FunctionTransformer without a function that scikit-learn ≥ 1.4 fits in its place. */
function passesThrough(transformer: unknown): boolean {
  if (transformer === 'passthrough') return true;
  return transformer instanceof PyObject && shortName(transformer) === 'FunctionTransformer'
    && attr(transformer, 'func') === null;
}

function weightsOf(owner: PyObject): Map<unknown, unknown> {
  const w = attr(owner, 'transformer_weights');
  return w instanceof Map ? w : new Map();
}

function indices(value: unknown, owner: string, name: string): number[] {
  const list = value instanceof NdArray ? Array.from(value.numbers()) : Array.isArray(value) ? value : null;
  if (!list || !list.every((i) => Number.isInteger(i))) throw new ConversionError(`${owner}: the columns of '${name}' are not resolved to positions`);
  return list as number[];
}

function partOf(name: string, transformer: unknown, columns: number[], weights: Map<unknown, unknown>, owner: string): Part | null {
  if (transformer === 'drop' || transformer === null || columns.length === 0) return null;
  const weight = weights.get(name);
  if (weight !== undefined && typeof weight !== 'number') throw new ConversionError(`${owner}: the weight of '${name}' is not a number`);
  const steps = passesThrough(transformer) ? [] : flattenSteps([transformer]).filter((s) => !passesThrough(s));
  return { name, steps, columns, weight: weight ?? null };
}

/** transformers_ with the input positions scikit-learn resolved at fit (names, slices, masks, selectors alike). */
export function columnTransformerParts(ct: PyObject): Part[] {
  const fitted = attr(ct, 'transformers_');
  const resolved = attr(ct, '_transformer_to_input_indices');
  if (!Array.isArray(fitted)) throw new ConversionError('ColumnTransformer: transformers_ is missing (is it fitted?)');
  if (!(resolved instanceof Map)) throw new ConversionError('ColumnTransformer: pickled by a scikit-learn older than 1.0, which is not supported');
  const weights = weightsOf(ct);
  return fitted.flatMap((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new ConversionError('ColumnTransformer: a transformers_ entry is not (name, transformer, columns)');
    const name = entry[0];
    const part = partOf(name, entry[1], indices(resolved.get(name) ?? [], 'ColumnTransformer', name), weights, 'ColumnTransformer');
    return part ? [part] : [];
  });
}

function featureUnionParts(union: PyObject): Part[] {
  const list = attr(union, 'transformer_list');
  if (!Array.isArray(list)) throw new ConversionError('FeatureUnion: transformer_list is missing');
  const weights = weightsOf(union);
  // n_features_in_ is a property of FeatureUnion (not pickled): its first transformer's width.
  let width: number | null = null;
  const parts = list.flatMap((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new ConversionError('FeatureUnion: a transformer_list entry is not (name, transformer)');
    const part = partOf(entry[0], entry[1], [0], weights, 'FeatureUnion');
    if (part?.steps.length && width === null) width = converterFor(part.steps[0]).inputWidth(part.steps[0]);
    return part ? [part] : [];
  });
  if (width === null) throw new ConversionError('FeatureUnion: cannot tell how many features it takes (only passthrough transformers)');
  const all = Array.from({ length: width }, (_, j) => j);
  return parts.map((p) => ({ ...p, columns: all }));
}

/** Facts about a column several transformers read: a missing value must suit them all. */
function mergeFacts(a: ColumnFacts, b: ColumnFacts): ColumnFacts {
  const closed = a.closed ? a : b.closed ? b : null;
  const categories = closed?.categories ?? a.categories ?? b.categories;
  return {
    kind: a.kind === 'string' || b.kind === 'string' ? 'string' : a.kind ?? b.kind,
    missing: (a.missing ?? false) && (b.missing ?? false),
    forwarded: (a.forwarded ?? false) && (b.forwarded ?? false),
    ...(categories ? { categories } : {}),
    ...(closed ? { closed: true } : {}),
  };
}

/**
 * Facts about the input columns. A part's output columns are not its input columns, so a column that a part
 * passes on is `forwarded` here (its missing values reach the output) rather than `passes`.
 */
function partsFacts(parts: readonly Part[], width: number): ColumnFacts[] {
  const facts: (ColumnFacts | undefined)[] = new Array(width).fill(undefined);
  for (const part of parts) {
    const own = part.steps.length ? chainFacts(part.steps) : [];
    part.columns.forEach((column, k) => {
      const { passes, keepsValues, ...f } = part.steps.length ? own[k] ?? {} : { passes: true };
      if (passes) f.forwarded = true;
      const seen = facts[column];
      facts[column] = seen ? mergeFacts(seen, f) : f;
    });
  }
  return facts.map((f) => f ?? { missing: true, unused: true });
}

function convertParts(parts: readonly Part[], input: Features, g: GraphBuilder, owner: string): StepResult {
  const outputs = parts.map((part) => {
    const selected = selectColumns(g, input, part.columns);
    let out = selected;
    if (part.steps.length) {
      const result = applySteps(part.steps, selected, g);
      if (result.kind !== 'features') throw new ConversionError(`${owner}: '${part.name}' predicts instead of transforming`);
      out = result.features;
    }
    if (part.weight === null) return out;
    if (out.type === 'string') throw new ConversionError(`${owner}: '${part.name}' is weighted but outputs strings`);
    const x = out.type === 'float32' ? g.op('Cast', [out.name], { to: { int: 11 } }) : out.name;
    return { name: g.op('Mul', [x, f64(g, 'weight', [part.weight], [])]), width: out.width, type: 'float64' as const };
  });
  return { kind: 'features', features: hstack(g, outputs, owner) };
}

register({
  classes: ['ColumnTransformer'],
  acceptsStrings: true,
  inputWidth,
  columnFacts: (ct) => partsFacts(columnTransformerParts(ct), inputWidth(ct)),
  convert: (ct, input, g) => convertParts(columnTransformerParts(ct), input, g, 'ColumnTransformer'),
});

register({
  classes: ['FeatureUnion'],
  acceptsStrings: true,
  inputWidth: (union) => featureUnionParts(union)[0].columns.length,
  columnFacts: (union) => {
    const parts = featureUnionParts(union);
    return partsFacts(parts, parts[0].columns.length);
  },
  convert: (union, input, g) => convertParts(featureUnionParts(union), input, g, 'FeatureUnion'),
});
