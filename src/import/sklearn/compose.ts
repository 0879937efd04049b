// A chain of scikit-learn steps (a Pipeline, or artifacts composed by model.yaml) → one ONNX graph, with the
// text steps that ONNX cannot reproduce exactly run in TypeScript in front of it.
import { GraphBuilder } from '../../onnx/builder.js';
import { decodeModel } from '../../onnx/proto.js';
import type { ElementType } from '../../tensor.js';
import type { ArtifactHints, FeatureHint } from '../../signature/signature.js';
import { PyObject } from '../pickle/values.js';
import { classesOf, ConversionError, featureNames, shortName } from './attrs.js';
import { converterFor, type ColumnFacts, type Features, type MarginTransform, type ProbabilityStage, type StepResult } from './converter.js';
import { tableFeatures } from './table.js';
import { textStepFor, type TextStage } from './text.js';

export interface ComposedGraph {
  onnx: Uint8Array;
  hints: ArtifactHints;
  /** Runs before the graph: text (or counts) → the graph's float64 input. */
  textStage: TextStage | null;
  /** Runs after the graph on its margin output. */
  marginTransform: MarginTransform | null;
  /** Runs after the graph: `probabilities` from its PROBABILITY_INPUTS output, which it replaces. */
  probabilityStage: ProbabilityStage | null;
}

/** The graph output a ProbabilityStage reads. */
export const PROBABILITY_INPUTS = 'probability_inputs';

export const GRAPH_INPUT = 'input';

/** Pipelines flatten into their steps; 'passthrough' and None steps vanish. */
export function flattenSteps(objects: readonly unknown[]): PyObject[] {
  const out: PyObject[] = [];
  for (const obj of objects) {
    if (obj === null || obj === 'passthrough') continue;
    if (!(obj instanceof PyObject)) throw new ConversionError('the artifact does not hold a scikit-learn estimator');
    if (shortName(obj) === 'Pipeline') {
      const steps = obj.get('steps');
      if (!Array.isArray(steps)) throw new ConversionError('Pipeline: steps are missing');
      out.push(...flattenSteps(steps.map((s) => (Array.isArray(s) ? s[1] : s))));
    } else {
      out.push(obj);
    }
  }
  return out;
}

function labelTensor(classes: (string | number)[]): { type: ElementType; values: (string | number)[] } {
  if (classes.every((c) => typeof c === 'string')) return { type: 'string', values: classes };
  if (classes.every((c) => typeof c === 'number' && Number.isInteger(c))) return { type: 'int64', values: classes };
  if (classes.every((c) => typeof c === 'number')) return { type: 'float64', values: classes };
  return { type: 'string', values: classes.map(String) };
}

function finish(g: GraphBuilder, result: StepResult): ArtifactHints {
  switch (result.kind) {
    case 'margin':
      g.op('Identity', [result.margin], {}, '', 'margin');
      g.output('margin', 'float32', ['N', result.targets]);
      return result.transform.hints;
    case 'classifier': {
      const labels = labelTensor(result.classes);
      const table = g.constant('classes', { type: labels.type, dims: [labels.values.length], values: labels.values });
      const index = g.op('ArgMax', [result.decision], { axis: { int: 1 }, keepdims: { int: 0 }, select_last_index: { int: 0 } });
      g.op('Gather', [table, index], { axis: { int: 0 } }, '', 'label');
      g.output('label', labels.type, ['N']);
      if (result.probabilities) {
        g.op('Identity', [result.probabilities], {}, '', 'probabilities');
        g.output('probabilities', 'float64', ['N', result.classes.length]);
      } else if (result.probabilityStage) {
        g.op('Identity', [result.probabilityStage.input], {}, '', PROBABILITY_INPUTS);
        g.output(PROBABILITY_INPUTS, 'float64', ['N', result.probabilityStage.width]);
      }
      if (result.score) {
        g.op('Identity', [result.score], {}, '', 'score');
        g.output('score', 'float64', ['N', 1]);
      }
      return {
        task: 'classification',
        classes: result.classes,
        labelOutput: 'label',
        ...(result.probabilities || result.probabilityStage ? { probabilityOutput: 'probabilities' } : {}),
        ...(result.score ? { scoreOutput: 'score' } : {}),
      };
    }
    case 'regressor':
      g.op('Identity', [result.value], {}, '', 'value');
      g.output('value', 'float64', ['N', result.targets]);
      return { task: 'regression', valueOutput: 'value' };
    case 'features':
      g.op('Identity', [result.features.name], {}, '', 'transformed');
      g.output('transformed', result.features.type, ['N', result.features.width]);
      return { task: 'other' };
  }
}

/** Runs `steps` on `input` in the graph: each step's converter, with the checks between steps. */
export function applySteps(steps: readonly PyObject[], input: Features, g: GraphBuilder): StepResult {
  let result: StepResult = { kind: 'features', features: input };
  for (const [k, step] of steps.entries()) {
    if (result.kind !== 'features') {
      throw new ConversionError(`${shortName(steps[k - 1])} predicts, so it must be the last step (found ${shortName(step)} after it)`);
    }
    const converter = converterFor(step);
    const expected = converter.inputWidth(step);
    let features: Features = result.features;
    if (features.type === 'string' && !converter.acceptsStrings) {
      const strings = features.columns?.filter((c) => c.type === 'string').map((c) => `'${c.name}'`) ?? [];
      throw new ConversionError(`${shortName(step)} takes numbers but is given string columns${strings.length ? ` (${strings.join(', ')})` : ''}; encode them first (OneHotEncoder, OrdinalEncoder)`);
    }
    if (features.type === 'float32' && !converter.acceptsFloat32) {
      features = { ...features, name: g.op('Cast', [features.name], { to: { int: 11 } }), type: 'float64' };
    }
    if (expected !== features.width) {
      throw new ConversionError(`${shortName(step)} expects ${expected} features but the previous step gives ${features.width}`);
    }
    result = converter.convert(step, features, g);
  }
  return result;
}

/** Facts about the input columns of a chain of steps: the first step's, and the next one's for columns it passes on. */
export function chainFacts(steps: readonly PyObject[]): ColumnFacts[] {
  const [first, ...rest] = steps;
  const converter = converterFor(first);
  const own = converter.columnFacts?.(first) ?? [];
  const facts = Array.from({ length: converter.inputWidth(first) }, (_, j): ColumnFacts => ({
    ...own[j],
    ...(converter.handlesMissing ? { missing: true } : {}),
  }));
  if (rest.length === 0 || !facts.some((f) => f.passes)) return facts;
  const next = chainFacts(rest);
  return facts.map((f, j) => {
    if (!f.passes) return f;
    const n = next[j] ?? {};
    const missing = (f.missing ?? false) || (n.missing ?? false);
    if (!f.keepsValues) return { kind: f.kind, missing, passes: n.passes, forwarded: n.forwarded };
    return { ...n, kind: f.kind ?? n.kind, missing };
  });
}

/** The graph's inputs: one [N, width] matrix, or one [N, 1] input per column when some columns hold strings. */
function graphInputs(g: GraphBuilder, names: string[], facts: ColumnFacts[], type: 'float32' | 'float64'): Features {
  if (!facts.some((f) => f.kind === 'string')) {
    g.input(GRAPH_INPUT, type, ['N', names.length]);
    return { name: GRAPH_INPUT, width: names.length, type };
  }
  const columns = names.map((name, j) => {
    const kind = facts[j].kind === 'string' ? 'string' : 'float64';
    return { name: g.input(name, kind, ['N', 1]), type: kind } as const;
  });
  return tableFeatures(g, columns);
}

function decodeClasses(result: StepResult, encoder: PyObject): StepResult {
  if (result.kind !== 'classifier') throw new ConversionError('a LabelEncoder can only follow a classifier, to name its classes');
  const labels = classesOf(encoder);
  const classes = result.classes.map((c) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= labels.length) {
      throw new ConversionError(`the classifier's class ${JSON.stringify(c)} is not a LabelEncoder code (0…${labels.length - 1})`);
    }
    return labels[c];
  });
  return { ...result, classes };
}

/** The table with a placeholder for each column no step reads, so that column positions stay those of the fit. */
function expandUnused(input: Features, facts: readonly ColumnFacts[]): Features {
  if (!facts.some((f) => f.unused)) return input;
  const used = input.columns ?? [];
  let k = 0;
  const columns = facts.map((f) => (f.unused ? { name: '', type: 'float64' as const } : used[k++]));
  return { name: '', width: columns.length, type: 'string', columns };
}

/** Graph inputs named after the table's columns must not meet a name the builder gave to a value inside. */
function checkInputNames(onnx: Uint8Array, names: readonly string[]): void {
  const graph = decodeModel(onnx).graph;
  const inner = new Set([...(graph?.node ?? []).flatMap((n) => n.output ?? []), ...(graph?.initializer ?? []).map((t) => t.name)]);
  const clash = names.find((n) => inner.has(n));
  if (clash) throw new ConversionError(`the column name '${clash}' clashes with a name inside the converted graph; rename the column`);
}

export function composeSteps(objects: readonly unknown[]): ComposedGraph {
  const steps = flattenSteps(objects);
  if (steps.length === 0) throw new ConversionError('no estimator to serve');
  // Leading text steps (vectorizers, TF-IDF) run in TypeScript; the rest becomes the graph.
  let textStage: TextStage | null = null;
  let i = 0;
  for (; i < steps.length; i++) {
    const step = textStepFor(steps[i], textStage);
    if (!step) break;
    textStage = step;
  }
  const rest = steps.slice(i);
  // A LabelEncoder composed after a classifier (model.yaml artifacts: [model.pkl, label_encoder.pkl]) turns the
  // classes the model was trained on, 0…k-1, back into the labels the encoder was fitted on.
  const decoder = rest.length > 1 && shortName(rest[rest.length - 1]) === 'LabelEncoder' ? rest.pop() ?? null : null;
  const g = new GraphBuilder('modelport');
  const head = !textStage && rest.length ? converterFor(rest[0]) : null;
  const width = textStage ? textStage.width : head ? head.inputWidth(rest[0]) : 0;
  // A model that starts from float input (XGBoost) takes float32; scikit-learn computes in float64.
  const type = head?.acceptsFloat32 ? 'float32' : 'float64';
  const facts = head ? chainFacts(rest) : [];
  const last = rest.length ? converterFor(rest[rest.length - 1]) : null;
  const perColumn = facts.some((f) => f.kind === 'string');
  const names = (head ? featureNames(rest[0]) ?? head.featureNames?.(rest[0]) : undefined)
    ?? (perColumn ? Array.from({ length: width }, (_, j) => `f${j}`) : undefined);
  // Columns no step reads are left out of a per-column table; a matrix keeps every column in place.
  const used = facts.map((f, j) => ({ f, j })).filter(({ f }) => !perColumn || !f.unused);
  let input: Features;
  if (textStage) {
    g.input(GRAPH_INPUT, type, ['N', width]);
    input = { name: GRAPH_INPUT, width, type };
  } else {
    input = graphInputs(g, used.map(({ j }) => names?.[j] ?? `f${j}`), used.map(({ f }) => f), type);
  }
  const applied = applySteps(rest, perColumn ? expandUnused(input, facts) : input, g);
  const result = decoder ? decodeClasses(applied, decoder) : applied;
  const hints = finish(g, result);
  const estimator = steps.map(shortName).join(' → ');
  const onnx = g.build({ estimator, ...(hints.classes ? { classes: JSON.stringify(hints.classes) } : {}) });
  if (perColumn && names) checkInputNames(onnx, used.map(({ j }) => names[j]));
  const features: FeatureHint[] = used.map(({ f }) => ({
    missing: (f.missing ?? false) || (((f.passes ?? false) || (f.forwarded ?? false)) && (last?.handlesMissing ?? false)),
    ...(f.categories ? { categories: f.categories } : {}),
    ...(f.closed ? { closed: true } : {}),
    ...(f.description ? { description: f.description } : {}),
  }));
  const ignored = perColumn && names ? facts.flatMap((f, j) => (f.unused ? [names[j]] : [])) : [];
  return {
    onnx,
    hints: {
      ...hints,
      ...(names ? { featureNames: used.map(({ j }) => names[j]) } : {}),
      ...(textStage ? {} : { features }),
      ...(ignored.length ? { ignoredFeatures: ignored } : {}),
      estimator,
    },
    textStage,
    marginTransform: result.kind === 'margin' ? result.transform : null,
    probabilityStage: result.kind === 'classifier' ? result.probabilityStage ?? null : null,
  };
}
