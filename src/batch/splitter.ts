// Cuts an input byte stream into blocks of whole rows, so that each block can be decoded on its own (in a worker)
// and the row numbers of its errors are known before it is decoded. Rows end at '\n' outside CSV quotes (a
// newline inside a quoted field belongs to the row); '\r\n' ends are fine, the decoders drop the '\r'.
// Empty lines are neither rows nor counted. A UTF-8 BOM at the very start is dropped. For CSV the first non-empty
// line is the header: it is kept aside (see `header`) and is not part of any block.
import { ModelportError } from '../errors.js';

export interface SplitterOptions {
  /** 'csv' honours quotes and reads a header line; 'ndjson' cuts at every newline (JSON text holds none raw). */
  format: 'csv' | 'ndjson';
  /** A block is cut at the first row end from this size on (default 512 KiB). */
  blockBytes?: number;
  /** A longer row (or header) is a 413 naming the row (default 1 MiB). */
  maxRowBytes?: number;
  /** The number of the first data row (default 1); a shard that starts mid-file passes its own. */
  firstRow?: number;
}

/** Whole rows: their bytes (ends included), the number of the first one and how many rows (non-empty lines). */
export interface RowBlock {
  bytes: Buffer;
  firstRow: number;
  rows: number;
}

export const DEFAULT_BLOCK_BYTES = 512 * 1024;
export const DEFAULT_MAX_ROW_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const QUOTE = 0x22;

function rowTooLarge(row: number, limit: number): ModelportError {
  const what = row === 0 ? 'the CSV header' : `row ${row}`;
  return ModelportError.fromWire({
    code: 'PAYLOAD_TOO_LARGE',
    message: `${what} is longer than the limit of ${limit} bytes per row`,
    details: [{ ...(row === 0 ? {} : { field: `row ${row}` }), message: `longer than ${limit} bytes` }],
  });
}

export class BlockSplitter {
  /** The CSV header line (without its line end), once it has been read; null before, and always for NDJSON. */
  header: string | null = null;
  private readonly csv: boolean;
  private readonly blockBytes: number;
  private readonly maxRowBytes: number;
  /** Bytes received and not yet emitted, from stream offset `start`. */
  private pending: Buffer[] = [];
  private start = 0;
  /** Stream offset of the end of the bytes received. */
  private offset = 0;
  /** Where the current row starts, and whether it has a byte other than '\r' yet. */
  private rowStart = 0;
  private rowEmpty = true;
  private inQuotes = false;
  /** The end of the last complete row (just past its '\n'), and the rows completed before it since `start`. */
  private cut = 0;
  private rowsBeforeCut = 0;
  private nextRow: number;
  private bomChecked = false;
  /** Blocks cut and not yet returned. */
  private ready: RowBlock[] = [];

  constructor(options: SplitterOptions) {
    this.csv = options.format === 'csv';
    this.blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
    this.maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
    this.nextRow = options.firstRow ?? 1;
  }

  /** Rows read so far (complete rows, including any not yet emitted in a block). */
  get rowsRead(): number {
    return this.nextRow - 1 + this.rowsBeforeCut;
  }

  /** Takes the next bytes of the stream; returns the blocks they complete (usually none or one). */
  push(chunk: Buffer): RowBlock[] {
    this.scan(chunk);
    return this.take();
  }

  /** The stream has ended: the last block (a last row may lack its newline), or none. */
  end(): RowBlock[] {
    if (!this.bomChecked) this.scan(Buffer.alloc(0), true);
    if (this.inQuotes) {
      throw new ModelportError('INVALID_CSV', [`row ${this.rowsRead + 1}: a quoted field is not closed before the end of the body`]);
    }
    if (!this.rowEmpty) this.rowEnded(this.offset);
    if (this.rowsBeforeCut > 0) this.emit();
    return this.take();
  }

  private take(): RowBlock[] {
    const blocks = this.ready;
    this.ready = [];
    return blocks;
  }

  private scan(chunk: Buffer, ending = false): void {
    if (!this.bomChecked) {
      // The BOM may straddle chunks: wait for three bytes (or the end) before deciding.
      this.pending.push(chunk);
      this.offset += chunk.length;
      if (this.offset < 3 && !ending) return;
      this.bomChecked = true;
      const head = Buffer.concat(this.pending);
      this.pending = [];
      this.offset = 0;
      const bom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
      chunk = bom ? head.subarray(3) : head;
    }
    const base = this.offset;
    this.pending.push(chunk);
    this.offset += chunk.length;
    let pos = 0;
    let quote = this.csv ? chunk.indexOf(QUOTE) : -1;
    while (pos < chunk.length) {
      if (this.inQuotes) {
        // Inside quotes only the closing quote matters ('""' closes and reopens).
        if (quote < 0) {
          this.rowEmpty = false;
          break;
        }
        this.inQuotes = false;
        pos = quote + 1;
        quote = chunk.indexOf(QUOTE, pos);
        continue;
      }
      const newline = chunk.indexOf(NEWLINE, pos);
      if (quote >= 0 && (newline < 0 || quote < newline)) {
        this.rowEmpty = false;
        this.inQuotes = true;
        pos = quote + 1;
        quote = chunk.indexOf(QUOTE, pos);
        continue;
      }
      const end = newline < 0 ? chunk.length : newline;
      if (this.rowEmpty) {
        for (let i = pos; i < end; i++) {
          if (chunk[i] !== RETURN) {
            this.rowEmpty = false;
            break;
          }
        }
      }
      if (newline < 0) break;
      this.rowEnded(base + newline);
      pos = newline + 1;
    }
    if (this.offset - this.rowStart > this.maxRowBytes) throw rowTooLarge(this.header === null && this.csv ? 0 : this.rowsRead + 1, this.maxRowBytes);
  }

  /** A row (or an empty line) ends at stream offset `newline` (the '\n', or the end of the stream). */
  private rowEnded(newline: number): void {
    if (newline - this.rowStart > this.maxRowBytes) throw rowTooLarge(this.header === null && this.csv ? 0 : this.rowsRead + 1, this.maxRowBytes);
    const next = Math.min(newline + 1, this.offset);
    if (!this.rowEmpty) {
      if (this.csv && this.header === null) {
        this.header = this.bytes(this.rowStart, newline).toString('utf8').replace(/\r$/, '');
        this.drop(next);
      } else {
        this.rowsBeforeCut++;
      }
    }
    this.cut = Math.max(this.cut, next);
    this.rowStart = next;
    this.rowEmpty = true;
    if (this.cut - this.start >= this.blockBytes && this.rowsBeforeCut > 0) this.emit();
  }

  /** Cuts the rows up to `cut` into a block. */
  private emit(): void {
    this.ready.push({ bytes: this.bytes(this.start, this.cut), firstRow: this.nextRow, rows: this.rowsBeforeCut });
    this.nextRow += this.rowsBeforeCut;
    this.rowsBeforeCut = 0;
    this.drop(this.cut);
  }

  /** The pending bytes from stream offset `from` to `to`, as one Buffer of its own. */
  private bytes(from: number, to: number): Buffer {
    const skip = from - this.start;
    const all = Buffer.concat(this.pending, skip + (to - from));
    return skip === 0 ? all : Buffer.from(all.subarray(skip));
  }

  /** Forgets the pending bytes before stream offset `to`. */
  private drop(to: number): void {
    let skip = to - this.start;
    while (skip > 0 && this.pending.length) {
      const first = this.pending[0];
      if (first.length <= skip) {
        skip -= first.length;
        this.pending.shift();
      } else {
        this.pending[0] = first.subarray(skip);
        skip = 0;
      }
    }
    this.start = to;
    this.cut = Math.max(this.cut, to);
  }
}
