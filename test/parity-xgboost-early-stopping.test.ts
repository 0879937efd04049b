// Early stopping across XGBoost 1.7.4, 3.0.0 and 3.3.0: a wrapper's pickle, its save_model file and a raw Booster
// each predict as their owner's program does (best_iteration + 1 rounds for wrappers, every tree for Boosters).
// Written by test/fixtures/xgboost-early-stopping/make_fixtures.py; margins and probabilities bit-identical.
// Serving every tree instead fails every wrapper case from 3.x and every save_model case.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { FIXTURES } from './helpers/fixtures.js';
import { parityFixtures } from './helpers/parity.js';

parityFixtures('xgboost-early-stopping', { tolerance: () => 0, minimumCases: 7 });

it('every early-stopping fixture stopped before its last round', () => {
  const root = join(FIXTURES, 'xgboost-early-stopping');
  for (const version of readdirSync(root).filter((d) => /^\d/.test(d))) {
    for (const file of readdirSync(join(root, version)).filter((f) => f.endsWith('.expected.json'))) {
      const { best_iteration: best, rounds } = JSON.parse(readFileSync(join(root, version, file), 'utf8'));
      assert.ok(best + 1 < rounds, `${version}/${file}: best_iteration ${best} of ${rounds} rounds`);
    }
  }
});
