// Explanations against the libraries: XGBoost's own predict(pred_contribs=True) bit for bit (float32, tolerance 0)
// for XGBoost 1.7.4 and 3.0.0, which run the same TreeSHAP recursion in the same float32 order. XGBoost 3.3 computes
// pred_contribs with an 8-point quadrature (QuadratureSHAP) and sums the bias per group in double: its values differ
// from exact TreeSHAP in the last bits: measured at most 2.4e-7 × the row's largest |value| (about 2 float32 ulps of
// it), so 3.x fixtures allow 1e-6 × the row's largest |value|.
// scikit-learn models against the reference TreeSHAP in make_fixtures.py (float64, the same order of operations:
// ≤ 1e-12) and linear models against coef × scaled x (≤ 1e-12). Base value + contributions must also add up to the
// model's margin (probability for forests): XGBoost within float32 rounding of the sums (≤ 2e-5 relative), the rest
// within 1e-12. Pipeline cases (ct_*, xgb_ct_*) re-encode rows behind a ColumnTransformer and sum the encoded columns'
// contributions per source column, against the same computed in the script from first principles (0 difference),
// loaded with the model.yaml explain settings the case gives. XGBoost's pred_interactions: bit for bit for 1.7.4 and
// 3.0.0, and for 3.3 within 1e-6 of the case's largest |value| (measured ≤ 1.4e-7).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rowsToFeeds } from '../src/codecs/rows.js';
import { isExplainer } from '../src/explain/index.js';
import { featureNamesOf } from '../src/explain/present.js';
import { importArtifacts } from '../src/import/artifact.js';
import type { ExplainConfig } from '../src/repository/manifest.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { deriveSignature } from '../src/signature/signature.js';
import { FIXTURES } from './helpers/fixtures.js';

interface Expected {
  X: unknown[];
  contributions?: (number | null)[][][];
  margin?: number[][];
  not_explainable?: boolean;
  /** XGBoost's pred_interactions: [N][outputs][features + 1][features + 1]. */
  interactions?: number[][][][];
  /** model.yaml's explain settings to load the case with. */
  explain?: ExplainConfig;
}

const root = join(FIXTURES, 'explain');
const versions = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();

describe('explain parity', () => {
  it('has fixtures from the host and sid versions', () => {
    for (const v of ['1.2.1', '1.7.4', '1.9.0', '3.3.0']) assert.ok(versions.includes(v), `missing ${v}`);
    assert.ok(versions.length >= 4, `only ${versions.join(', ')}`);
  });
  for (const version of versions) {
    const dir = join(root, version);
    const files = readdirSync(dir);
    for (const file of files.filter((f) => f.endsWith('.expected.json'))) {
      const name = file.slice(0, -'.expected.json'.length);
      const expected = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Expected;
      const xgboost = name.startsWith('xgb');
      const [major, minor] = version.split('.').map(Number);
      const quadrature = xgboost && (major > 3 || (major === 3 && minor >= 3));
      for (const artifact of files.filter((f) => f.startsWith(`${name}.`) && f !== file)) {
        it(`${version}/${artifact}`, async (t) => {
          const path = join(dir, artifact);
          const imported = await importArtifacts([{ name: artifact, bytes: readFileSync(path) }], DEFAULT_TUNING, { explain: expected.explain });
          try {
            if (expected.not_explainable) {
              assert.ok(imported.explainer && 'reason' in imported.explainer, 'refused');
              t.diagnostic(`refused: ${imported.explainer.reason}`);
              return;
            }
            const explainer = imported.explainer;
            assert.ok(isExplainer(explainer), explainer && 'reason' in explainer ? explainer.reason : 'no explainer');
            const signature = deriveSignature(imported.runner.inputs, imported.runner.outputs, {}, imported.hints);
            const feeds = rowsToFeeds(signature, name, expected.X, { where: 'rows', single: false, textual: false });
            const rows = expected.X.length;
            const record = expected.X[0] as unknown;
            if (name.startsWith('ct_') && typeof record === 'object' && record !== null && !Array.isArray(record)) {
              // One contribution per source column (one-hot columns summed back), named as the client names them.
              assert.equal(explainer.grouped, true, 'grouped');
              const names = featureNamesOf(signature, explainer);
              assert.deepEqual(names, Object.keys(record).filter((k) => names.includes(k)), 'source columns in order');
              assert.ok(names.length >= 4, `features: ${names.join(', ')}`);
            }
            const got = explainer.explain(feeds, rows);
            const want = expected.contributions ?? [];
            const stride = explainer.width + 1;
            const outputs = want[0].length;
            assert.equal(got.length, rows * outputs * stride, 'shape');
            let contribError = 0;
            let sumError = 0;
            for (let r = 0; r < rows; r++) {
              for (let k = 0; k < outputs; k++) {
                let sum = 0;
                const scale = quadrature ? Math.max(...want[r][k].map((v) => Math.abs(v as number))) : 1;
                for (let c = 0; c < stride; c++) {
                  const v = got[(r * outputs + k) * stride + c];
                  contribError = Math.max(contribError, Math.abs(v - (want[r][k][c] as number)) / scale);
                  sum += v;
                }
                const margin = (expected.margin ?? [])[r][k];
                sumError = Math.max(sumError, Math.abs(sum - margin) / (xgboost ? Math.max(1, Math.abs(margin)) : 1));
              }
            }
            t.diagnostic(`contributions: max ${quadrature ? 'relative' : 'abs'} error ${contribError}; base + contributions vs margin: ${sumError}`);
            assert.ok(contribError <= (quadrature ? 1e-6 : xgboost ? 0 : 1e-12), `contributions differ by ${contribError}`);
            assert.ok(sumError <= (xgboost ? 2e-5 : 1e-12), `contributions do not add up to the margin (${sumError})`);
            if (expected.interactions) {
              assert.ok(explainer.interactions, 'interaction values');
              const values = explainer.interactions(feeds, rows);
              const flat = expected.interactions.flat(3);
              assert.equal(values.length, flat.length, 'interaction shape');
              // For XGBoost ≥ 3.3 (QuadratureSHAP), relative to the case's largest |value|.
              const scale = quadrature ? Math.max(...flat.map(Math.abs)) : 1;
              const error = Math.max(...flat.map((v, i) => Math.abs(values[i] - v) / scale));
              t.diagnostic(`interactions: max ${quadrature ? 'relative' : 'abs'} error ${error}`);
              assert.ok(error <= (quadrature ? 1e-6 : 0), `interaction values differ by ${error}`);
            }
          } finally {
            await imported.runner.dispose();
          }
        });
      }
    }
  }
});
