// The shared vocabulary of batch scoring: the HTTP streaming route and the `modelport predict` command both cut
// their input into blocks of rows, decode each block to feeds (off the event loop), score it, and encode the
// block's answers in input order. Row numbers are 1-based data rows (a CSV header is not counted).
import type { Feeds } from '../runtime/runner.js';

export type InputFormat = 'csv' | 'ndjson' | 'parquet';
export type OutputFormat = 'csv' | 'ndjson' | 'parquet';

/** What a malformed row does: fail the whole job, drop the row, or answer it with an `error` column. */
export type OnError = 'fail' | 'skip' | 'column';
export const ON_ERROR_MODES: readonly OnError[] = ['fail', 'skip', 'column'];

/** A row that could not be scored: its 1-based data row number, the column at fault where one is, and why. */
export interface RowError {
  row: number;
  column?: string;
  message: string;
}

/** One decoded block: the feeds of the rows that can be scored, and what the answer must carry beside them. */
export interface DecodedBlock {
  /** Row number of the block's first row. */
  firstRow: number;
  /** Rows in the block, scored or not. */
  rows: number;
  /** Feeds of the scorable rows, in order; null when none of the block's rows can be scored. */
  feeds: Feeds | null;
  /** Per block row: its index among the scored rows, or -1 when it failed (see `errors`). */
  scoredIndex: Int32Array;
  /** The failures, in row order. */
  errors: RowError[];
  /** Per block row, the values of the pass-through columns (an id column and the like), as text. */
  passthrough: string[][];
}
