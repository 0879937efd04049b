// The plan of a batch job, built once from the model's signature and the input's columns: where each feature
// comes from, which input columns pass through to the output, and which output columns the model answers with.
// A plan is plain data (structured-cloneable), so it travels with each block to the codec workers.
import { tabularFeatures } from '../codecs/rows.js';
import { csvFields } from '../codecs/csv.js';
import { invalidInput, ModelportError } from '../errors.js';
import type { Signature } from '../signature/signature.js';
import type { InputFormat, OnError } from './types.js';

export interface PlanOptions {
  signature: Signature;
  model: string;
  format: InputFormat;
  /**
   * The input's columns when it has a fixed set: the CSV header line as the splitter read it, or the column names
   * (Parquet). Features absent from it are missing values where the model accepts them, else a 400.
   */
  header?: string | readonly string[] | null;
  /**
   * Input columns copied to the output, before the answers. Default: the header's columns the model does not
   * read (an id column), except those named like an answer column; none for NDJSON.
   */
  passthrough?: readonly string[];
  onError: OnError;
}

export interface BatchPlan {
  signature: Signature;
  model: string;
  format: InputFormat;
  onError: OnError;
  header: string[] | null;
  /** Per feature (signature order), its index in the header, -1 when absent; null without a header. */
  columnOf: Int32Array | null;
  passthrough: string[];
  /** Per pass-through column, its index in the header (-1 when absent); null without a header. */
  passthroughColumn: Int32Array | null;
  /**
   * How pass-through values are kept as text: 'text' as read (CSV), 'json' as JSON text (NDJSON, records), '' for
   * a value that is absent.
   */
  passthroughText: 'text' | 'json';
  /** The answer columns in order: `label`, `probability_<class>`…, `score`; `value`; or each output by name. */
  answers: string[];
  /** Per class, in probability order: its name as shown in `probability_<class>` and in predictions. */
  classes: string[] | null;
}

/** The column that carries a failed row's error in mode 'column'. */
export const ERROR_COLUMN = 'error';

function answerColumns(signature: Signature): { answers: string[]; classes: string[] | null } {
  if (signature.task === 'classification') {
    const answers: string[] = [];
    let classes: string[] | null = null;
    if (signature.labelOutput || signature.probabilityOutput) answers.push('label');
    if (signature.probabilityOutput) {
      const spec = signature.outputs.find((o) => o.name === signature.probabilityOutput);
      const width = spec && spec.shape[1] > 0 ? spec.shape[1] : signature.classValues?.length ?? 0;
      // PredictionEncoder names a probability by the class's label, else by its index.
      classes = Array.from({ length: width }, (_, c) => String(signature.labels?.[c] ?? c));
      for (const name of classes) answers.push(`probability_${name}`);
    }
    if (signature.scoreOutput) answers.push('score');
    return { answers, classes };
  }
  if (signature.task === 'regression' && signature.valueOutput) return { answers: ['value'], classes: null };
  return { answers: signature.outputs.map((o) => o.name), classes: null };
}

function headerColumns(header: string | readonly string[]): string[] {
  if (typeof header !== 'string') return [...header];
  try {
    return csvFields(header);
  } catch (err) {
    throw new ModelportError('INVALID_CSV', [`the header: ${(err as Error).message}`]);
  }
}

export function createPlan(options: PlanOptions): BatchPlan {
  const { signature, model, format, onError } = options;
  const features = tabularFeatures(signature, model);
  const { answers, classes } = answerColumns(signature);
  const header = options.header == null ? null : headerColumns(options.header);
  let columnOf: Int32Array | null = null;
  if (header) {
    if (new Set(header).size !== header.length) throw new ModelportError('INVALID_CSV', ['the header names a column twice']);
    columnOf = Int32Array.from(features, (f) => header.indexOf(f.name));
    const absent = features.filter((f, i) => columnOf?.[i] === -1 && !f.allowMissing).map((f) => `'${f.name}'`);
    if (absent.length) {
      throw invalidInput(undefined, `the input lacks the column${absent.length > 1 ? 's' : ''} ${absent.join(', ')} (the model reads: ${features.map((f) => f.name).join(', ')})`);
    }
  }
  const taken = new Set([...answers, ERROR_COLUMN]);
  let passthrough: string[];
  if (options.passthrough) {
    passthrough = [...options.passthrough];
    const clash = passthrough.find((name) => taken.has(name));
    if (clash !== undefined) throw invalidInput(undefined, `the pass-through column '${clash}' has the name of an answer column`);
    const unknown = header ? passthrough.find((name) => !header.includes(name)) : undefined;
    if (unknown !== undefined) throw invalidInput(undefined, `the pass-through column '${unknown}' is not in the input (columns: ${header?.join(', ')})`);
  } else {
    const read = new Set(features.map((f) => f.name));
    passthrough = header ? header.filter((name) => !read.has(name) && !taken.has(name)) : [];
  }
  return {
    signature,
    model,
    format,
    onError,
    header,
    columnOf,
    passthrough,
    passthroughColumn: header ? Int32Array.from(passthrough, (name) => header.indexOf(name)) : null,
    passthroughText: format === 'csv' ? 'text' : 'json',
    answers,
    classes,
  };
}

/** Every output column of the plan, in order: pass-through columns, answers, and `error` in mode 'column'. */
export function allColumns(plan: BatchPlan): string[] {
  return [...plan.passthrough, ...plan.answers, ...(plan.onError === 'column' ? [ERROR_COLUMN] : [])];
}

/**
 * The output columns to write: all of them, or those requested (in the order given; a 400 names an unknown one).
 * In mode 'column' the `error` column is always written.
 */
export function selectColumns(plan: BatchPlan, requested?: readonly string[]): string[] {
  const all = allColumns(plan);
  if (!requested) return all;
  const unknown = requested.find((name) => !all.includes(name));
  if (unknown !== undefined) throw invalidInput('columns', `no output column '${unknown}' (columns: ${all.join(', ')})`);
  if (new Set(requested).size !== requested.length) throw invalidInput('columns', 'a column is named twice');
  return plan.onError === 'column' && !requested.includes(ERROR_COLUMN) ? [...requested, ERROR_COLUMN] : [...requested];
}
