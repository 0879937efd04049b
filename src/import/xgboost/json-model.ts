// XGBoost's JSON and UBJSON model documents (save_model, and the buffer inside pickles since 1.3). Layouts moved
// over the versions: 1.0–1.5 write default_left as booleans and a scalar base_score string ("0.500000" before
// 1.2), 1.0–1.2 have no split_type or categories, 1.6 made the arrays typed, 2.0 added vector leaves and per-target
// base scores ("[a,b]"), 3.1 category names ("cats"). Every field is read by name, so each of these loads.
import { decode as decodeUbjson } from '@shelacek/ubjson';
import { ConversionError } from '../sklearn/attrs.js';
import { parseFloat32, quoteNumbers } from './float32.js';
import { baseMarginOf, parseBaseScore, type XgbModel, type XgbTree } from './model.js';

type Doc = Record<string, unknown>;

function obj(v: unknown, what: string): Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`XGBoost model: ${what} is missing`);
  return v as Doc;
}

/** JSON documents keep numbers as their decimal text (see parseJsonDocument); UBJSON gives typed arrays. */
function numbers(v: unknown, what: string, parse: (s: string) => number = Number): ArrayLike<number> {
  // int64 arrays (split_indices of very wide models, category lists) arrive as BigInt64Array.
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Array.from(v, Number);
  if (ArrayBuffer.isView(v)) return v as unknown as ArrayLike<number>;
  if (Array.isArray(v)) {
    return v.map((x) => {
      // XGBoost 1.0–1.5 write default_left as booleans.
      if (typeof x === 'boolean') return x ? 1 : 0;
      const n = typeof x === 'string' ? parse(x) : typeof x === 'number' ? x : NaN;
      if (Number.isNaN(n) && !(typeof x === 'string' && /nan/i.test(x))) throw new Error(`XGBoost model: ${what} holds a non-number`);
      return n;
    });
  }
  throw new Error(`XGBoost model: ${what} is missing`);
}

const floats = (v: unknown, what: string) => numbers(v, what, parseFloat32);

function int(v: unknown, what: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`XGBoost model: invalid ${what}`);
  return n;
}

/** Parses with every number kept as text: float32 values must be rounded from their decimal, not via a double. */
export function parseJsonDocument(text: string): Doc {
  try {
    return JSON.parse(quoteNumbers(text)) as Doc;
  } catch (err) {
    throw new Error(`not a valid XGBoost JSON model: ${(err as Error).message}`);
  }
}

export function parseUbjsonDocument(bytes: Uint8Array): Doc {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  try {
    return decodeUbjson(buffer as ArrayBuffer, {
      useTypedArrays: true,
      int64Handling: ({ view }: { view: DataView }, at: number) => Number(view.getBigInt64(at)),
    }) as Doc;
  } catch (err) {
    throw new Error(`not a valid XGBoost UBJSON model: ${(err as Error).message}`);
  }
}

/** The category set of each categorical node: categories[segment .. segment + size) for categories_nodes[i]. */
function categorySets(t: Doc, at: string, nodes: number): Map<number, number[]> | undefined {
  const splitType = t.split_type === undefined ? [] : numbers(t.split_type, `${at}.split_type`);
  const categorical = Array.from(splitType, (v, node) => (v !== 0 ? node : -1)).filter((node) => node >= 0);
  if (categorical.length === 0) return undefined;
  const ids = numbers(t.categories_nodes, `${at}.categories_nodes`);
  const segments = numbers(t.categories_segments, `${at}.categories_segments`);
  const sizes = numbers(t.categories_sizes, `${at}.categories_sizes`);
  const values = numbers(t.categories, `${at}.categories`);
  if (segments.length !== ids.length || sizes.length !== ids.length) throw new Error(`XGBoost model: ${at} has category arrays of different lengths`);
  const sets = new Map<number, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const [node, start, size] = [ids[i], segments[i], sizes[i]];
    if (node < 0 || node >= nodes || start < 0 || size < 0 || start + size > values.length) {
      throw new Error(`XGBoost model: ${at} has an invalid category set for node ${node}`);
    }
    sets.set(node, Array.from({ length: size }, (_, j) => values[start + j]));
  }
  for (const node of categorical) {
    if (!sets.has(node)) throw new Error(`XGBoost model: ${at} node ${node} is categorical but has no category set`);
  }
  return sets;
}

/**
 * Leaf vectors of a multi_output_tree tree: XGBoost ≥ 3.1 keeps them in leaf_weights, indexed by the leaf's
 * right_children entry; 2.x–3.0 in base_weights at node × size.
 */
function leafVectors(t: Doc, out: XgbTree, at: string, size: number): Float32Array {
  const n = out.left.length;
  const vectors = new Float32Array(n * size);
  const leafWeights = t.leaf_weights === undefined ? null : floats(t.leaf_weights, `${at}.leaf_weights`);
  const baseWeights = leafWeights ? null : floats(t.base_weights, `${at}.base_weights`);
  for (let node = 0; node < n; node++) {
    if (out.left[node] >= 0) continue;
    const [source, from] = leafWeights ? [leafWeights, out.right[node] * size] : [baseWeights as ArrayLike<number>, node * size];
    if (from < 0 || from + size > source.length) throw new Error(`XGBoost model: ${at} leaf ${node} has no leaf vector`);
    for (let j = 0; j < size; j++) vectors[node * size + j] = source[from + j];
  }
  return vectors;
}

function tree(t: Doc, i: number, leafSize: number): XgbTree {
  const at = `trees[${i}]`;
  const out: XgbTree = {
    left: numbers(t.left_children, `${at}.left_children`),
    right: numbers(t.right_children, `${at}.right_children`),
    splitIndex: numbers(t.split_indices, `${at}.split_indices`),
    splitCondition: floats(t.split_conditions, `${at}.split_conditions`),
    defaultLeft: numbers(t.default_left, `${at}.default_left`),
  };
  const n = out.left.length;
  if ([out.right, out.splitIndex, out.splitCondition, out.defaultLeft].some((a) => a.length !== n)) {
    throw new Error(`XGBoost model: ${at} has arrays of different lengths`);
  }
  const categories = categorySets(t, at, n);
  if (categories) out.categories = categories;
  if (leafSize > 1) out.leafVectors = leafVectors(t, out, at, leafSize);
  if (t.sum_hessian !== undefined) out.cover = floats(t.sum_hessian, `${at}.sum_hessian`);
  return out;
}

/**
 * Category names per feature from XGBoost ≥ 3.1's `cats`: `enc[f]` holds a feature's categories, strings as
 * UTF-8 bytes in `values` cut at `offsets`, numbers as `values` alone; an empty entry is a numeric feature.
 */
function categoryNamesOf(cats: unknown): ((string | number)[] | null)[] | undefined {
  if (typeof cats !== 'object' || cats === null) return undefined;
  const enc = (cats as Doc).enc;
  if (!Array.isArray(enc)) return undefined;
  return enc.map((entry, f) => {
    const e = obj(entry, `cats.enc[${f}]`);
    const values = e.values === undefined ? [] : numbers(e.values, `cats.enc[${f}].values`);
    const offsets = e.offsets === undefined ? [] : numbers(e.offsets, `cats.enc[${f}].offsets`);
    if (offsets.length > 1) {
      const bytes = Uint8Array.from(values);
      return Array.from({ length: offsets.length - 1 }, (_, c) => Buffer.from(bytes.subarray(offsets[c], offsets[c + 1])).toString('utf8'));
    }
    return values.length ? Array.from(values) : null;
  });
}

/** Reads {"learner": ...} (a saved model) or {"Config", "Model": {"learner": ...}} (a pickled booster). */
export function modelFromDocument(doc: Doc): XgbModel {
  const learner = obj(obj(doc.Model ?? doc, 'model').learner, 'learner');
  const params = obj(learner.learner_model_param, 'learner_model_param');
  const objective = String(obj(learner.objective, 'objective').name);
  const booster = obj(learner.gradient_booster, 'gradient_booster');
  const name = String(booster.name);
  if (name !== 'gbtree' && name !== 'dart') throw new ConversionError(`XGBoost booster '${name}' is not supported (gbtree, dart and gblinear are)`);
  const model = obj(name === 'dart' ? obj(booster.gbtree, 'gbtree').model : booster.model, 'model');
  const treeDocs = model.trees as unknown[] | undefined;
  if (!Array.isArray(treeDocs)) throw new Error('XGBoost model: trees are missing');
  const numClass = Math.max(1, int(params.num_class ?? 0, 'num_class'));
  const numTarget = Math.max(1, int(params.num_target ?? 1, 'num_target'));
  const leafSizeOf = (t: Doc) => int(obj(t.tree_param, 'tree_param').size_leaf_vector ?? 0, 'size_leaf_vector');
  const leafSize = treeDocs.reduce<number>((size, t, i) => Math.max(size, leafSizeOf(obj(t, `trees[${i}]`))), 1);
  const groups = Math.max(numClass, numTarget);
  if (leafSize > 1 && leafSize !== groups) throw new Error(`XGBoost model: leaf vectors of ${leafSize} values for ${groups} outputs`);
  const trees = treeDocs.map((t, i) => tree(obj(t, `trees[${i}]`), i, leafSize));
  const treeInfo = Array.from(numbers(model.tree_info, 'tree_info'));
  if (treeInfo.length !== trees.length) throw new Error('XGBoost model: tree_info does not match the trees');
  const scores = parseBaseScore(params.base_score);
  const attributes = (learner.attributes ?? {}) as Doc;
  const best = attributes.best_iteration;
  const names = Array.isArray(learner.feature_names) && learner.feature_names.length ? learner.feature_names.map(String) : undefined;
  const categoryNames = categoryNamesOf(model.cats);
  // Before 1.6 num_parallel_tree was a training parameter, kept only in a pickle's Config.
  const config = (doc.Config ?? {}) as Doc;
  const trainParallel = ((((config.learner ?? {}) as Doc).gradient_booster ?? {}) as Doc).gbtree_train_param as Doc | undefined;
  const parallel = obj(model.gbtree_model_param, 'gbtree_model_param').num_parallel_tree ?? trainParallel?.num_parallel_tree ?? 1;
  return {
    objective,
    baseMargin: Array.from({ length: groups }, (_, k) => baseMarginOf(objective, scores[k] ?? scores[0])),
    numClass,
    numTarget,
    numFeature: int(params.num_feature, 'num_feature'),
    numParallelTree: int(parallel, 'num_parallel_tree') || 1,
    trees,
    treeInfo,
    leafSize,
    ...(names ? { featureNames: names } : {}),
    ...(categoryNames ? { categoryNames } : {}),
    ...(best !== undefined ? { bestIteration: int(best, 'best_iteration') } : {}),
    ...(attributes.scikit_learn !== undefined ? { savedByWrapper: true } : {}),
    // XGBoost ≥ 3.3 writes dropout models as gbtree with the weights beside the model.
    ...(name === 'dart' || booster.weight_drop !== undefined ? { treeWeights: Array.from(floats(booster.weight_drop, 'weight_drop')) } : {}),
  };
}
