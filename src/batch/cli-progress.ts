// The progress line of `modelport predict` (on a terminal only) and its closing summary.
import type { WriteStream } from 'node:tty';

export interface JobCounts {
  rows: number;
  scored: number;
  skipped: number;
  errors: number;
}

const REDRAW_MS = 200;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Redraws one status line on a TTY: rows, rows/s and, when the amount of input is known, a bar and an ETA.
 * `done` and `total` are in the unit the input is measured in (bytes of a CSV file, rows of a Parquet file).
 */
export class ProgressLine {
  private readonly started = performance.now();
  private last = -Infinity;

  constructor(private readonly out: WriteStream, private readonly total: number | null) {}

  update(rows: number, done: number): void {
    const now = performance.now();
    if (now - this.last < REDRAW_MS) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? rows / seconds : 0;
    let text = `${rows.toLocaleString('en-US')} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s`;
    if (this.total) {
      const part = Math.min(1, done / this.total);
      const width = 24;
      const filled = Math.round(part * width);
      const eta = part > 0 ? (seconds / part) * (1 - part) : Infinity;
      text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(part * 100).toFixed(0).padStart(3)}%  ${text}  ETA ${duration(eta)}`;
    }
    this.out.write(`\r${text.slice(0, Math.max(10, (this.out.columns ?? 80) - 1))}\x1b[K`);
  }

  clear(): void {
    this.out.write('\r\x1b[K');
  }
}

export function summaryLine(counts: JobCounts, seconds: number): string {
  const rate = seconds > 0 ? Math.round(counts.scored / seconds) : 0;
  return `modelport predict: ${counts.scored} rows scored, ${counts.skipped} skipped, ${counts.errors} errors, ` +
    `${seconds.toFixed(2)} s (${rate} rows/s)`;
}
