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
  /**
   * Categorical splits: for such a node, the category values tested and where they go. A value in `values` goes
   * left when `inSetGoesLeft` (scikit-learn's bitsets), right otherwise (XGBoost's sets); every other non-missing
   * value goes the other way; NaN follows `missingLeft`. `threshold` is ignored there. Null for numeric nodes.
   */
  categories?: (node: number) => CategorySplit | null;
}

export interface CategorySplit {
  values: readonly number[];
  inSetGoesLeft: boolean;
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
const BRANCH_MEMBER = 6;

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
  const modes: number[] = [];
  /** The sets of BRANCH_MEMBER nodes in node order, each closed by a NaN. */
  const members: number[] = [];

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
      splits.push(0); featureIds.push(0); missingTrue.push(0); modes.push(MODE[options.mode]);
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
    // ONNX's true branch is the left child, except for a set whose members go right: there the branches swap.
    const swapped = new Set<number>();
    for (const node of order) {
      const f = tree.feature[node];
      if (!Number.isInteger(f) || f < 0 || f >= options.nFeatures) {
        throw new Error(`tree node ${node} tests feature ${f}, outside the ${options.nFeatures} input columns`);
      }
      const missingLeft = tree.missingLeft ? tree.missingLeft[node] : 0;
      const split = tree.categories?.(node) ?? null;
      if (split) {
        if (split.values.length === 0 || split.values.some((v) => !Number.isFinite(v))) {
          throw new Error(`tree node ${node} has an empty or invalid category set`);
        }
        members.push(...split.values, NaN);
        modes.push(BRANCH_MEMBER);
        splits.push(0);
        if (!split.inSetGoesLeft) swapped.add(node);
        missingTrue.push(split.inSetGoesLeft ? missingLeft : 1 - missingLeft);
      } else {
        modes.push(MODE[options.mode]);
        splits.push(tree.threshold[node]);
        missingTrue.push(missingLeft);
      }
      featureIds.push(f);
      trueIds.push(0); trueLeafs.push(0); falseIds.push(0); falseLeafs.push(0);
    }
    order.forEach((node, i) => {
      const at = base + i;
      const [onTrue, onFalse] = swapped.has(node) ? [tree.right[node], tree.left[node]] : [tree.left[node], tree.right[node]];
      for (const [child, ids, leafs] of [[onTrue, trueIds, trueLeafs], [onFalse, falseIds, falseLeafs]] as const) {
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
    nodes_modes: { tensor: tensorProto('modes', { type: 'uint8', dims: [count], values: modes }) },
    nodes_truenodeids: { ints: trueIds },
    nodes_trueleafs: { ints: trueLeafs },
    nodes_falsenodeids: { ints: falseIds },
    nodes_falseleafs: { ints: falseLeafs },
    nodes_missing_value_tracks_true: { ints: missingTrue },
    leaf_targetids: { ints: leafTargets },
    leaf_weights: { tensor: tensorProto('weights', { type: options.type, dims: [leafWeights.length], values: leafWeights }) },
    tree_roots: { ints: roots },
    ...(members.length ? { membership_values: { tensor: tensorProto('members', { type: options.type, dims: [members.length], values: members }) } } : {}),
    post_transform: { int: 0 },
  }, ML_DOMAIN);
}
