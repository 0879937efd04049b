// Blocks of rows → feeds for the rows that can be scored, the errors of those that cannot (by row number and
// column), and the pass-through values. Values are checked by the single-row codec's RowWriter, so a batch
// accepts exactly what the JSON and CSV request paths accept. In mode 'fail' decoding stops at the first error.
import { csvFields, shortDecimal, unquotedFieldBounds } from '../codecs/csv.js';
import { RowWriter, type RowFault } from '../codecs/rows.js';
import { parseJsonText } from '../codecs/secure-json.js';
import { isJsonObject } from '../codecs/values.js';
import type { BatchPlan } from './plan.js';
import type { DecodedBlock, RowError } from './types.js';

/** Collects one block's rows: the scorable ones are written densely by `writer` at row `at`, failures recorded. */
class BlockBuilder {
  readonly writer: RowWriter;
  private readonly scoredIndex: Int32Array;
  private readonly errors: RowError[] = [];
  private readonly passthrough: string[][] = [];
  private scored = 0;
  private rows = 0;

  constructor(private readonly plan: BatchPlan, capacity: number, private readonly firstRow: number) {
    this.writer = new RowWriter(plan.signature, plan.model, capacity);
    this.scoredIndex = new Int32Array(capacity);
  }

  /** Where the writer puts the next row. */
  get at(): number {
    return this.scored;
  }

  /** In mode 'fail', decoding stops at the first error. */
  get failed(): boolean {
    return this.plan.onError === 'fail' && this.errors.length > 0;
  }

  /** The next row: written at `at` when `fault` is null, else failed for that reason. */
  record(fault: RowFault | null, passthrough: string[]): void {
    const r = this.rows++;
    if (fault) {
      this.scoredIndex[r] = -1;
      this.errors.push({ row: this.firstRow + r, ...(fault.column !== undefined ? { column: fault.column } : {}), message: fault.message });
    } else {
      this.scoredIndex[r] = this.scored++;
    }
    this.passthrough.push(passthrough);
  }

  finish(): DecodedBlock {
    return {
      firstRow: this.firstRow,
      rows: this.rows,
      feeds: this.scored > 0 && !this.failed ? this.writer.feeds(this.scored) : null,
      scoredIndex: this.scoredIndex.subarray(0, this.rows),
      errors: this.errors,
      passthrough: this.passthrough,
    };
  }
}

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const QUOTE = 0x22;

/**
 * The block's non-empty lines as [start, end) byte pairs, without line ends (a trailing '\r' dropped). For CSV a
 * newline inside quotes belongs to the record. A line of nothing but '\r' is empty, as the splitter counts it.
 */
function lineBounds(bytes: Buffer, quoted: boolean): number[] {
  const bounds: number[] = [];
  let quote = quoted ? bytes.indexOf(QUOTE) : -1;
  for (let pos = 0; pos < bytes.length;) {
    let scan = pos;
    let end: number;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, scan);
      end = newline < 0 ? bytes.length : newline;
      if (quote < 0 || quote >= end) break;
      const close = bytes.indexOf(QUOTE, quote + 1);
      if (close < 0) {
        end = bytes.length;
        quote = -1;
        break;
      }
      scan = close + 1;
      quote = bytes.indexOf(QUOTE, scan);
    }
    let last = end;
    while (last > pos && bytes[last - 1] === RETURN) last--;
    if (last > pos) bounds.push(pos, bytes[end - 1] === RETURN ? end - 1 : end);
    pos = end + 1;
  }
  return bounds;
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A record's own value of a key (never one inherited, like `constructor`). */
function own(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A pass-through value as JSON text ('' when absent); bigints as integers. */
function jsonText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? '';
}

/** Parquet hands int64 columns over as bigints: they are numbers here, as in JSON. */
function plainValue(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/**
 * A CSV block (rows only: the header was read by the splitter and is in the plan). Unquoted records are read
 * straight from the bytes, short decimals without building strings; quoted ones go through csv-parse.
 */
export function decodeCsvBlock(plan: BatchPlan, bytes: Uint8Array, firstRow: number): DecodedBlock {
  const buffer = bufferOf(bytes);
  const records = lineBounds(buffer, true);
  const header = plan.header ?? [];
  const columnOf = plan.columnOf ?? new Int32Array(0);
  const pass = plan.passthroughColumn ?? new Int32Array(0);
  const block = new BlockBuilder(plan, records.length / 2, firstRow);
  const numeric = block.writer.numeric;
  const fields = new Int32Array(2 * header.length);
  const values: unknown[] = new Array(header.length);
  const text = (c: number) => buffer.toString('utf8', fields[2 * c], fields[2 * c + 1]).trim();
  const wrongCount = (n: number): RowFault => ({ message: `expected ${header.length} fields (${header.join(', ')}), got ${n}` });
  for (let k = 0; k < records.length && !block.failed; k += 2) {
    const count = unquotedFieldBounds(buffer, records[k], records[k + 1], fields);
    if (count < 0) {
      let quoted: string[];
      try {
        quoted = csvFields(buffer.toString('utf8', records[k], records[k + 1]));
      } catch (err) {
        block.record({ message: `not valid CSV: ${(err as Error).message}` }, Array.from(pass, () => ''));
        continue;
      }
      if (quoted.length !== header.length) block.record(wrongCount(quoted.length), Array.from(pass, () => ''));
      else block.record(block.writer.writeValues(block.at, quoted, true, columnOf), Array.from(pass, (c) => (c >= 0 ? quoted[c] : '')));
      continue;
    }
    // A row with the wrong number of fields has no pass-through values: its columns cannot be told apart.
    if (count !== header.length) {
      block.record(wrongCount(count), Array.from(pass, () => ''));
      continue;
    }
    const passthrough: string[] = [];
    for (const c of pass) passthrough.push(c >= 0 ? text(c) : '');
    for (let i = 0; i < columnOf.length; i++) {
      const c = columnOf[i];
      if (c >= 0) values[c] = (numeric[i] ? shortDecimal(buffer, fields[2 * c], fields[2 * c + 1]) : undefined) ?? text(c);
    }
    block.record(block.writer.writeValues(block.at, values, true, columnOf), passthrough);
  }
  return block.finish();
}


/** An NDJSON block: one JSON object of named features per line (or an array of values in feature order). */
export function decodeNdjsonBlock(plan: BatchPlan, bytes: Uint8Array, firstRow: number): DecodedBlock {
  const buffer = bufferOf(bytes);
  const lines = lineBounds(buffer, false);
  const block = new BlockBuilder(plan, lines.length / 2, firstRow);
  const absent = () => plan.passthrough.map(() => '');
  for (let k = 0; k < lines.length && !block.failed; k += 2) {
    let row: unknown;
    try {
      row = parseJsonText(buffer.toString('utf8', lines[k], lines[k + 1]));
    } catch (err) {
      block.record({ message: `not valid JSON: ${(err as Error).message}` }, absent());
      continue;
    }
    if (Array.isArray(row)) {
      block.record(block.writer.writeValues(block.at, row, false), absent());
    } else if (isJsonObject(row)) {
      block.record(block.writer.writeRecord(block.at, row, false, 'allow'), plan.passthrough.map((name) => jsonText(own(row, name))));
    } else {
      block.record({ message: 'expected an object of named features or an array of values' }, absent());
    }
  }
  return block.finish();
}

/** Row objects (Parquet, decoded by the caller); `textual` when their values are text to be parsed. */
export function decodeRecordsBlock(plan: BatchPlan, records: readonly Record<string, unknown>[], firstRow: number, textual: boolean): DecodedBlock {
  const block = new BlockBuilder(plan, records.length, firstRow);
  const names = plan.signature.features?.map((f) => f.name) ?? [];
  const values: unknown[] = new Array(names.length);
  // Per feature, where its value is in `values`: -1 when the record lacks it (missing where allowed, else refused).
  const index = new Int32Array(names.length);
  for (let k = 0; k < records.length && !block.failed; k++) {
    const record = records[k];
    for (let i = 0; i < names.length; i++) {
      const value = own(record, names[i]);
      values[i] = plainValue(value);
      index[i] = value === undefined ? -1 : i;
    }
    block.record(block.writer.writeValues(block.at, values, textual, index), plan.passthrough.map((name) => jsonText(own(record, name))));
  }
  return block.finish();
}

/**
 * Columns of values (Parquet column chunks), `rows` long: the plan must have been built with these columns as
 * its header. Same checks per value as the other decoders, without building row objects.
 */
export function decodeColumnsBlock(plan: BatchPlan, columns: Readonly<Record<string, ArrayLike<unknown>>>, rows: number, firstRow: number, textual: boolean): DecodedBlock {
  const header = plan.header ?? [];
  const columnOf = plan.columnOf ?? new Int32Array(0);
  const pass = plan.passthroughColumn ?? new Int32Array(0);
  const data = header.map((name) => (Object.hasOwn(columns, name) ? columns[name] : undefined));
  const block = new BlockBuilder(plan, rows, firstRow);
  const values: unknown[] = new Array(header.length);
  for (let r = 0; r < rows && !block.failed; r++) {
    for (const c of columnOf) if (c >= 0) values[c] = plainValue(data[c]?.[r] ?? null);
    const passthrough = Array.from(pass, (c) => (c >= 0 ? jsonText(data[c]?.[r]) : ''));
    block.record(block.writer.writeValues(block.at, values, textual, columnOf), passthrough);
  }
  return block.finish();
}
