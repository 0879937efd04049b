// The preprocessing in front of a model (a ColumnTransformer, one-hot encoders, imputers, scalers), re-run in
// TypeScript from the fitted state in the pickle so that an explainer sees the encoded row the model saw, with the
// input feature every encoded column came from. Each step repeats scikit-learn's arithmetic in its order (the graph
// does too), so encoded values are the graph's, bit for bit; predictions never pass through here.
//
// Background: linear contributions are measured against a background point, and each encoded column needs its
// value there. An affine column (passthrough, imputer on a present value, scaler) carries its feature's mean through
// the step. A one-hot column's background is its category's share of the training rows, which the encoder does not
// store: it comes from model.yaml (explain.background: {feature: {category: share}}), or from a StandardScaler that
// follows the encoder, whose mean_ holds exactly those shares. A scaler's mean_ likewise gives the background of the
// numeric columns it scales. Nothing is guessed: a column without a background makes the model unexplainable, with
// the key to set named.
import type { PyObject } from '../import/pickle/values.js';
import { array, attr, featureNames, inputWidth, optionalArray, shortName } from '../import/sklearn/attrs.js';
import { columnTransformerParts } from '../import/sklearn/column-transformer.js';
import { chainFacts, GRAPH_INPUT } from '../import/sklearn/compose.js';
import { missingCategory, oneHotSlots } from '../import/sklearn/encoders.js';
import { isMissing, MISSING_STRING } from '../import/sklearn/table.js';
import type { ExplainConfig } from '../repository/manifest.js';
import type { Feeds } from '../runtime/runner.js';
import { NotExplainableError, type ExplainedFeature } from './explainer.js';

/** A cell as the graph receives it: NaN or MISSING_STRING for a missing value. */
type Value = number | string;

/** A column's background: a number, each category's share (before a one-hot encoder), or not known. */
type Background = number | Map<string, number> | null;

interface Column {
  /** The input feature it comes from. */
  source: number;
  background: Background;
}

/** A step applied to a list of columns: their values in a row, and what is known of them. */
interface Stage {
  columns(incoming: Column[]): Column[];
  apply(values: Value[]): Value[];
}

export const ENCODING_STEPS = ['ColumnTransformer', 'OneHotEncoder', 'SimpleImputer', 'StandardScaler'];

function numeric(v: Value, owner: string): number {
  if (typeof v !== 'number') throw new NotExplainableError(`${owner} is given the string '${v}'`);
  return v;
}

function imputer(step: PyObject): Stage {
  const owner = shortName(step);
  if (attr(step, 'add_indicator') === true) throw new NotExplainableError(`${owner} with add_indicator=True is not explained`);
  const statistics = array(step, 'statistics_').items();
  if (statistics.some((s) => s === null || (typeof s === 'number' && Number.isNaN(s)))) {
    throw new NotExplainableError(`${owner}: a column was empty at fit (no fill value); such imputers are not explained`);
  }
  const marker = attr(step, 'missing_values');
  const missing = (v: Value) => (isMissing(marker) || marker === undefined ? (typeof v === 'number' ? Number.isNaN(v) : v === MISSING_STRING) : v === marker);
  return {
    columns: (incoming) => incoming,
    apply: (values) => values.map((v, j) => (missing(v) ? (statistics[j] as Value) : v)),
  };
}

/** (x − mean_) / scale_, each part only where the scaler keeps it; mean_ gives the background where none is set. */
function scaler(step: PyObject): Stage {
  const owner = shortName(step);
  const mean = optionalArray(step, 'mean_')?.numbers() ?? null;
  const center = attr(step, 'with_mean') === false ? null : mean;
  const scale = attr(step, 'with_std') === false ? null : optionalArray(step, 'scale_')?.numbers() ?? null;
  const transform = (v: number, j: number) => {
    let z = v;
    if (center) z -= center[j];
    if (scale) z /= scale[j];
    return z;
  };
  return {
    columns: (incoming) => incoming.map((c, j) => {
      if (c.background instanceof Map) throw new NotExplainableError(`${owner} is given a categorical column`);
      const background = c.background ?? mean?.[j] ?? null;
      return { source: c.source, background: background === null ? null : transform(background, j) };
    }),
    apply: (values) => values.map((v, j) => transform(numeric(v, owner), j)),
  };
}

/** The index of a value among the categories (-1: unknown), as the graph's encoder finds it. */
function categoryIndex(categories: readonly unknown[]): (v: Value) => number {
  const missingAt = missingCategory(categories);
  const keys = categories.map((c) => (typeof c === 'boolean' ? Number(c) : c));
  return (v) => (v === MISSING_STRING || (typeof v === 'number' && Number.isNaN(v)) ? missingAt : keys.indexOf(v));
}

function oneHot(step: PyObject): Stage {
  const owner = shortName(step);
  const slots = oneHotSlots(step).map(({ categories, table, outputs }) => ({
    categories: categories.items(), index: categoryIndex(categories.items()), table, outputs,
  }));
  return {
    columns: (incoming) => incoming.flatMap((c, j) => {
      const { categories, table, outputs } = slots[j];
      let shares: number[] | null = null;
      if (typeof c.background === 'number') throw new NotExplainableError(`${owner}: a categorical feature's background must be each category's share, not a mean`);
      if (c.background instanceof Map) {
        const names = categories.map(String);
        const unknown = [...c.background.keys()].filter((k) => !names.includes(k));
        if (unknown.length) throw new NotExplainableError(`${owner}: the background names categories it does not know (${unknown.join(', ')}; known: ${names.join(', ')})`);
        const given = c.background;
        shares = Array.from({ length: outputs }, () => 0);
        names.forEach((name, k) => {
          const slot = table[k + 1];
          if (slot >= 0 && shares) shares[slot] += given.get(name) ?? 0;
        });
      }
      return Array.from({ length: outputs }, (_, k) => ({ source: c.source, background: shares ? shares[k] : null }));
    }),
    apply: (values) => values.flatMap((v, j) => {
      const { index, table, outputs } = slots[j];
      const slot = table[index(v) + 1];
      return Array.from({ length: outputs }, (_, k) => (k === slot ? 1 : 0));
    }),
  };
}

function columnWise(step: PyObject): Stage {
  switch (shortName(step)) {
    case 'OneHotEncoder': return oneHot(step);
    case 'SimpleImputer': return imputer(step);
    case 'StandardScaler': return scaler(step);
    case 'ColumnTransformer': return columnTransformer(step);
    default: throw new NotExplainableError(`${shortName(step)} is not among the steps explanations re-encode (${ENCODING_STEPS.join(', ')})`);
  }
}

function chain(stages: readonly Stage[]): Stage {
  return {
    columns: (incoming) => stages.reduce((cols, s) => s.columns(cols), incoming),
    apply: (values) => stages.reduce((v, s) => s.apply(v), values),
  };
}

/** Its parts side by side on their column selections, outputs stacked in order, weights applied. */
function columnTransformer(step: PyObject): Stage {
  const parts = columnTransformerParts(step).map((p) => ({ ...p, stage: chain(p.steps.map(columnWise)) }));
  const weigh = (w: number | null, v: Value) => (w === null ? v : numeric(v, 'ColumnTransformer') * w);
  return {
    columns: (incoming) => parts.flatMap((p) => p.stage.columns(p.columns.map((j) => incoming[j])).map((c) => {
      if (p.weight === null || c.background === null) return c;
      if (c.background instanceof Map) throw new NotExplainableError(`ColumnTransformer: '${p.name}' passes a categorical column on unencoded`);
      return { ...c, background: c.background * p.weight };
    })),
    apply: (values) => parts.flatMap((p) => p.stage.apply(p.columns.map((j) => values[j])).map((v) => weigh(p.weight, v))),
  };
}

/** The encoded row and, per encoded column, the explained feature it belongs to. */
export interface Encoding {
  /** The explained features (the input columns some encoded column comes from), in input order. */
  features: ExplainedFeature[];
  /** Encoded columns. */
  width: number;
  /** For each encoded column, the index of its feature in `features`. */
  featureOf: Int32Array;
  /** Whether some feature became several encoded columns. */
  grouped: boolean;
  encode(feeds: Feeds, rows: number): Float64Array;
  /** The encoded columns' background values, or why they are not known. */
  background(config: ExplainConfig): Float64Array;
}

/** How the graph takes the columns: one input per column when some hold strings, else one matrix (as compose.ts). */
function inputLayout(steps: readonly PyObject[], width: number) {
  const facts = chainFacts(steps);
  const perColumn = facts.some((f) => f.kind === 'string');
  const names = featureNames(steps[0]) ?? Array.from({ length: width }, (_, j) => `f${j}`);
  const features: (ExplainedFeature | null)[] = names.map((name, j) => {
    if (!perColumn) return { input: GRAPH_INPUT, column: j };
    return facts[j]?.unused ? null : { input: name, column: null };
  });
  return { names, features };
}

function sourceBackground(config: ExplainConfig, name: string, j: number): Background {
  const given = config.background?.[name];
  if (typeof given === 'number') return given;
  if (given) return new Map(Object.entries(given));
  return config.background_mean?.[j] ?? null;
}

/** `steps`: the preprocessing in front of `model` (the model itself is read for facts about its columns). */
export function encodingOf(steps: readonly PyObject[], model: PyObject): Encoding {
  const inputs = inputWidth(steps[0] ?? model);
  const { names, features: layout } = inputLayout([...steps, model], inputs);
  const stage = chain(steps.map(columnWise));
  const identity = Array.from({ length: inputs }, (_, j): Column => ({ source: j, background: null }));
  const sources = stage.columns(identity).map((c) => c.source);
  const explained = [...new Set(sources)].sort((a, b) => a - b);
  const missingInput = explained.find((j) => !layout[j]);
  if (missingInput !== undefined) throw new NotExplainableError(`feature '${names[missingInput]}' is read but is not a graph input`);
  const features = explained.map((j) => layout[j] as ExplainedFeature);
  const position = new Map(explained.map((j, k) => [j, k]));
  const featureOf = Int32Array.from(sources, (j) => position.get(j) as number);
  const read = explained.map((j) => {
    const { input, column } = layout[j] as ExplainedFeature;
    return (feeds: Feeds, r: number): Value => {
      const t = feeds[input];
      const data = t.data as ArrayLike<number | string>;
      return data[column === null ? r : r * (t.dims[1] ?? 1) + column];
    };
  });
  const width = sources.length;
  return {
    features,
    width,
    featureOf,
    grouped: width > features.length,
    encode(feeds, rows) {
      const out = new Float64Array(rows * width);
      const values: Value[] = new Array(inputs).fill(NaN);
      for (let r = 0; r < rows; r++) {
        explained.forEach((j, k) => { values[j] = read[k](feeds, r); });
        stage.apply(values).forEach((v, c) => { out[r * width + c] = numeric(v, 'the encoded row'); });
      }
      return out;
    },
    background(config) {
      const unknown = Object.keys(config.background ?? {}).filter((name) => !names.includes(name));
      if (unknown.length) throw new NotExplainableError(`explain.background names no input feature: ${unknown.join(', ')} (features: ${names.join(', ')})`);
      if (config.background_mean && config.background_mean.length !== inputs) {
        throw new NotExplainableError(`explain.background_mean has ${config.background_mean.length} values for ${inputs} input features`);
      }
      const columns = stage.columns(identity.map((c) => ({ ...c, background: sourceBackground(config, names[c.source], c.source) })));
      return Float64Array.from(columns, (c) => {
        if (typeof c.background === 'number') return c.background;
        const name = names[c.source];
        throw new NotExplainableError(`there is no background value for feature '${name}' to measure contributions from: set explain.background in model.yaml, e.g. {${name}: <its mean>} for a numeric feature or {${name}: {<category>: <share of training rows>, ...}} for a categorical one (or explain.background_mean, or a StandardScaler in front of it)`);
      });
    },
  };
}
