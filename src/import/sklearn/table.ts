// Columns of a table in the graph: picking some of them (ColumnTransformer's column selections), reading one,
// and stacking step outputs side by side as numpy's hstack does.
import type { GraphBuilder } from '../../onnx/builder.js';
import { MISSING_STRING } from '../../signature/signature.js';
import { ConversionError } from './attrs.js';
import type { Column, Features } from './converter.js';

export { MISSING_STRING };

/** A pickled value that stands for a missing one: None, or NaN (as encoders' categories and imputers keep them). */
export const isMissing = (v: unknown) => v === null || (typeof v === 'number' && Number.isNaN(v));

const indices = (g: GraphBuilder, values: readonly number[]) => g.constant('columns', { type: 'int64', dims: [values.length], values });

/** Column j of the features as a [N, 1] value. */
export function columnOf(g: GraphBuilder, input: Features, j: number): Column {
  const column = input.columns?.[j];
  if (column) return column;
  if (input.type === 'float32') throw new ConversionError('float32 features must be cast before they are read by column');
  if (input.width === 1) return { name: input.name, type: input.type };
  return { name: g.op('Gather', [input.name, indices(g, [j])], { axis: { int: 1 } }), type: input.type };
}

/** Features made of table columns: one [N, width] value when they share a type, else only the columns. */
export function tableFeatures(g: GraphBuilder, columns: readonly Column[]): Features {
  const types = new Set(columns.map((c) => c.type));
  if (types.size > 1) return { name: '', width: columns.length, type: 'string', columns };
  const type = columns[0]?.type ?? 'float64';
  const name = columns.length === 1 ? columns[0].name : g.op('Concat', columns.map((c) => c.name), { axis: { int: 1 } });
  return { name, width: columns.length, type, columns };
}

/** The columns at `picked` (in that order), as a ColumnTransformer hands them to one of its transformers. */
export function selectColumns(g: GraphBuilder, input: Features, picked: readonly number[]): Features {
  if (input.columns) return tableFeatures(g, picked.map((j) => (input.columns as readonly Column[])[j]));
  if (picked.length === input.width && picked.every((j, k) => j === k)) return input;
  return { name: g.op('Gather', [input.name, indices(g, picked)], { axis: { int: 1 } }), width: picked.length, type: input.type };
}

/** numpy's hstack of numeric step outputs into one float64 [N, Σ width] value. */
export function hstack(g: GraphBuilder, parts: readonly Features[], owner: string): Features {
  const numeric = parts.filter((p) => p.width > 0).map((p) => {
    if (p.type === 'string') throw new ConversionError(`${owner}: string columns reach its output unencoded; encode them (OneHotEncoder, OrdinalEncoder) or drop them`);
    return p.type === 'float32' ? g.op('Cast', [p.name], { to: { int: 11 } }) : p.name;
  });
  const width = parts.reduce((n, p) => n + p.width, 0);
  if (numeric.length === 0) throw new ConversionError(`${owner}: no column reaches its output`);
  const name = numeric.length === 1 ? numeric[0] : g.op('Concat', numeric, { axis: { int: 1 } });
  return { name, width, type: 'float64' };
}
