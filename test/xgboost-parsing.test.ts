// The pieces of XGBoost model reading that parity fixtures exercise only by chance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFloat32, quoteNumbers } from '../src/import/xgboost/float32.js';
import { baseMarginOf, parseBaseScore } from '../src/import/xgboost/model.js';

describe('float32 from decimal text', () => {
  const f32 = Math.fround;
  it('rounds ordinary decimals as Math.fround of the double does', () => {
    for (const text of ['0.1', '-2.45', '1.4705882E0', '13.800001', '3e-45', '-0']) assert.equal(parseFloat32(text), f32(Number(text)));
  });

  it('decides by the decimal when the double lands exactly on a float32 midpoint', () => {
    // 1 + 2^-24 is the midpoint between 1 and the next float32; a decimal a hair above it rounds up,
    // though its nearest double is the midpoint itself and Math.fround would round it down to even.
    const above = '1.0000000596046447753906250000000001';
    assert.equal(Number(above), 1 + 2 ** -24);
    assert.equal(f32(Number(above)), 1);
    assert.equal(parseFloat32(above), 1 + 2 ** -23);
    const below = '1.0000000596046447753906249999999999';
    assert.equal(parseFloat32(below), 1);
    assert.equal(parseFloat32('1.000000059604644775390625'), 1, 'an exact tie goes to even');
  });

  it('keeps every JSON number as text, strings untouched', () => {
    const text = '{"a":[1,-2.5E-1,3e+2],"b":"x1,2","c\\"":true,"d":null}';
    assert.deepEqual(JSON.parse(quoteNumbers(text)), { a: ['1', '-2.5E-1', '3e+2'], b: 'x1,2', 'c"': true, d: null });
  });
});

describe('base score', () => {
  it('reads the scalar and the per-class vector of XGBoost 2', () => {
    assert.deepEqual(parseBaseScore('5E-1'), [0.5]);
    assert.deepEqual(parseBaseScore('[5E-1,2.5E-1]'), [0.5, 0.25]);
    assert.throws(() => parseBaseScore('[x]'), /invalid base_score/);
  });

  it('turns it into a margin as the objective links', () => {
    assert.ok(baseMarginOf('binary:logistic', 0.5) === 0, 'logit(0.5) is (minus) zero');
    assert.equal(baseMarginOf('reg:squarederror', 0.5), 0.5);
    assert.equal(baseMarginOf('count:poisson', 1), 0);
    assert.equal(baseMarginOf('binary:logistic', 0.3), Math.fround(-Math.fround(Math.log(Math.fround(Math.fround(1 / Math.fround(0.3)) - 1)))));
  });
});
