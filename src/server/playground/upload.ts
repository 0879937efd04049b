// Scoring a CSV file through the batch path: the file is the body of POST …/predict (text/csv), the answer is read
// as a stream to show progress in rows, and offered for download from a Blob URL.
import type { ErrorBody } from './api.js';
import { clear, el } from './dom.js';

export interface UploadView {
  progress: HTMLProgressElement;
  status: HTMLElement;
  result: HTMLElement;
}

const NEWLINE = 10;

/** Data rows of a CSV file (lines after the header), counted from a stream without holding the file as text. */
async function countRows(file: Blob): Promise<number> {
  let lines = 0;
  let last = NEWLINE;
  const reader = file.stream().getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    for (const byte of chunk.value) if (byte === NEWLINE) lines++;
    if (chunk.value.length) last = chunk.value[chunk.value.length - 1];
  }
  if (last !== NEWLINE) lines++;
  return Math.max(0, lines - 1);
}

function errorText(status: number, text: string): string {
  try {
    const { error } = JSON.parse(text) as ErrorBody;
    const details = (error.details ?? []).map((d) => (d.field ? `${d.field.replace(/^rows\[(\d+)\]/, (_, i: string) => `row ${Number(i) + 1}`)}: ${d.message}` : d.message));
    return details.length ? details.join('; ') : error.message;
  } catch {
    return `HTTP ${status}: ${text.slice(0, 200)}`;
  }
}

/** The fields of one CSV line (RFC 4180 quotes; the answer's lines hold no line breaks). */
function cells(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') field += line[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

function preview(csv: string, limit: number): HTMLElement {
  const lines = csv.split(/\r?\n/).filter((l) => l !== '').slice(0, limit + 1);
  const [head, ...rows] = lines;
  return el('div', { class: 'table-wrap' },
    el('table', {},
      el('caption', {}, `First ${rows.length} rows of the answer`),
      el('thead', {}, el('tr', {}, ...cells(head ?? '').map((c) => el('th', { scope: 'col' }, c)))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...cells(r).map((c) => el('td', {}, c)))))));
}

let lastUrl: string | null = null;

/** Scores `file` with the model at `path`, updating the view; resolves when the answer is complete or failed. */
export async function scoreCsv(path: string, file: File, downloadName: string, view: UploadView): Promise<void> {
  clear(view.result);
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = null;
  view.progress.hidden = false;
  view.progress.removeAttribute('value');
  view.status.textContent = `Sending ${file.name}…`;
  const total = await countRows(file);
  view.progress.max = Math.max(total, 1);
  let res: Response;
  try {
    res = await fetch(path, { method: 'POST', headers: { 'content-type': 'text/csv', accept: 'text/csv' }, body: file });
  } catch (err) {
    view.progress.hidden = true;
    view.status.textContent = `The server did not answer: ${(err as Error).message}`;
    return;
  }
  // Fetch's stream chunks are never shared memory; TypeScript's DOM types just do not say so.
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let lines = 0;
  const reader = res.body!.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    chunks.push(chunk.value as Uint8Array<ArrayBuffer>);
    for (const byte of chunk.value) if (byte === NEWLINE) lines++;
    if (res.ok) {
      const scored = Math.max(0, lines - 1);
      view.progress.value = Math.min(scored, view.progress.max);
      view.status.textContent = `${scored} of ${total} rows scored`;
    }
  }
  const blob = new Blob(chunks, { type: res.ok ? 'text/csv' : 'application/json' });
  const text = await blob.text();
  if (!res.ok) {
    view.progress.hidden = true;
    view.status.textContent = `The file was not scored: ${errorText(res.status, text)}`;
    return;
  }
  const scored = Math.max(0, lines - 1);
  view.progress.value = view.progress.max;
  view.status.textContent = `${scored} rows scored.`;
  lastUrl = URL.createObjectURL(blob);
  view.result.append(
    el('a', { id: 'download-link', class: 'button', href: lastUrl, download: downloadName }, `Download ${downloadName}`),
    preview(text, 5));
}

/** A CSV of one row (header of feature names) to start a file from. */
export function templateCsv(names: string[], row: Record<string, unknown>): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${names.map(cell).join(',')}\n${names.map((n) => cell(row[n])).join(',')}\n`;
}
