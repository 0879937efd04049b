// CSV text: fields of one record (a fast path for the common unquoted line, csv-parse for quoted ones), a whole
// small body as rows (explain), and one output cell. Fields are trimmed, as csv-parse's `trim` does.
import { parse } from 'csv-parse/sync';
import { ModelportError } from '../errors.js';

export function parseCsvRows(text: string): Record<string, string>[] {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new ModelportError('INVALID_CSV', [(err as Error).message]);
  }
  if (records.length < 2) throw new ModelportError('INVALID_CSV', ['a header row and at least one data row are required']);
  const [header, ...rows] = records;
  if (new Set(header).size !== header.length) throw new ModelportError('INVALID_CSV', ['the header names a column twice']);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

const SPACE = /^\s|\s$|\s,|,\s/;

/**
 * The fields of one CSV record (without its line end; a quoted field may hold newlines). Throws an Error with
 * csv-parse's message when the record is not valid CSV.
 */
export function csvFields(record: string): string[] {
  if (!record.includes('"')) {
    const fields = record.split(',');
    return SPACE.test(record) ? fields.map((f) => f.trim()) : fields;
  }
  const records = parse(record, { trim: true, relax_column_count: true }) as string[][];
  if (records.length !== 1) throw new Error(`expected one record, found ${records.length}`);
  return records[0];
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** A field as CSV: quoted (quotes doubled) when it holds a comma, quote, line end or edge space. */
export function csvCell(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const COMMA = 0x2c;
const QUOTE_BYTE = 0x22;

/**
 * The fields of an unquoted CSV record in bytes[start, end): fills `bounds` with each field's start and end and
 * returns the field count, or -1 when the record holds a quote (then read it with csvFields). `bounds` must hold
 * two entries per field; a record with more fields than that returns the count without filling the rest.
 */
export function unquotedFieldBounds(bytes: Uint8Array, start: number, end: number, bounds: Int32Array): number {
  let fields = 0;
  let from = start;
  const room = bounds.length >> 1;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === COMMA) {
      if (fields < room) {
        bounds[2 * fields] = from;
        bounds[2 * fields + 1] = i;
      }
      fields++;
      from = i + 1;
    } else if (c === QUOTE_BYTE) {
      return -1;
    }
  }
  if (fields < room) {
    bounds[2 * fields] = from;
    bounds[2 * fields + 1] = end;
  }
  return fields + 1;
}

/** 10^k for k ≤ 22: every one is an exact double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The number that bytes[start, end) spell when they are a short plain decimal (`-12.5`, `+3`, `.5`, `7.`: at most
 * 15 significant digits and 22 decimals, no exponent), else undefined (the caller reads the text the slow way).
 * Exact: the digits make an integer m < 2^53 and m / 10^k is one correctly rounded IEEE division of two exact
 * doubles, which is the correctly rounded value of the decimal, as Number() gives.
 */
export function shortDecimal(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let negative = false;
  if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) negative = bytes[i++] === 0x2d;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c >= 0x30 && c <= 0x39) {
      if (mantissa !== 0 || c !== 0x30) digits++;
      mantissa = mantissa * 10 + (c - 0x30);
      if (decimals >= 0) decimals++;
    } else if (c === 0x2e && decimals < 0) {
      decimals = 0;
    } else {
      return undefined;
    }
  }
  const any = end - start - (negative || bytes[start] === 0x2b ? 1 : 0) - (decimals >= 0 ? 1 : 0);
  if (any <= 0 || digits > 15 || decimals > 22) return undefined;
  const value = decimals > 0 ? mantissa / POWERS_OF_TEN[decimals] : mantissa;
  return negative ? -value : value;
}
