// Dynamic batching: merged runs, each caller's own rows and outputs, its own errors, a bounded queue, and
// small requests served between the chunks of a large one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelportError } from '../src/errors.js';
import { Batcher, type BatchingOptions } from '../src/runtime/batcher.js';
import type { Feeds, Runner, TensorSpec } from '../src/runtime/runner.js';
import { makeTensor } from '../src/tensor.js';

/** Doubles its input; `label` is the row's first value as a string. Records every run. */
class FakeRunner implements Runner {
  readonly inputs: TensorSpec[] = [{ name: 'x', type: 'float64', shape: [-1, 2] }];
  readonly outputs: TensorSpec[] = [{ name: 'y', type: 'float64', shape: [-1, 2] }, { name: 'label', type: 'string', shape: [-1] }];
  runs: number[] = [];
  poison = NaN;

  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Feeds> {
    const x = feeds.x.data as Float64Array;
    const n = feeds.x.dims[0];
    this.runs.push(n);
    if (x.includes(this.poison)) throw new Error('poisoned row');
    const all: Feeds = {
      y: makeTensor('float64', x.map((v) => v * 2), [n, 2]),
      label: makeTensor('string', Array.from({ length: n }, (_, r) => String(x[r * 2])), [n]),
    };
    return Object.fromEntries((outputs ?? ['y', 'label']).map((k) => [k, all[k]]));
  }

  async dispose(): Promise<void> {}
}

const rows = (...values: number[]) => ({ x: makeTensor('float64', Float64Array.from(values.flatMap((v) => [v, v + 0.5])), [values.length, 2]) });
const options = (o: Partial<BatchingOptions> = {}): BatchingOptions => ({ maxBatchSize: 64, maxDelayMs: 0, maxQueue: 100, ...o });

describe('dynamic batching', () => {
  it('merges concurrent requests into one run and gives each caller its own rows and outputs', async () => {
    const runner = new FakeRunner();
    const b = new Batcher(runner, options(), 'm');
    const results = await Promise.all([
      b.infer(rows(1), 1, ['y', 'label']),
      b.infer(rows(2, 3), 2, ['label']),
      b.infer(rows(4), 1, ['y']),
    ]);
    assert.deepEqual(runner.runs, [4]);
    assert.deepEqual(Array.from(results[0].y.data as Float64Array), [2, 3]);
    assert.deepEqual(results[0].label.data, ['1']);
    assert.deepEqual(Object.keys(results[1]), ['label']);
    assert.deepEqual(results[1].label.data, ['2', '3']);
    assert.deepEqual(results[1].label.dims, [2]);
    assert.deepEqual(Object.keys(results[2]), ['y']);
    assert.deepEqual(Array.from(results[2].y.data as Float64Array), [8, 9]);
  });

  it('runs a lone request without waiting for company', async () => {
    const runner = new FakeRunner();
    const b = new Batcher(runner, options(), 'm');
    await b.infer(rows(1), 1, ['y']);
    await b.infer(rows(2), 1, ['y']);
    assert.deepEqual(runner.runs, [1, 1]);
  });

  it('waits max_delay_ms for more requests when asked to', async () => {
    const runner = new FakeRunner();
    const b = new Batcher(runner, options({ maxDelayMs: 20 }), 'm');
    const first = b.infer(rows(1), 1, ['y']);
    await new Promise((r) => setTimeout(r, 5));
    const second = b.infer(rows(2), 1, ['y']);
    await Promise.all([first, second]);
    assert.deepEqual(runner.runs, [2]);
  });

  it('never puts more than max_batch_size rows in a run', async () => {
    const runner = new FakeRunner();
    const b = new Batcher(runner, options({ maxBatchSize: 3 }), 'm');
    await Promise.all([1, 2, 3, 4, 5].map((v) => b.infer(rows(v, v), 2, ['y'])));
    assert.ok(runner.runs.every((n) => n <= 3), String(runner.runs));
    assert.equal(runner.runs.reduce((a, b) => a + b, 0), 10);
  });

  it('gives a poisoned request its own error and the others their answers', async () => {
    const runner = new FakeRunner();
    runner.poison = 13;
    const b = new Batcher(runner, options(), 'm');
    const outcomes = await Promise.allSettled([b.infer(rows(1), 1, ['y']), b.infer(rows(13), 1, ['y']), b.infer(rows(3), 1, ['y'])]);
    assert.equal(outcomes[0].status, 'fulfilled');
    assert.equal(outcomes[1].status, 'rejected');
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /poisoned/);
    assert.equal(outcomes[2].status, 'fulfilled');
    assert.deepEqual(Array.from((outcomes[2] as PromiseFulfilledResult<Feeds>).value.y.data as Float64Array), [6, 7]);
  });

  it('refuses requests beyond max_queue with 503 and Retry-After', async () => {
    const b = new Batcher(new FakeRunner(), options({ maxQueue: 2 }), 'm');
    const accepted = [b.infer(rows(1), 1, ['y']), b.infer(rows(2), 1, ['y'])];
    await assert.rejects(b.infer(rows(3), 1, ['y']), (err: ModelportError) => {
      assert.equal(err.status, 503);
      assert.equal(err.retryAfter, 1);
      assert.equal(err.code, 'OVERLOADED');
      return true;
    });
    await Promise.all(accepted);
  });

  it('cuts a large request into runs and serves small requests between them', async () => {
    const runner = new FakeRunner();
    // No time budget: runs of max_batch_size rows exactly.
    const b = new Batcher(runner, options({ maxBatchSize: 10 }), 'm', {}, 0);
    const big = Array.from({ length: 35 }, (_, i) => i);
    const large = b.infer(rows(...big), 35, ['y', 'label']);
    // A small request that arrives while the large one is being scored.
    await new Promise((r) => setImmediate(r));
    const small = b.infer(rows(100), 1, ['label']);
    const [l, s] = await Promise.all([large, small]);
    assert.deepEqual(runner.runs.slice(0, 2), [10, 1], `runs: ${runner.runs}`);
    assert.deepEqual(runner.runs.filter((n) => n !== 1), [10, 10, 10, 5]);
    assert.deepEqual(l.label.data, big.map(String));
    assert.deepEqual(Array.from(l.y.data as Float64Array).filter((_, i) => i % 2 === 0), big.map((v) => v * 2));
    assert.deepEqual(s.label.data, ['100']);
  });

  it('sizes the runs of a large request by the time a row takes, never below max_batch_size', async () => {
    const runner = new FakeRunner();
    const b = new Batcher(runner, options({ maxBatchSize: 10 }), 'm', {}, 0.05);
    const big = Array.from({ length: 2000 }, (_, i) => i);
    const out = await b.infer(rows(...big), big.length, ['label']);
    assert.deepEqual(out.label.data, big.map(String));
    // The first run knows no timing yet; after it, a run holds what runs in about 50 ms (far more than 10 rows of
    // this fake model, even on a busy machine), so 2,000 rows take a handful of runs rather than 200.
    assert.equal(runner.runs[0], 10);
    assert.ok(runner.runs.length < 20, `runs: ${runner.runs}`);
    assert.ok(runner.runs.every((n) => n >= 10 || n === runner.runs.at(-1)), `runs: ${runner.runs}`);
  });

  it('times out a request that waits too long and drops its queued work, without disturbing the running batch', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const runner = new FakeRunner();
    const slow: Runner = {
      inputs: runner.inputs,
      outputs: runner.outputs,
      async run(feeds, outputs) {
        await gate;
        return runner.run(feeds, outputs);
      },
      dispose: async () => {},
    };
    // max_batch_size 1: the first request runs alone; the second waits in the queue behind it.
    const b = new Batcher(slow, options({ maxBatchSize: 1 }), 'm');
    const first = b.infer(rows(1), 1, ['y'], 1000);
    await new Promise((r) => setImmediate(r));
    const second = b.infer(rows(2), 1, ['y'], 20);
    await assert.rejects(second, (err: ModelportError) => err.code === 'TIMEOUT' && err.status === 504 && /within 20 ms/.test(err.message));
    assert.equal(b.queued, 0, 'the timed-out request left the queue');
    release();
    assert.deepEqual(Array.from((await first).y.data as Float64Array), [2, 3]);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(runner.runs, [1], 'the timed-out request never ran');
  });
});
