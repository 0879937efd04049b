// The block codec of batch scoring, shared by the HTTP streaming route and `modelport predict`. Nothing here
// imports the server: worker threads import it directly. The API (stable):
//
//   const splitter = new BlockSplitter({ format: 'csv' | 'ndjson', blockBytes?, maxRowBytes?, firstRow? });
//   splitter.push(chunk) → RowBlock[]; splitter.end() → RowBlock[]     // { bytes, firstRow, rows }
//   splitter.header                                                     // the CSV header line, once read
//   const plan = createPlan({ signature, model, format, header?, passthrough?, onError });
//   decodeCsvBlock(plan, bytes, firstRow) / decodeNdjsonBlock(plan, bytes, firstRow) → DecodedBlock
//   decodeRecordsBlock(plan, records, firstRow, textual) / decodeColumnsBlock(plan, columns, rows, firstRow, textual)
//   headerLine(plan, 'csv' | 'ndjson', columns?) → the CSV header line ('' for NDJSON)
//   encodeBlock(plan, outputs, block, 'csv' | 'ndjson', columns?) → the block's lines
//   encodeBlockColumns(plan, outputs, block, columns?) → OutputColumn[] (columnar formats)
//   selectColumns(plan, columns?) validates a column selection (400 naming an unknown column).
//
// A block's `outputs` are the model's outputs for its `feeds` (null when no row could be scored). In mode 'fail'
// a block with errors ends the job: throw rowErrorToError(block.errors[0]).
export { BlockSplitter, DEFAULT_BLOCK_BYTES, DEFAULT_MAX_ROW_BYTES, type RowBlock, type SplitterOptions } from './splitter.js';
export { allColumns, createPlan, ERROR_COLUMN, selectColumns, type BatchPlan, type PlanOptions } from './plan.js';
export { decodeColumnsBlock, decodeCsvBlock, decodeNdjsonBlock, decodeRecordsBlock } from './decode.js';
export { encodeBlock, encodeBlockColumns, headerLine, rowErrorText, rowErrorToError, type OutputColumn } from './encode.js';
export type { DecodedBlock, OnError, RowError } from './types.js';
