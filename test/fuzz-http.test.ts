// The CI-sized run of `npm run fuzz:http`: mutated requests over raw sockets against a server on the example
// models. No 5xx, no hang, no crash, and the examples are still answered exactly afterwards.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { checkExamples, formatReport, runFuzz } from '../bench/fuzz-http.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../src/defaults.js';
import { startServer, type TestServer } from './helpers/server.js';

const MODELS = fileURLToPath(new URL('../../examples/models/', import.meta.url));

describe('HTTP fuzzing (short run)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer(MODELS, { maxInFlight: DEFAULT_MAX_IN_FLIGHT, requestTimeoutMs: 60_000, operations: { cors: '*' } });
  });
  after(() => s.close());

  it('answers 3,000 mutated requests below 500 or closes malformed ones, never hangs', async () => {
    const report = await runFuzz({ host: '127.0.0.1', port: Number(new URL(s.url).port), requests: 3000, seed: 7, concurrency: 8, timeoutMs: 30_000 });
    assert.equal(report.requests, 3000);
    assert.equal(report.failureCount, 0, formatReport(report));
    assert.ok((report.byOutcome['200'] ?? 0) > 100, formatReport(report));
  });

  it('still answers every example exactly afterwards', async () => {
    assert.deepEqual(await checkExamples(s.url), []);
  });
});
