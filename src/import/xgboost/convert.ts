// An XGBoost model → a TreeEnsemble in float32 that emits the margin (split `x < condition`, NaN following
// each node's default direction, base margin folded into each class's first tree so the sum runs in
// XGBoost's order); the objective's transform (objectives.ts) runs after it.
import { ML_DOMAIN, type GraphBuilder } from '../../onnx/builder.js';
import { ConversionError } from '../sklearn/attrs.js';
import type { ColumnFacts, Features, StepResult } from '../sklearn/converter.js';
import { columnOf } from '../sklearn/table.js';
import { treeEnsemble, type TargetTree, type TreeLayout } from '../trees/ensemble.js';
import { outputGroups, type XgbModel, type XgbTree } from './model.js';
import { transformFor } from './objectives.js';

const f32 = Math.fround;

export interface XgbStepOptions {
  /** Class labels (the scikit-learn wrapper's classes_); 0..k-1 otherwise. */
  classes?: (string | number)[];
  /** Boosting rounds to use (best_iteration + 1, or best_ntree_limit); all when absent. */
  rounds?: number;
}

/** Features some tree splits on by category. */
function categoricalFeatures(model: XgbModel): Set<number> {
  const columns = new Set<number>();
  for (const tree of model.trees) for (const node of tree.categories?.keys() ?? []) columns.add(tree.splitIndex[node]);
  return columns;
}

/** How a client sends a category to a model that stores no category names (XGBoost < 3.1). */
const CATEGORY_CODE = "a category code: the category's 0-based position in the training data's categories "
  + '(pandas .cat.codes); this model stores no category names';

/** XGBoost truncates a category value to an integer code: Floor the categorical columns (negatives stay negative). */
function categoricalInput(g: GraphBuilder, x: string, model: XgbModel): string {
  const columns = categoricalFeatures(model);
  if (columns.size === 0) return x;
  const mask = g.constant('categorical', { type: 'bool', dims: [1, model.numFeature], values: Array.from({ length: model.numFeature }, (_, f) => columns.has(f)) });
  return g.op('Where', [mask, g.op('Floor', [x]), x]);
}

function layoutOf(tree: XgbTree): TreeLayout {
  const layout: TreeLayout = { left: tree.left, right: tree.right, feature: tree.splitIndex, threshold: tree.splitCondition, missingLeft: tree.defaultLeft };
  const sets = tree.categories;
  // XGBoost sends a code in the node's set right, and every other value left: codes it never saw, negative codes,
  // codes beyond the set's bit field (measured with 1.7.4, 3.0.0 and 3.3.0); NaN where the node says.
  if (sets) layout.categories = (node) => {
    const set = sets.get(node);
    return set ? { values: set, inSetGoesLeft: false } : null;
  };
  return layout;
}

/** Category names of feature j (XGBoost ≥ 3.1 stores them), which requests then send instead of codes. */
function categoryNames(model: XgbModel, j: number): { strings: string[] } | { numbers: number[] } | null {
  const names = model.categoryNames?.[j];
  if (!names || names.length === 0) return null;
  if (names.every((n) => typeof n === 'string')) return { strings: names as string[] };
  if (names.every((n) => typeof n === 'number')) return { numbers: names as number[] };
  return null;
}

/**
 * What each input column takes: categorical features whose names the model stores take those names (an unknown
 * one is refused, as XGBoost refuses it in a DataFrame); every other column takes numbers, categorical ones codes.
 */
export function xgboostColumnFacts(model: XgbModel): ColumnFacts[] {
  const categorical = categoricalFeatures(model);
  return Array.from({ length: model.numFeature }, (_, j): ColumnFacts => {
    const names = categoryNames(model, j);
    if (!names) return categorical.has(j) ? { missing: true, description: CATEGORY_CODE } : { missing: true };
    const categories = 'strings' in names ? names.strings : names.numbers;
    return { kind: 'strings' in names ? 'string' : 'number', categories, closed: true, missing: true };
  });
}

/** A [N, 1] column of category names → their codes as float32 (a missing name → NaN). */
function codesOf(g: GraphBuilder, column: string, names: { strings: string[] } | { numbers: number[] }): string {
  const [key, keys] = 'strings' in names ? ['keys_strings', { strings: names.strings }] : ['keys_floats', { floats: names.numbers }];
  const count = 'strings' in names ? names.strings.length : names.numbers.length;
  g.opset(ML_DOMAIN, 2);
  return g.op('LabelEncoder', [column], {
    [key]: keys, values_floats: { floats: Array.from({ length: count }, (_, code) => code) }, default_float: { float: NaN },
  }, ML_DOMAIN);
}

/** The float32 [N, features] matrix the trees read, with category names replaced by their codes. */
function floatMatrix(g: GraphBuilder, input: Features, model: XgbModel): string {
  const named = Array.from({ length: model.numFeature }, (_, j) => categoryNames(model, j));
  const matrix = input.type === 'float64' ? g.op('Cast', [input.name], { to: { int: 1 } }) : input.name;
  if (input.type !== 'string' && !named.some((n) => n && 'numbers' in n)) return matrix;
  const columns = named.map((names, j) => {
    const column = input.type === 'string'
      ? columnOf(g, input, j)
      : { name: g.op('Gather', [matrix, g.constant('column', { type: 'int64', dims: [1], values: [j] })], { axis: { int: 1 } }), type: 'float32' };
    if (column.type === 'string' && !(names && 'strings' in names)) {
      throw new ConversionError(`XGBoost model: column '${column.name}' holds strings, but feature ${j} has no category names (send its category codes as numbers)`);
    }
    const values = column.type === 'float64' ? g.op('Cast', [column.name], { to: { int: 1 } }) : column.name;
    return names ? codesOf(g, values, names) : values;
  });
  return g.op('Concat', columns, { axis: { int: 1 } });
}

/** The graph step for a model: the ensemble over float32 input, emitting the margin [N, classes or targets]. */
export function xgboostStep(model: XgbModel, options: XgbStepOptions, input: Features, g: GraphBuilder): StepResult {
  const k = outputGroups(model);
  if (input.width !== model.numFeature) throw new ConversionError(`the XGBoost model takes ${model.numFeature} features, the input has ${input.width}`);
  // A round adds one tree per class or target, or one tree of vector leaves for them all.
  const perRound = model.numParallelTree * (model.leafSize > 1 ? 1 : k);
  const limit = options.rounds === undefined ? model.trees.length : Math.min(model.trees.length, options.rounds * perRound);
  const entries: TargetTree[] = [];
  const seen = new Set<number>();
  const add = (layout: TreeLayout, target: number, leaf: (node: number) => number, weight: number) => {
    const first = !seen.has(target);
    seen.add(target);
    const base = model.baseMargin[target] ?? 0;
    entries.push({
      tree: layout,
      target,
      leafWeight: (node) => {
        const value = weight === 1 ? leaf(node) : f32(leaf(node) * weight);
        return first ? f32(base + value) : value;
      },
    });
  };
  for (let t = 0; t < limit; t++) {
    const tree = model.trees[t];
    const layout = layoutOf(tree);
    const weight = model.treeWeights?.[t] ?? 1;
    const vectors = tree.leafVectors;
    if (vectors) {
      for (let j = 0; j < k; j++) add(layout, j, (node) => vectors[node * k + j], weight);
    } else {
      add(layout, model.treeInfo[t], (node) => tree.splitCondition[node], weight);
    }
  }
  // An output with no trees still has its base margin: a one-leaf tree carries it.
  for (let c = 0; c < k; c++) {
    if (!seen.has(c)) entries.push({ tree: { left: [-1], right: [-1], feature: [0], threshold: [0] }, target: c, leafWeight: () => model.baseMargin[c] ?? 0 });
  }
  const margin = treeEnsemble(g, categoricalInput(g, floatMatrix(g, input, model), model), entries, { nTargets: k, nFeatures: model.numFeature, mode: 'LT', type: 'float32' });
  return { kind: 'margin', margin, targets: k, transform: transformFor(model.objective, k, options.classes) };
}
