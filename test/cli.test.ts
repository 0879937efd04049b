// The command line: inspect and convert, and a converted graph served back with the same answers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { importArtifacts } from '../src/import/artifact.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { makeTensor } from '../src/tensor.js';
import { FIXTURES } from './helpers/fixtures.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const run = promisify(execFile);
const modelport = (...args: string[]) => run(process.execPath, [CLI, ...args]);

describe('modelport inspect and convert', () => {
  it('inspect names the estimator, features, outputs and classes', async () => {
    const { stdout } = await modelport('inspect', join(FIXTURES, 'sklearn/decision_tree_classifier.joblib'));
    assert.match(stdout, /estimator\s+DecisionTreeClassifier/);
    assert.match(stdout, /outputs\s+label: string\[N\]; probabilities: float64\[N, 3\]/);
    assert.match(stdout, /classes\s+setosa, versicolor, virginica/);
    const json = JSON.parse((await modelport('inspect', '--json', join(FIXTURES, 'xgboost/named_features.json'))).stdout);
    assert.deepEqual(json.features.map((f: { name: string }) => f.name), ['times_pregnant', 'glucose', 'blood_pressure', 'skin_fold_thick']);
    assert.equal(json.task, 'classification');
  });

  it('inspect composes several artifacts in order', async () => {
    const { stdout } = await modelport('inspect', join(FIXTURES, 'sklearn/composed/vectorizer.pkl'), join(FIXTURES, 'sklearn/composed/classifier.pkl'));
    assert.match(stdout, /TfidfVectorizer → MultinomialNB/);
    assert.match(stdout, /inputs\s+text: string\[N\]/);
  });

  it('convert writes an ONNX file that serves the same answers, class labels included', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'modelport-cli-')), 'forest.onnx');
    const source = join(FIXTURES, 'sklearn/decision_tree_classifier_wine.pkl');
    const { stdout } = await modelport('convert', source, '-o', out);
    assert.match(stdout, /wrote .*forest\.onnx/);
    const original = await importArtifacts([{ name: 'm.pkl', bytes: await readFile(source) }], DEFAULT_TUNING);
    const converted = await importArtifacts([{ name: 'forest.onnx', bytes: await readFile(out) }], DEFAULT_TUNING);
    const expected = JSON.parse(await readFile(join(FIXTURES, 'sklearn/decision_tree_classifier_wine.expected.json'), 'utf8'));
    const feeds = { input: makeTensor('float64', Float64Array.from(expected.X.flat()), [expected.X.length, 13]) };
    const a = await original.runner.run(feeds);
    const b = await converted.runner.run(feeds);
    assert.deepEqual(Array.from(b.probabilities.data as Float64Array), Array.from(a.probabilities.data as Float64Array));
    assert.deepEqual(converted.hints.classes, [0, 1, 2]);
    await original.runner.dispose();
    await converted.runner.dispose();
  });

  it('serve stops with exit code 1 when its workers cannot start (port in use), instead of restarting them', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = String((blocker.address() as { port: number }).port);
    try {
      await assert.rejects(
        run(process.execPath, [CLI, 'serve', join(FIXTURES, '..', '..', 'examples', 'models'), '--port', port, '--workers', '2'], { timeout: 20_000 }),
        (err: { code: number; stderr: string; stdout: string }) => {
          assert.equal(err.code, 1);
          assert.match(err.stderr + err.stdout, /EADDRINUSE/);
          assert.match(err.stdout, /a worker failed during start-up; stopping/);
          return true;
        },
      );
    } finally {
      blocker.close();
    }
  });

  it('fails with a clear message and exit code 1', async () => {
    await assert.rejects(modelport('inspect', join(FIXTURES, 'sklearn/make_fixtures.py')), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /^modelport: /);
      return true;
    });
    await assert.rejects(modelport('serve', '--port', 'eighty'), (err: { code: number; stderr: string }) => {
      assert.match(err.stderr, /expected an integer/);
      return true;
    });
  });
});
