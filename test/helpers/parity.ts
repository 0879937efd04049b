// One parity harness for every family of fixtures written by several library versions.
//
// A family keeps `test/fixtures/<family>/make_fixtures.py`, run once per library version, which writes
// `<family>/<version>/<case>.expected.json` beside the artifacts of that case (`<case>.pkl`, `<case>.joblib`,
// `<case>.json`, `<case>.ubj`, …: every file whose name is `<case>.<ending>`). The expected file holds:
//   X                   rows: arrays of numbers (null = NaN) or objects of named values (null = missing)
//   predict             what the library's predict() returned (labels, or values for a regression)
//   predict_proba       optional, [N, classes]
//   transform           optional, for a transformer: [N, width] (null = NaN)
//   margin              optional, XGBoost's output_margin=True, [N] or [N, k]
// Each artifact is imported as the server imports it and fed through the same row codec the HTTP routes use,
// so a fixture proves the names, types and categories the artifact declares, not just the graph.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { rowsToFeeds } from '../../src/codecs/rows.js';
import { importArtifacts } from '../../src/import/artifact.js';
import { DEFAULT_TUNING } from '../../src/runtime/onnx-runner.js';
import type { Feeds } from '../../src/runtime/runner.js';
import { deriveSignature, type Signature } from '../../src/signature/signature.js';
import type { Tensor } from '../../src/tensor.js';
import { FIXTURES } from './fixtures.js';

export interface ParityExpected {
  X: (unknown[] | Record<string, unknown>)[];
  predict: unknown[];
  predict_proba?: (number | null)[][];
  transform?: (number | null)[][];
  margin?: (number | null | (number | null)[])[];
}

export interface ParityOptions {
  /** The largest absolute difference allowed for a case (0 = bit-identical). */
  tolerance(caseName: string, expected: ParityExpected): number;
  /** Cases a family must have, at least, in each version folder. */
  minimumCases?: number;
}

const NOT_ARTIFACTS = new Set(['expected.json', 'py', 'md', 'txt']);

function toNumber(v: unknown): number {
  if (v === null) return NaN;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

/** A tensor as rows of numbers, whatever its element type. */
export function tensorRows(t: Tensor): number[][] {
  const width = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = Array.from(t.data as ArrayLike<unknown>, toNumber);
  return Array.from({ length: t.dims[0] }, (_, r) => data.slice(r * width, (r + 1) * width));
}

function expectedRows(values: readonly unknown[]): number[][] {
  return values.map((row) => (Array.isArray(row) ? row.map(toNumber) : [toNumber(row)]));
}

/** The largest absolute difference; NaN against NaN counts as equal, NaN against a number as infinite. */
export function maxDifference(actual: number[][], expected: number[][]): number {
  assert.equal(actual.length, expected.length, 'row count');
  let max = 0;
  actual.forEach((row, r) => {
    assert.equal(row.length, expected[r].length, `width of row ${r}`);
    row.forEach((v, c) => {
      const e = expected[r][c];
      const d = Object.is(v, e) || (Number.isNaN(v) && Number.isNaN(e)) ? 0 : Math.abs(v - e);
      max = Math.max(max, Number.isNaN(d) ? Infinity : d);
    });
  });
  return max;
}

function labelOf(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Imports an artifact the way the repository does and derives its signature with no model.yaml. */
export async function loadForParity(path: string): Promise<{ signature: Signature; run(X: ParityExpected['X']): Promise<Feeds>; dispose(): Promise<void> }> {
  const imported = await importArtifacts([{ name: path, bytes: readFileSync(path) }], DEFAULT_TUNING);
  const signature = deriveSignature(imported.runner.inputs, imported.runner.outputs, {}, imported.hints);
  return {
    signature,
    run: (X) => imported.runner.run(rowsToFeeds(signature, path, X, { where: 'rows', single: false, textual: false })),
    dispose: () => imported.runner.dispose(),
  };
}

async function checkCase(t: TestContext, path: string, expected: ParityExpected, tolerance: number): Promise<void> {
  const model = await loadForParity(path);
  try {
    const out = await model.run(expected.X);
    const s = model.signature;
    const report = (what: string, err: number) => {
      t.diagnostic(`${what}: max abs error ${err}`);
      assert.ok(err <= tolerance, `${what} differ by ${err} (allowed ${tolerance})`);
    };
    if (expected.transform) {
      const name = s.outputs[0].name;
      report('transform', maxDifference(tensorRows(out[name]), expectedRows(expected.transform)));
      return;
    }
    if (s.task === 'classification') {
      assert.ok(s.labelOutput, 'a classifier has a label output');
      const labels = Array.from(out[s.labelOutput].data as ArrayLike<unknown>, labelOf);
      assert.deepEqual(labels, expected.predict, 'labels');
      if (expected.predict_proba) {
        assert.ok(s.probabilityOutput, 'a probabilistic classifier has a probability output');
        report('probabilities', maxDifference(tensorRows(out[s.probabilityOutput]), expectedRows(expected.predict_proba)));
      }
    } else {
      assert.ok(s.valueOutput, `a regressor has a value output (task ${s.task})`);
      report('values', maxDifference(tensorRows(out[s.valueOutput]), expectedRows(expected.predict)));
    }
    if (expected.margin) report('margins', maxDifference(tensorRows(out.margin), expectedRows(expected.margin)));
  } finally {
    await model.dispose();
  }
}

/** Declares one test per artifact of every case under test/fixtures/<family>/<version>/. */
export function parityFixtures(family: string, options: ParityOptions): void {
  const root = join(FIXTURES, family);
  const versions = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();
  describe(`${family} parity`, () => {
    it('has fixtures from each library version', () => {
      assert.ok(versions.length > 0, `no version folders under ${root}`);
      for (const v of versions) {
        const cases = readdirSync(join(root, v)).filter((f) => f.endsWith('.expected.json'));
        assert.ok(cases.length >= (options.minimumCases ?? 1), `${v}: only ${cases.length} cases`);
      }
    });
    for (const version of versions) {
      const dir = join(root, version);
      const files = readdirSync(dir).sort();
      for (const file of files.filter((f) => f.endsWith('.expected.json'))) {
        const caseName = file.slice(0, -'.expected.json'.length);
        const expected = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ParityExpected;
        const tolerance = options.tolerance(caseName, expected);
        const artifacts = files.filter((f) => f.startsWith(`${caseName}.`) && !NOT_ARTIFACTS.has(f.slice(caseName.length + 1)));
        it(`${version}/${caseName}: has artifacts`, () => assert.ok(artifacts.length > 0));
        for (const artifact of artifacts) {
          it(relative(root, join(dir, artifact)), (t) => checkCase(t, join(dir, artifact), expected, tolerance));
        }
      }
    }
  });
}
