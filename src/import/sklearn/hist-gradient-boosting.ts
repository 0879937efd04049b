// HistGradientBoostingClassifier/Regressor. Each TreePredictor decides `x <= num_threshold` in float64 on the raw
// input (no float32 rounding), NaN follows missing_go_to_left, and categorical nodes test bitsets of category
// codes. The raw prediction is _baseline_prediction plus every predictor's leaf, added iteration by iteration;
// the baseline is folded into each target's first tree so the ensemble's running sum adds in that order.
import { ML_DOMAIN, type GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject } from '../pickle/values.js';
import { treeEnsemble, type CategorySplit, type TargetTree, type TreeLayout } from '../trees/ensemble.js';
import { array, attr, classesOf, ConversionError, featureNames, inputWidth, objectAttr, shortName } from './attrs.js';
import { register, type Column, type ColumnFacts, type Features, type StepResult } from './converter.js';
import { exactExp } from './graph-exp.js';
import { binaryDecision, binaryProbabilities, f64 } from './graph-ops.js';
import { expit, linkName, lossName, softmax } from './loss-links.js';
import { columnOf, isMissing } from './table.js';

/**
 * How the predictors' feature indices and category codes relate to the input columns. Without a preprocessor
 * (scikit-learn < 1.4, or no categorical features) they are the input's; from 1.4 an OrdinalEncoder turns the
 * categorical columns into codes and puts them first.
 */
interface InputMap {
  /** Predictor feature index → input column. */
  column: number[];
  /**
   * Predictor feature index → what its category codes stand for in the input: raw codes (null: numeric features
   * and scikit-learn < 1.4), the encoder's numeric categories, or its string categories (coded in the graph).
   */
  categories: (Float64Array | string[] | null)[];
  /** Predictor feature index → the category codes seen in training (bin_thresholds_); null for numeric features. */
  known: (Float64Array | null)[];
  /** Raw codes are cast to uint8 by the predictor: the graph truncates these input columns first. */
  truncated: boolean[];
}

function listAttr(obj: PyObject, name: string): unknown[] {
  const v = attr(obj, name);
  if (!Array.isArray(v)) throw new ConversionError(`${shortName(obj)}: attribute '${name}' is missing or not a list (is the estimator fitted?)`);
  return v;
}

function boolMask(v: unknown, width: number): boolean[] | null {
  if (!(v instanceof NdArray)) return null;
  const values = Array.from(v.numbers(), (b) => b !== 0);
  return values.length === width ? values : null;
}

/** An encoder's categories for one column, its missing category (the last one, if any) left out. */
function encoderCategories(c: unknown, owner: string, column: string): Float64Array | string[] {
  const items = c instanceof NdArray ? c.items().filter((v) => !isMissing(v)) : null;
  if (items?.every((v) => typeof v === 'number')) return Float64Array.from(items as number[]);
  if (items?.every((v) => typeof v === 'string')) return items as string[];
  throw new ConversionError(`${owner}: the categories of '${column}' are neither all numbers nor all strings`);
}

function inputMap(estimator: PyObject, width: number): InputMap {
  const name = shortName(estimator);
  const binMapper = objectAttr(estimator, '_bin_mapper');
  const binnedCategorical = boolMask(binMapper.get('is_categorical_'), width) ?? new Array<boolean>(width).fill(false);
  const thresholds = listAttr(binMapper, 'bin_thresholds_');
  const known = binnedCategorical.map((cat, f) => {
    if (!cat) return null;
    const t = thresholds[f];
    if (!(t instanceof NdArray)) throw new ConversionError(`${name}: the known categories of feature ${f} are missing`);
    return t.numbers();
  });
  const preprocessor = estimator.get('_preprocessor');
  if (!(preprocessor instanceof PyObject)) {
    return { column: Array.from({ length: width }, (_, f) => f), categories: new Array(width).fill(null), known, truncated: binnedCategorical };
  }
  // scikit-learn ≥ 1.4: ColumnTransformer([('encoder', OrdinalEncoder, categorical), ('numerical', …, rest)]).
  const categorical = boolMask(estimator.get('is_categorical_'), width);
  if (!categorical) throw new ConversionError(`${name}: is_categorical_ is missing though the estimator has a preprocessor`);
  const order = [...categorical.keys()].filter((f) => categorical[f]).concat([...categorical.keys()].filter((f) => !categorical[f]));
  const encoded = listAttr(findEncoder(preprocessor, name), 'categories_');
  const names = featureNames(estimator);
  const categories = order.map((column, f) => (f < encoded.length ? encoderCategories(encoded[f], name, names?.[column] ?? `column ${column}`) : null));
  return { column: order, categories, known, truncated: new Array(width).fill(false) };
}

function findEncoder(preprocessor: PyObject, name: string): PyObject {
  for (const t of listAttr(preprocessor, 'transformers_')) {
    if (Array.isArray(t) && t[0] === 'encoder' && t[1] instanceof PyObject) return t[1];
  }
  throw new ConversionError(`${name}: its preprocessor has no fitted 'encoder' step`);
}

/** The codes whose bits are set in row `row` of a (n, 8) uint32 bitset array. */
function bitsetCodes(bitsets: Float64Array, row: number): number[] {
  const codes: number[] = [];
  for (let word = 0; word < 8; word++) {
    const bits = bitsets[row * 8 + word];
    for (let b = 0; b < 32; b++) if (Math.floor(bits / 2 ** b) % 2 === 1) codes.push(word * 32 + b);
  }
  return codes;
}

/**
 * The predictor's categorical test as a set: codes in the left bitset go left; other known codes go right;
 * unknown codes, negative values and NaN follow missing_go_to_left. Null when nothing goes right.
 */
function categorySplit(left: number[], known: Float64Array, values: Float64Array | null, missingLeft: boolean): CategorySplit | null {
  const valueOf = (code: number) => (values ? values[code] : code);
  if (!missingLeft) return { values: left.map(valueOf), inSetGoesLeft: true };
  const inLeft = new Set(left);
  const right = Array.from(known).filter((code) => !inLeft.has(code)).map(valueOf);
  return right.length ? { values: right, inSetGoesLeft: false } : null;
}

function readPredictor(predictor: unknown, map: InputMap, name: string): { layout: TreeLayout; value: Float64Array } {
  if (!(predictor instanceof PyObject)) throw new ConversionError(`${name}: _predictors holds something that is not a TreePredictor`);
  const nodes = array(predictor, 'nodes');
  if (!nodes.dtype.fields) throw new ConversionError(`${name}: a predictor's nodes are not node records`);
  const field = (f: string) => nodes.field(f).numbers();
  const isLeaf = field('is_leaf');
  const feature = field('feature_idx');
  const threshold = field('num_threshold');
  const missingLeft = field('missing_go_to_left');
  const isCategorical = field('is_categorical');
  const bitsetIdx = field('bitset_idx');
  const leftCats = array(predictor, 'raw_left_cat_bitsets').numbers();
  const [left, right] = [field('left'), field('right')].map((children) => children.map((c, i) => (isLeaf[i] ? -1 : c)));
  const splits = new Map<number, CategorySplit>();
  isCategorical.forEach((categorical, node) => {
    if (!categorical || isLeaf[node]) return;
    const f = feature[node];
    const known = map.known[f];
    if (!known) throw new ConversionError(`${name}: a categorical split tests feature ${f}, which has no known categories`);
    // String categories are coded in the graph (see numericInput), so their splits test the codes themselves.
    const categories = map.categories[f];
    const split = categorySplit(bitsetCodes(leftCats, bitsetIdx[node]), known, categories instanceof Float64Array ? categories : null, missingLeft[node] === 1);
    if (split) splits.set(node, split);
    // Every value goes left: a numeric test that always holds, with NaN sent left too.
    else threshold[node] = Infinity;
  });
  const layout: TreeLayout = {
    left,
    right,
    feature: feature.map((f) => map.column[f] ?? -1),
    threshold,
    missingLeft,
    categories: (node) => splits.get(node) ?? null,
  };
  return { layout, value: field('value') };
}

/** The input with the categorical columns truncated toward zero, as the predictor's uint8 cast of raw codes does. */
function truncateCodes(g: GraphBuilder, input: string, truncated: boolean[]): string {
  if (!truncated.some(Boolean)) return input;
  const mask = g.constant('categorical', { type: 'bool', dims: [truncated.length], values: truncated.map(Number) });
  return g.op('Where', [mask, g.op('Floor', [input]), input]);
}

/** A string column's OrdinalEncoder code as a double [N, 1]: NaN for a missing or unknown value, as the encoder gives. */
function stringCodes(g: GraphBuilder, column: Column, categories: string[]): string {
  g.opset(ML_DOMAIN, 2);
  const code = g.op('LabelEncoder', [column.name], {
    keys_strings: { strings: categories }, values_int64s: { ints: categories.map((_, k) => k) }, default_int64: { int: -1 },
  }, ML_DOMAIN);
  const codes = g.op('Cast', [code], { to: { int: 11 } });
  return g.op('Where', [g.op('Less', [codes, f64(g, 'zero', [0], [])]), f64(g, 'nan', [NaN], []), codes]);
}

/** The [N, width] float64 matrix the predictors read: string categorical columns become their codes. */
function numericInput(g: GraphBuilder, input: Features, map: InputMap, owner: string): string {
  const stringFeature = new Map<number, string[]>();
  map.categories.forEach((c, f) => { if (Array.isArray(c)) stringFeature.set(map.column[f], c); });
  if (!input.columns || !input.columns.some((c) => c.type === 'string')) {
    if (stringFeature.size) throw new ConversionError(`${owner}: its categorical features have string categories, but it is given numbers`);
    return input.name;
  }
  const columns = Array.from({ length: input.width }, (_, j) => {
    const column = columnOf(g, input, j);
    const categories = stringFeature.get(j);
    if ((column.type === 'string') !== Boolean(categories)) {
      throw new ConversionError(`${owner}: column '${column.name}' ${categories ? 'has string categories but is given numbers' : 'holds strings but is not a categorical feature'}`);
    }
    if (categories) return stringCodes(g, column, categories);
    return column.name;
  });
  return g.op('Concat', columns, { axis: { int: 1 } });
}

/** The raw prediction [N, k]: baseline + Σ predictors, as _raw_predict adds them. */
export function rawPrediction(estimator: PyObject, input: Features, g: GraphBuilder): { raw: string; k: number } {
  const name = shortName(estimator);
  const iterations = listAttr(estimator, '_predictors');
  if (iterations.length === 0) throw new ConversionError(`${name}: it has no predictors (is it fitted?)`);
  const baselineValue = attr(estimator, '_baseline_prediction');
  const baseline = baselineValue instanceof NdArray ? baselineValue.numbers() : typeof baselineValue === 'number' ? Float64Array.of(baselineValue) : null;
  if (!baseline) throw new ConversionError(`${name}: _baseline_prediction is missing`);
  const k = baseline.length;
  const map = inputMap(estimator, input.width);
  const entries: TargetTree[] = [];
  iterations.forEach((predictors, iteration) => {
    if (!Array.isArray(predictors) || predictors.length !== k) {
      throw new ConversionError(`${name}: iteration ${iteration} has ${Array.isArray(predictors) ? predictors.length : 0} predictors, expected ${k}`);
    }
    predictors.forEach((predictor, target) => {
      const { layout, value } = readPredictor(predictor, map, name);
      const first = iteration === 0;
      entries.push({ tree: layout, target, leafWeight: (node) => (first ? baseline[target] + value[node] : value[node]) });
    });
  });
  const x = truncateCodes(g, numericInput(g, input, map, name), map.truncated);
  return { raw: treeEnsemble(g, x, entries, { nTargets: k, nFeatures: input.width, mode: 'LEQ', type: 'float64' }), k };
}

function regressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { raw } = rawPrediction(estimator, input, g);
  const link = linkName(estimator);
  if (link === 'IdentityLink' || (link === null && ['squared_error', 'absolute_error', 'quantile'].includes(lossName(estimator)))) {
    return { kind: 'regressor', value: raw, targets: 1 };
  }
  if (link === 'LogLink') return { kind: 'regressor', value: exactExp(g, raw), targets: 1 };
  throw new ConversionError(`${shortName(estimator)}: loss ${lossName(estimator)} (link ${link ?? 'unknown'}) is not supported`);
}

function classifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = classesOf(estimator);
  const { raw, k } = rawPrediction(estimator, input, g);
  if (k === 1) {
    // predict() says class 1 where raw > 0; predict_proba is [1 - expit(raw), expit(raw)].
    return { kind: 'classifier', probabilities: binaryProbabilities(g, expit(g, raw)), decision: binaryDecision(g, raw), classes };
  }
  if (k !== classes.length) throw new ConversionError(`${shortName(estimator)}: ${k} trees per iteration for ${classes.length} classes`);
  return { kind: 'classifier', probabilities: softmax(g, raw, k), decision: raw, classes };
}

/** Every column takes missing values; categorical ones list the categories seen in training (others go where NaN does). */
function columnFacts(estimator: PyObject): ColumnFacts[] {
  const width = inputWidth(estimator);
  const map = inputMap(estimator, width);
  const facts: ColumnFacts[] = Array.from({ length: width }, () => ({ kind: 'number', missing: true }));
  map.known.forEach((known, f) => {
    if (!known) return;
    const categories = map.categories[f];
    // A None category of a string column is coded missing (NaN) by the encoder, so it is left out.
    const values = Array.from(known, (code) => (categories ? categories[code] : code)).filter((v) => v !== undefined);
    facts[map.column[f]] = { kind: Array.isArray(categories) ? 'string' : 'number', missing: true, categories: values };
  });
  return facts;
}

const common = { inputWidth, handlesMissing: true, acceptsStrings: true, columnFacts } as const;
register({ classes: ['HistGradientBoostingRegressor'], ...common, convert: regressor });
register({ classes: ['HistGradientBoostingClassifier'], ...common, convert: classifier });
