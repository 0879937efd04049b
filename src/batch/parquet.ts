// Parquet in and out for `modelport predict`, through hyparquet / hyparquet-writer (pure JavaScript; chosen by
// measurement, see bench/results/batch.md), with hyparquet-compressors for files written with gzip, zstd, brotli
// or lz4 (snappy too, faster than hyparquet's own). Input is planned on the main thread from the footer and read
// by the workers a row group at a time (a large group in ranges, through its offset index), so memory follows the
// row-group size, not the row count; output is encoded as row groups of ROW_GROUP_ROWS rows, handed out in chunks
// as they fill.
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { OutputColumn } from './encode.js';
import { rowGroupRange, type Shard } from './shard.js';

/** Values of one column for a run of rows: numbers as a Float64Array, anything else (text, null) as an array. */
export type ColumnValues = Float64Array | (string | number | boolean | null)[];

/** A run of rows of a Parquet file to score: rows [start, start + rows) (0-based), numbered from `firstRow`. */
export interface RowRange {
  start: number;
  rows: number;
  /** 1-based, global across shards. */
  firstRow: number;
}

export interface ParquetInput {
  /** Rows this shard scores. */
  rows: number;
  /** The shard's rows in ranges of whole row groups, a group of more than `maxRows` rows cut into equal ranges. */
  ranges(maxRows: number): RowRange[];
}

interface OpenedFile {
  file: AsyncBuffer;
  metadata: FileMetaData;
  names: string[];
}

/** Opened files by path: a worker reads many ranges of the same file. */
const opened = new Map<string, Promise<OpenedFile>>();

function openFile(path: string): Promise<OpenedFile> {
  let file = opened.get(path);
  if (!file) {
    file = (async () => {
      const buffer = await asyncBufferFromFile(path);
      let metadata: FileMetaData;
      try {
        metadata = await parquetMetadataAsync(buffer);
      } catch (err) {
        throw new Error(`${path} is not a Parquet file: ${(err as Error).message}`);
      }
      return { file: buffer, metadata, names: topLevelColumns(path, metadata.schema) };
    })();
    opened.set(path, file);
  }
  return file;
}

/** Plans the shard's row groups of a Parquet file; only the footer is read here, the rows by readParquetRows. */
export async function openParquetInput(path: string, shard: Shard): Promise<ParquetInput> {
  const { metadata } = await openFile(path);
  const [from, to] = rowGroupRange(metadata.row_groups.length, shard);
  const counts = metadata.row_groups.map((g) => Number(g.num_rows));
  const before = counts.slice(0, from).reduce((a, b) => a + b, 0);
  return {
    rows: counts.slice(from, to).reduce((a, b) => a + b, 0),
    ranges(maxRows: number) {
      const ranges: RowRange[] = [];
      let start = before;
      for (let g = from; g < to; g++) {
        const pieces = Math.ceil(counts[g] / maxRows);
        for (let p = 0; p < pieces; p++) {
          const [a, b] = [Math.floor((counts[g] * p) / pieces), Math.floor((counts[g] * (p + 1)) / pieces)];
          ranges.push({ start: start + a, rows: b - a, firstRow: start + a + 1 });
        }
        start += counts[g];
      }
      return ranges;
    },
  };
}

/** The rows [start, start + count) of a Parquet file as columns, in the file's column order. */
export async function readParquetRows(path: string, start: number, count: number): Promise<[name: string, values: ColumnValues][]> {
  const { file, metadata, names } = await openFile(path);
  const columns = new Map<string, ColumnValues>();
  await parquetRead({
    file, metadata, compressors, rowStart: start, rowEnd: start + count, useOffsetIndex: true,
    onChunk: (chunk) => {
      // A chunk may hold rows outside the requested range (a whole column chunk or page).
      const values = plainValues(chunk.columnData as ArrayLike<unknown>);
      let target = columns.get(chunk.columnName);
      if (!target) columns.set(chunk.columnName, (target = values instanceof Float64Array ? new Float64Array(count) : new Array(count).fill(null)));
      // A later chunk of a column that began as numbers may not be (an int64 beyond 2^53): keep plain values then.
      if (target instanceof Float64Array && !(values instanceof Float64Array)) columns.set(chunk.columnName, (target = Array.from(target)));
      const from = Math.max(chunk.rowStart, start);
      const to = Math.min(chunk.rowEnd, start + count);
      if (target instanceof Float64Array && values instanceof Float64Array) {
        target.set(values.subarray(from - chunk.rowStart, to - chunk.rowStart), from - start);
      } else {
        for (let r = from; r < to; r++) (target as unknown[])[r - start] = values[r - chunk.rowStart];
      }
    },
  });
  return names.map((name): [string, ColumnValues] => [name, columns.get(name) ?? new Array(count).fill(null)]);
}

function topLevelColumns(path: string, schema: SchemaElement[]): string[] {
  const names: string[] = [];
  for (let i = 1; i < schema.length; i++) {
    const element = schema[i];
    if (element.num_children) throw new Error(`${path}: column '${element.name}' is nested (a struct, list or map); only flat columns can be scored`);
    names.push(element.name);
  }
  return names;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Numbers as a Float64Array where they all are (typed arrays, and the plain arrays hyparquet builds for
 * dictionary-encoded columns), 64-bit integers included while within 2^53; anything else as plain values.
 */
function plainValues(data: ArrayLike<unknown>): ColumnValues {
  if (data instanceof Float64Array) return data;
  const numbers = new Float64Array(data.length);
  let i = 0;
  for (; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'number') numbers[i] = v;
    else if (typeof v === 'bigint' && v >= -MAX_SAFE && v <= MAX_SAFE) numbers[i] = Number(v);
    else break;
  }
  if (i === data.length) return numbers;
  const out = new Array<string | number | boolean | null>(data.length);
  for (let j = 0; j < data.length; j++) out[j] = plainValue(data[j]);
  return out;
}

function plainValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : String(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return JSON.stringify(v);
}

const ROW_GROUP_ROWS = 100_000;
const FLUSH_BYTES = 1 << 20;

const SCHEMA_TYPES: Record<OutputColumn['kind'], Pick<SchemaElement, 'type' | 'converted_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  double: { type: 'DOUBLE' },
};

/** A hyparquet-writer Writer that hands its bytes out in chunks of about FLUSH_BYTES, for an async stream to write. */
class ChunkWriter extends ByteWriter {
  readonly chunks: Uint8Array[] = [];

  constructor() {
    super(FLUSH_BYTES * 2);
  }

  override ensure(size: number): void {
    if (this.index > FLUSH_BYTES) this.takeBuffer();
    super.ensure(size);
  }

  override finish(): void {
    this.takeBuffer();
  }

  private takeBuffer(): void {
    if (this.index > 0) this.chunks.push(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0;
  }
}

/**
 * Encodes blocks of output columns as one Parquet file, in the order they come; the caller writes the bytes that
 * `take()` returns (at most a row group's worth is held).
 */
export class ParquetOutput {
  private readonly bytes = new ChunkWriter();
  private writer: ParquetWriter | null = null;
  private names: string[] = [];
  private kinds: OutputColumn['kind'][] = [];
  private pending: OutputColumn[][] = [];
  private pendingRows = 0;

  /** The encoded bytes not yet taken. */
  take(): Uint8Array[] {
    return this.bytes.chunks.splice(0);
  }

  append(columns: OutputColumn[]): void {
    const rows = columns[0]?.values.length ?? 0;
    if (rows === 0) return;
    if (!this.writer) this.start(columns);
    this.pending.push(columns);
    this.pendingRows += rows;
    if (this.pendingRows >= ROW_GROUP_ROWS) this.flushRowGroup();
  }

  close(): void {
    if (this.pendingRows > 0) this.flushRowGroup();
    // A job that scored no row still leaves a readable file; its columns are unknown, so it has none.
    if (!this.writer) this.writer = new ParquetWriter({ writer: this.bytes, schema: [{ name: 'root', num_children: 0 }] });
    void this.writer.finish();
  }

  private start(columns: OutputColumn[]): void {
    this.names = columns.map((c) => c.name);
    this.kinds = columns.map((c) => c.kind);
    const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
    for (const c of columns) schema.push({ name: c.name, repetition_type: 'OPTIONAL', ...SCHEMA_TYPES[c.kind] });
    this.writer = new ParquetWriter({ writer: this.bytes, schema, createdBy: 'modelport' });
  }

  private flushRowGroup(): void {
    const columnData = this.names.map((name, c) => {
      const parts = this.pending.map((block) => block[c].values);
      if (this.kinds[c] === 'double') return { name, data: doubles(parts, this.pendingRows) };
      // Labels repeat: a dictionary pays. Pass-through values and errors mostly do not: plain is faster. Min/max
      // of text helps no reader and costs a comparison per value.
      const data = parts.flatMap((values) => values as (string | null)[]);
      return { name, data, statistics: false, ...(name === 'label' ? {} : { encoding: 'PLAIN' as const }) };
    });
    void this.writer!.write({ columnData, rowGroupSize: this.pendingRows });
    this.pending = [];
    this.pendingRows = 0;
  }
}

/** Blocks of a double column as one: a Float64Array, or an array with null for NaN (a row without an answer). */
function doubles(parts: ArrayLike<unknown>[], rows: number): Float64Array | (number | null)[] {
  const joined = new Float64Array(rows);
  let at = 0;
  for (const values of parts) {
    joined.set(values as Float64Array, at);
    at += values.length;
  }
  if (!joined.some(Number.isNaN)) return joined;
  return Array.from(joined, (v) => (Number.isNaN(v) ? null : v));
}
