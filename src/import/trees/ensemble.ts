// Decision trees → one ai.onnx.ml TreeEnsemble node (opset 5). It computes in the input's own precision
// (double for scikit-learn, float for XGBoost) and SUMs leaf weights per target in tree order, which is
// how both libraries accumulate, so results can match them bit for bit.
import { ML_DOMAIN, type GraphBuilder } from '../../onnx/builder.js';
import { tensorProto } from '../../onnx/builder.js';

/** One tree in sklearn's layout: children are node ids (-1 at leaves), nodes go left when the test is true. */
export interface TreeLayout {
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  feature: ArrayLike<number>;
  threshold: ArrayLike<number>;
  /** 1 where a missing value (NaN) follows the left branch. */
  missingLeft?: ArrayLike<number>;
}

/** A tree contributing to one target, with the weight of each leaf (by node id). */
export interface TargetTree {
  tree: TreeLayout;
  target: number;
  leafWeight: (node: number) => number;
}

export interface EnsembleOptions {
  nTargets: number;
  /** Input columns: every split must test one of them. */
  nFeatures: number;
  /** 'LEQ': x <= threshold goes left (scikit-learn); 'LT': x < threshold goes left (XGBoost). */
  mode: 'LEQ' | 'LT';
  type: 'float32' | 'float64';
}

const MODE = { LEQ: 0, LT: 1 } as const;

export function treeEnsemble(g: GraphBuilder, input: string, trees: readonly TargetTree[], options: EnsembleOptions): string {
  const splits: number[] = [];
  const featureIds: number[] = [];
  const trueIds: number[] = [];
  const trueLeafs: number[] = [];
  const falseIds: number[] = [];
  const falseLeafs: number[] = [];
  const missingTrue: number[] = [];
  const leafTargets: number[] = [];
  const leafWeights: number[] = [];
  const roots: number[] = [];

  for (const { tree, target, leafWeight } of trees) {
    if (!Number.isInteger(target) || target < 0 || target >= options.nTargets) throw new Error(`tree target ${target} is out of range`);
    const leafIndex = (node: number) => {
      leafTargets.push(target);
      leafWeights.push(leafWeight(node));
      return leafWeights.length - 1;
    };
    if (tree.left[0] < 0) {
      // A tree that is one leaf: a split whose branches both reach it.
      const leaf = leafIndex(0);
      roots.push(splits.length);
      splits.push(0); featureIds.push(0); missingTrue.push(0);
      trueIds.push(leaf); trueLeafs.push(1); falseIds.push(leaf); falseLeafs.push(1);
      continue;
    }
    // Depth-first with an explicit stack: deep trees must not overflow the call stack.
    const interior = new Map<number, number>();
    const order: number[] = [];
    const stack = [0];
    const seen = new Set(stack);
    while (stack.length) {
      const node = stack.pop() as number;
      interior.set(node, order.length);
      order.push(node);
      for (const child of [tree.right[node], tree.left[node]]) {
        if (child < 0 || child >= tree.left.length) throw new Error(`tree node ${node} has an invalid child ${child}`);
        if (tree.left[child] >= 0) {
          if (seen.has(child)) throw new Error('tree nodes form a cycle');
          seen.add(child);
          stack.push(child);
        }
      }
    }
    const base = splits.length;
    roots.push(base);
    for (const node of order) {
      const f = tree.feature[node];
      if (!Number.isInteger(f) || f < 0 || f >= options.nFeatures) {
        throw new Error(`tree node ${node} tests feature ${f}, outside the ${options.nFeatures} input columns`);
      }
      splits.push(tree.threshold[node]);
      featureIds.push(tree.feature[node]);
      missingTrue.push(tree.missingLeft ? tree.missingLeft[node] : 0);
      trueIds.push(0); trueLeafs.push(0); falseIds.push(0); falseLeafs.push(0);
    }
    order.forEach((node, i) => {
      const at = base + i;
      for (const [child, ids, leafs] of [[tree.left[node], trueIds, trueLeafs], [tree.right[node], falseIds, falseLeafs]] as const) {
        if (tree.left[child] < 0) {
          ids[at] = leafIndex(child);
          leafs[at] = 1;
        } else {
          ids[at] = base + (interior.get(child) as number);
        }
      }
    });
  }

  const count = splits.length;
  g.opset(ML_DOMAIN, 5);
  return g.op('TreeEnsemble', [input], {
    aggregate_function: { int: 1 },
    n_targets: { int: options.nTargets },
    nodes_featureids: { ints: featureIds },
    nodes_splits: { tensor: tensorProto('splits', { type: options.type, dims: [count], values: splits }) },
    nodes_modes: { tensor: tensorProto('modes', { type: 'uint8', dims: [count], values: new Array(count).fill(MODE[options.mode]) }) },
    nodes_truenodeids: { ints: trueIds },
    nodes_trueleafs: { ints: trueLeafs },
    nodes_falsenodeids: { ints: falseIds },
    nodes_falseleafs: { ints: falseLeafs },
    nodes_missing_value_tracks_true: { ints: missingTrue },
    leaf_targetids: { ints: leafTargets },
    leaf_weights: { tensor: tensorProto('weights', { type: options.type, dims: [leafWeights.length], values: leafWeights }) },
    tree_roots: { ints: roots },
    post_transform: { int: 0 },
  }, ML_DOMAIN);
}
