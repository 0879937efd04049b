// XGBoost's JSON and UBJSON model documents (save_model, and the buffer inside pickles since 1.6).
import { decode as decodeUbjson } from '@shelacek/ubjson';
import { parseFloat32, quoteNumbers } from './float32.js';
import { baseMarginOf, parseBaseScore, type XgbModel, type XgbTree } from './model.js';

type Doc = Record<string, unknown>;

function obj(v: unknown, what: string): Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`XGBoost model: ${what} is missing`);
  return v as Doc;
}

/** JSON documents keep numbers as their decimal text (see parseJsonDocument); UBJSON gives typed arrays. */
function numbers(v: unknown, what: string, parse: (s: string) => number = Number): ArrayLike<number> {
  if (ArrayBuffer.isView(v)) return v as unknown as ArrayLike<number>;
  if (Array.isArray(v)) {
    return v.map((x) => {
      const n = typeof x === 'string' ? parse(x) : typeof x === 'number' ? x : NaN;
      if (Number.isNaN(n) && x !== 'NaN') throw new Error(`XGBoost model: ${what} holds a non-number`);
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

function tree(t: Doc, i: number): XgbTree {
  const at = `trees[${i}]`;
  const splitType = t.split_type as ArrayLike<number> | undefined;
  if (splitType && Array.from(splitType).some((v) => Number(v) !== 0)) throw new Error('XGBoost model: categorical splits are not supported');
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
  return out;
}

/** Reads {"learner": ...} (a saved model) or {"Config", "Model": {"learner": ...}} (a pickled booster). */
export function modelFromDocument(doc: Doc): XgbModel {
  const learner = obj(obj(doc.Model ?? doc, 'model').learner, 'learner');
  const params = obj(learner.learner_model_param, 'learner_model_param');
  const objective = String(obj(learner.objective, 'objective').name);
  const booster = obj(learner.gradient_booster, 'gradient_booster');
  const name = String(booster.name);
  if (name !== 'gbtree' && name !== 'dart') throw new Error(`XGBoost booster '${name}' is not supported (gbtree and dart are)`);
  const model = obj(name === 'dart' ? obj(booster.gbtree, 'gbtree').model : booster.model, 'model');
  const trees = (model.trees as unknown[] | undefined)?.map((t, i) => tree(obj(t, `trees[${i}]`), i));
  if (!trees) throw new Error('XGBoost model: trees are missing');
  const treeInfo = Array.from(numbers(model.tree_info, 'tree_info'));
  if (treeInfo.length !== trees.length) throw new Error('XGBoost model: tree_info does not match the trees');
  const numClass = Math.max(1, int(params.num_class ?? 0, 'num_class'));
  const scores = parseBaseScore(params.base_score);
  const attributes = (learner.attributes ?? {}) as Doc;
  const best = attributes.best_iteration;
  const names = Array.isArray(learner.feature_names) && learner.feature_names.length ? learner.feature_names.map(String) : undefined;
  return {
    objective,
    baseMargin: Array.from({ length: numClass }, (_, k) => baseMarginOf(objective, scores[k] ?? scores[0])),
    numClass,
    numFeature: int(params.num_feature, 'num_feature'),
    numParallelTree: int(obj(model.gbtree_model_param, 'gbtree_model_param').num_parallel_tree ?? 1, 'num_parallel_tree') || 1,
    trees,
    treeInfo,
    ...(names ? { featureNames: names } : {}),
    ...(best !== undefined ? { bestIteration: int(best, 'best_iteration') } : {}),
    ...(attributes.scikit_learn !== undefined ? { savedByWrapper: true } : {}),
    ...(name === 'dart' ? { treeWeights: Array.from(floats(booster.weight_drop, 'weight_drop')) } : {}),
  };
}
