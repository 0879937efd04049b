// text/csv bodies: a header row of feature names, then one row per instance; predictions go back as CSV.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ModelportError } from '../errors.js';
import type { Prediction } from './predictions.js';

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

/** One CSV line per prediction; nested values (probabilities) become one column each. */
export function predictionsToCsv(predictions: Prediction[]): string {
  const flat = predictions.map((p) => {
    const row: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(p)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) row[`${key}_${k}`] = v;
      } else {
        row[key] = Array.isArray(value) ? JSON.stringify(value) : value;
      }
    }
    return row;
  });
  const columns = Object.keys(flat[0] ?? {});
  return stringify(flat, { header: true, columns, cast: { boolean: (b) => String(b) } });
}
