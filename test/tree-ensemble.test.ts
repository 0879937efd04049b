// The TreeEnsemble builder's categorical (set-membership) splits, checked on hand-made trees where every
// route is known: members, non-members, NaN, and the branch swap for sets whose members go right.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphBuilder } from '../src/onnx/builder.js';
import { treeEnsemble, type TreeLayout } from '../src/import/trees/ensemble.js';
import { OnnxRunner } from '../src/runtime/onnx-runner.js';
import { makeTensor } from '../src/tensor.js';

/** Root tests feature 0 by category; its left child is a leaf worth 10, its right child a numeric split on feature 1. */
function tree(inSetGoesLeft: boolean, missingLeft: number): TreeLayout {
  return {
    left: [1, -1, 3, -1, -1],
    right: [2, -1, 4, -1, -1],
    feature: [0, 0, 1, 0, 0],
    threshold: [999, 0, 0.5, 0, 0],
    missingLeft: [missingLeft, 0, 0, 0, 0],
    categories: (node) => (node === 0 ? { values: [1, 3, 7], inSetGoesLeft } : null),
  };
}

const LEAVES: Record<number, number> = { 1: 10, 3: 20, 4: 30 };

async function predict(layout: TreeLayout, type: 'float32' | 'float64', rows: number[][]): Promise<number[]> {
  const g = new GraphBuilder('t');
  g.input('x', type, ['N', 2]);
  const out = treeEnsemble(g, 'x', [{ tree: layout, target: 0, leafWeight: (n) => LEAVES[n] }],
    { nTargets: 1, nFeatures: 2, mode: 'LEQ', type });
  g.op('Identity', [out], {}, '', 'y');
  g.output('y', type, ['N', 1]);
  const runner = await OnnxRunner.create(g.build());
  try {
    const data = type === 'float32' ? Float32Array.from(rows.flat()) : Float64Array.from(rows.flat());
    const result = await runner.run({ x: makeTensor(type, data, [rows.length, 2]) });
    return Array.from(result.y.data as Float32Array);
  } finally {
    await runner.dispose();
  }
}

const ROWS = [[1, 0], [3, 1], [7, 0], [2, 0], [2, 1], [0, 1], [-1, 0], [1.5, 1], [NaN, 0], [NaN, 1]];

describe('TreeEnsemble categorical splits', () => {
  for (const type of ['float32', 'float64'] as const) {
    it(`${type}: members go left, others right, NaN as missingLeft says`, async () => {
      assert.deepEqual(await predict(tree(true, 1), type, ROWS), [10, 10, 10, 20, 30, 30, 20, 30, 10, 10]);
      assert.deepEqual(await predict(tree(true, 0), type, ROWS), [10, 10, 10, 20, 30, 30, 20, 30, 20, 30]);
    });

    it(`${type}: members go right when the set says so`, async () => {
      assert.deepEqual(await predict(tree(false, 1), type, ROWS), [20, 30, 20, 10, 10, 10, 10, 10, 10, 10]);
      assert.deepEqual(await predict(tree(false, 0), type, ROWS), [20, 30, 20, 10, 10, 10, 10, 10, 20, 30]);
    });
  }

  it('refuses an empty set', () => {
    const g = new GraphBuilder('t');
    g.input('x', 'float64', ['N', 2]);
    const layout = { ...tree(true, 0), categories: (n: number) => (n === 0 ? { values: [], inSetGoesLeft: true } : null) };
    assert.throws(() => treeEnsemble(g, 'x', [{ tree: layout, target: 0, leafWeight: () => 0 }],
      { nTargets: 1, nFeatures: 2, mode: 'LEQ', type: 'float64' }), /empty or invalid category set/);
  });
});
