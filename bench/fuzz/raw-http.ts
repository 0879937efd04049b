// A minimal HTTP/1.1 client over node:net that sends exactly the bytes it is given (malformed ones too) and reads
// one response, so that the fuzzer can tell an answer from a closed connection from a hang.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The server asked to close, or the body ran until the connection closed. */
  closes: boolean;
}

export type Outcome =
  | { kind: 'answered'; response: RawResponse }
  | { kind: 'closed'; error?: string }
  | { kind: 'hang' };

export interface RawRequest {
  /** Written in order; a delay (ms) between parts simulates a slow client. */
  parts: Buffer[];
  partDelayMs?: number;
  /** Half-close after the last part (a client that has nothing more to send). */
  halfClose?: boolean;
  /** HEAD: the response has headers only. */
  head?: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Parses one response from the front of `data`; null while it is incomplete. `ended`: the peer closed. */
export function parseResponse(data: Buffer, ended: boolean, head: boolean): { response: RawResponse; rest: Buffer } | null {
  let start = 0;
  for (;;) {
    const end = data.indexOf(HEADER_END, start);
    if (end < 0) return null;
    const lines = data.subarray(start, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? NaN);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0].slice(0, 80))}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = end + HEADER_END.length;
    // 1xx (100 Continue) precedes the real response.
    if (status >= 100 && status < 200) {
      start = bodyStart;
      continue;
    }
    const closes = /close/i.test(headers.connection ?? '');
    if (head || status === 204 || status === 304) {
      return { response: { status, headers, body: Buffer.alloc(0), closes }, rest: data.subarray(bodyStart) };
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunks: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', at);
        if (lineEnd < 0) return null;
        const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
        if (!Number.isFinite(size)) throw new Error('bad chunk size in the response');
        if (size === 0) {
          // Either an empty line right away or trailers ending with one.
          const bare = data.subarray(lineEnd + 2, lineEnd + 4).toString('latin1') === '\r\n';
          const trailers = bare ? -1 : data.indexOf(HEADER_END, lineEnd);
          if (!bare && trailers < 0) return null;
          const after = bare ? lineEnd + 4 : trailers + 4;
          return { response: { status, headers, body: Buffer.concat(chunks), closes }, rest: data.subarray(after) };
        }
        if (data.length < lineEnd + 2 + size + 2) return null;
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (data.length < bodyStart + length) return null;
      return { response: { status, headers, body: data.subarray(bodyStart, bodyStart + length), closes }, rest: data.subarray(bodyStart + length) };
    }
    if (!ended) return null;
    return { response: { status, headers, body: data.subarray(bodyStart), closes: true }, rest: Buffer.alloc(0) };
  }
}

/** A connection that sends requests one at a time and reads their responses. */
export class RawConnection {
  private socket: Socket | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private error: string | undefined;
  private wake: (() => void) | null = null;

  constructor(private readonly host: string, private readonly port: number) {}

  get open(): boolean {
    return this.socket !== null && !this.ended && this.error === undefined;
  }

  private async connect(): Promise<Socket> {
    const socket = connect({ host: this.host, port: this.port, allowHalfOpen: true });
    socket.setNoDelay(true);
    this.buffered = Buffer.alloc(0);
    this.ended = false;
    this.error = undefined;
    this.socket = socket;
    // Events of a socket this connection has since replaced are ignored.
    const mine = () => this.socket === socket;
    socket.on('data', (chunk: Buffer) => {
      if (!mine()) return;
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
      this.wake?.();
    });
    socket.on('end', () => { if (mine()) { this.ended = true; this.wake?.(); } });
    socket.on('close', () => { if (mine()) { this.ended = true; this.wake?.(); } });
    socket.on('error', (err: NodeJS.ErrnoException) => { if (mine()) { this.error = err.code ?? err.message; this.wake?.(); } });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return socket;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  /** Sends a request and waits at most `timeoutMs` for its response or for the connection to close. */
  async send(request: RawRequest, timeoutMs: number): Promise<Outcome> {
    const socket = this.open ? (this.socket as Socket) : await this.connect();
    const deadline = Date.now() + timeoutMs;
    try {
      for (const [i, part] of request.parts.entries()) {
        if (i > 0 && request.partDelayMs) await new Promise((r) => setTimeout(r, request.partDelayMs));
        if (this.error !== undefined || this.ended) break;
        socket.write(part);
      }
      if (request.halfClose && this.error === undefined) socket.end();
    } catch (err) {
      this.error = (err as Error).message;
    }
    for (;;) {
      let parsed: ReturnType<typeof parseResponse>;
      try {
        parsed = parseResponse(this.buffered, this.ended || this.error !== undefined, request.head ?? false);
      } catch (err) {
        this.close();
        return { kind: 'closed', error: (err as Error).message };
      }
      if (parsed) {
        this.buffered = parsed.rest;
        if (parsed.response.closes || request.halfClose) this.close();
        return { kind: 'answered', response: parsed.response };
      }
      if (this.ended || this.error !== undefined) {
        const error = this.error;
        this.close();
        return { kind: 'closed', ...(error ? { error } : {}) };
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        return { kind: 'hang' };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); this.wake = null; resolve(); };
      });
    }
  }
}
