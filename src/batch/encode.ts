// A scored block → its output: CSV lines, NDJSON lines, or columns (for Parquet). The answers are the single-row
// API's (PredictionEncoder), laid out flat: pass-through columns, `label`, `probability_<class>`…, `score`; or
// `value`; or each output by name; and `error` in mode 'column'. A row skipped in mode 'skip' is not written; in
// mode 'column' a failed row has empty answers and its error. Labels and probabilities are read straight from the
// output tensors (no prediction object per row); NDJSON and the other answers use the predictions themselves.
import { csvCell } from '../codecs/csv.js';
import { PredictionEncoder, type Prediction } from '../codecs/predictions.js';
import { invalidInput, ModelportError } from '../errors.js';
import type { Feeds } from '../runtime/runner.js';
import { ERROR_COLUMN, selectColumns, type BatchPlan } from './plan.js';
import type { DecodedBlock, RowError } from './types.js';

/** A failed row's error as one line: `row 12, column 'amount': expected a number, got the string "abc"`. */
export function rowErrorText(error: RowError): string {
  return `row ${error.row}${error.column !== undefined ? `, column '${error.column}'` : ''}: ${error.message}`;
}

/** The error that ends a job in mode 'fail': a 400 naming the row and the column. */
export function rowErrorToError(error: RowError): ModelportError {
  return invalidInput(`row ${error.row}${error.column !== undefined ? `, column '${error.column}'` : ''}`, error.message);
}

/** The CSV header line of the output (with its line end); nothing for NDJSON. */
export function headerLine(plan: BatchPlan, format: 'csv' | 'ndjson', columns?: readonly string[]): string {
  return format === 'csv' ? `${selectColumns(plan, columns).map(csvCell).join(',')}\n` : '';
}

/** Where a column's value comes from, for one written row. */
type Source =
  | { kind: 'passthrough'; index: number }
  | { kind: 'label' }
  | { kind: 'probability'; name: string; index: number }
  | { kind: 'answer'; key: string }
  | { kind: 'error' };

function sourceOf(plan: BatchPlan, column: string): Source {
  const passthrough = plan.passthrough.indexOf(column);
  if (passthrough >= 0) return { kind: 'passthrough', index: passthrough };
  if (column === ERROR_COLUMN) return { kind: 'error' };
  if (column === 'label' && plan.signature.task === 'classification') return { kind: 'label' };
  const name = column.slice('probability_'.length);
  if (plan.classes && column.startsWith('probability_')) return { kind: 'probability', name, index: plan.classes.indexOf(name) };
  return { kind: 'answer', key: column };
}

/** The answers of a block's scored rows, by their index among the scored rows. */
class Answers {
  private readonly encoder: PredictionEncoder;
  private readonly probabilities: Float32Array | Float64Array | null;
  private readonly width: number;
  private predictions: Prediction[] | null = null;

  constructor(plan: BatchPlan, private readonly outputs: Feeds, private readonly rows: number) {
    this.encoder = new PredictionEncoder(plan.signature);
    const probs = plan.signature.probabilityOutput ? outputs[plan.signature.probabilityOutput] : undefined;
    this.probabilities = probs ? (probs.data as Float32Array | Float64Array) : null;
    this.width = probs ? probs.dims[1] : 0;
    if (plan.classes && probs && this.width !== plan.classes.length) {
      throw new ModelportError('INFERENCE_FAILED', [plan.model, `${this.width} probabilities for ${plan.classes.length} classes`]);
    }
  }

  prediction(index: number): Prediction {
    this.predictions ??= this.encoder.encode(this.outputs, this.rows);
    return this.predictions[index];
  }

  label(index: number): unknown {
    return this.encoder.label(this.outputs, index);
  }

  probability(index: number, c: number): number | undefined {
    return this.probabilities ? this.probabilities[index * this.width + c] : undefined;
  }
}

/** A row to write: its index among the scored rows (-1: it failed), its error text ('' when fine), its pass-through. */
interface WrittenRow {
  index: number;
  error: string;
  passthrough: string[];
}

function writtenRows(plan: BatchPlan, outputs: Feeds | null, block: DecodedBlock): { rows: WrittenRow[]; answers: Answers | null } {
  let scored = 0;
  for (let r = 0; r < block.rows; r++) if (block.scoredIndex[r] >= 0) scored++;
  if (scored > 0 && !outputs) throw new ModelportError('INTERNAL');
  const errors = new Map(block.errors.map((e) => [e.row, e]));
  const rows: WrittenRow[] = [];
  for (let r = 0; r < block.rows; r++) {
    const index = block.scoredIndex[r];
    if (index >= 0) {
      rows.push({ index, error: '', passthrough: block.passthrough[r] });
    } else if (plan.onError === 'column') {
      const error = errors.get(block.firstRow + r);
      rows.push({ index: -1, error: error ? rowErrorText(error) : '', passthrough: block.passthrough[r] });
    }
  }
  return { rows, answers: outputs && scored > 0 ? new Answers(plan, outputs, scored) : null };
}

/** A pass-through value as the text it stands for ('json' values: a JSON string's content, else the JSON text). */
function passthroughString(plan: BatchPlan, text: string): string {
  if (plan.passthroughText === 'text') return text;
  if (text === 'null') return '';
  if (!text.startsWith('"')) return text;
  return text.includes('\\') ? (JSON.parse(text) as string) : text.slice(1, -1);
}

/** A pass-through value as JSON text. */
function passthroughJson(plan: BatchPlan, text: string): string {
  if (plan.passthroughText === 'text') return JSON.stringify(text);
  return text === '' ? 'null' : text;
}

/** An answer value as a CSV cell: numbers as JSON prints them (non-finite: empty), arrays as JSON. */
function answerCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return csvCell(value);
  return csvCell(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

function csvLines(plan: BatchPlan, rows: WrittenRow[], answers: Answers | null, sources: Source[]): string {
  let out = '';
  for (const row of rows) {
    const index = answers ? row.index : -1;
    let line = '';
    for (let c = 0; c < sources.length; c++) {
      const source = sources[c];
      let cell = '';
      if (source.kind === 'passthrough') cell = csvCell(passthroughString(plan, row.passthrough[source.index] ?? ''));
      else if (source.kind === 'error') cell = csvCell(row.error);
      else if (index >= 0 && answers) {
        if (source.kind === 'label') cell = answerCell(answers.label(index));
        else if (source.kind === 'probability') cell = answerCell(answers.probability(index, source.index));
        else cell = answerCell(answers.prediction(index)[source.key]);
      }
      line += c === 0 ? cell : `,${cell}`;
    }
    out += `${line}\n`;
  }
  return out;
}

function ndjsonLines(plan: BatchPlan, rows: WrittenRow[], answers: Answers | null, columns: readonly string[], sources: Source[]): string {
  const everything = columns.length === plan.passthrough.length + plan.answers.length + (plan.onError === 'column' ? 1 : 0);
  let out = '';
  for (const row of rows) {
    const parts: string[] = [];
    const prediction = answers && row.index >= 0 ? answers.prediction(row.index) : null;
    let chosen: Record<string, number> | null = null;
    const answer: Prediction = {};
    for (const source of sources) {
      if (source.kind === 'passthrough') {
        parts.push(`${JSON.stringify(plan.passthrough[source.index])}:${passthroughJson(plan, row.passthrough[source.index] ?? '')}`);
      } else if (prediction && source.kind === 'label') {
        answer.label = prediction.label;
      } else if (prediction && source.kind === 'probability') {
        chosen ??= answer.probabilities = {};
        chosen[source.name] = (prediction.probabilities as Record<string, number>)[source.name];
      } else if (prediction && source.kind === 'answer') {
        answer[source.key] = prediction[source.key];
      }
    }
    // The whole prediction keeps the single-row API's key order; a selection keeps the column order.
    const body = JSON.stringify(everything && prediction ? prediction : answer);
    if (body.length > 2) parts.push(body.slice(1, -1));
    if (row.error) parts.push(`"error":${JSON.stringify(row.error)}`);
    out += `{${parts.join(',')}}\n`;
  }
  return out;
}

/**
 * The block's output lines (without the CSV header, see headerLine). `outputs` are the model's outputs for the
 * block's scored rows (null when none was scored); `columns` chooses the columns (default: all).
 */
export function encodeBlock(plan: BatchPlan, outputs: Feeds | null, block: DecodedBlock, format: 'csv' | 'ndjson', columns?: readonly string[]): string {
  const selected = selectColumns(plan, columns);
  const sources = selected.map((c) => sourceOf(plan, c));
  const { rows, answers } = writtenRows(plan, outputs, block);
  return format === 'csv' ? csvLines(plan, rows, answers, sources) : ndjsonLines(plan, rows, answers, selected, sources);
}

/** Whether an answer column holds one number per row (from its output's type and shape), so its kind is fixed. */
function isScalarNumber(plan: BatchPlan, key: string): boolean {
  const s = plan.signature;
  const output = key === 'score' ? s.scoreOutput : key === 'value' ? s.valueOutput : key;
  const spec = s.outputs.find((o) => o.name === output);
  if (!spec || spec.type === 'string' || spec.type === 'bool') return false;
  return spec.shape.slice(1).every((d) => d === 1);
}

export type OutputColumn =
  | { name: string; kind: 'string'; values: (string | null)[] }
  | { name: string; kind: 'double'; values: Float64Array };

/**
 * The block's output as columns, for columnar formats: the same columns as encodeBlock. Pass-through values,
 * labels and errors are strings (null when absent or, for errors, when the row is fine); probabilities, scores and
 * scalar values are doubles (NaN for a failed row in mode 'column'); anything else is JSON text.
 */
export function encodeBlockColumns(plan: BatchPlan, outputs: Feeds | null, block: DecodedBlock, columns?: readonly string[]): OutputColumn[] {
  const selected = selectColumns(plan, columns);
  const { rows, answers } = writtenRows(plan, outputs, block);
  const scored = (row: WrittenRow) => (answers && row.index >= 0 ? answers : null);
  return selected.map((name): OutputColumn => {
    const source = sourceOf(plan, name);
    switch (source.kind) {
      case 'passthrough':
        return { name, kind: 'string', values: rows.map((row) => (row.passthrough[source.index] ? passthroughString(plan, row.passthrough[source.index]) : null)) };
      case 'error':
        return { name, kind: 'string', values: rows.map((row) => row.error || null) };
      case 'label':
        return { name, kind: 'string', values: rows.map((row) => (scored(row) ? String(scored(row)?.label(row.index)) : null)) };
      case 'probability':
        return { name, kind: 'double', values: Float64Array.from(rows, (row) => scored(row)?.probability(row.index, source.index) ?? NaN) };
      case 'answer': {
        const values = rows.map((row) => scored(row)?.prediction(row.index)[source.key]);
        if (isScalarNumber(plan, source.key)) {
          return { name, kind: 'double', values: Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN)) };
        }
        return { name, kind: 'string', values: values.map((v) => (v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v))) };
      }
    }
  });
}
