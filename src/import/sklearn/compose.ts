// A chain of scikit-learn steps (a Pipeline, or artifacts composed by model.yaml) → one ONNX graph, with the
// text steps that ONNX cannot reproduce exactly run in TypeScript in front of it.
import { GraphBuilder } from '../../onnx/builder.js';
import type { ElementType } from '../../tensor.js';
import type { ArtifactHints } from '../../signature/signature.js';
import { PyObject } from '../pickle/values.js';
import { ConversionError, featureNames, shortName } from './attrs.js';
import { converterFor, type Features, type MarginTransform, type StepResult } from './converter.js';
import { textStepFor, type TextStage } from './text.js';

export interface ComposedGraph {
  onnx: Uint8Array;
  hints: ArtifactHints;
  /** Runs before the graph: text (or counts) → the graph's float64 input. */
  textStage: TextStage | null;
  /** Runs after the graph on its margin output. */
  marginTransform: MarginTransform | null;
}

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
      g.op('Identity', [result.probabilities], {}, '', 'probabilities');
      g.output('label', labels.type, ['N']);
      g.output('probabilities', 'float64', ['N', result.classes.length]);
      return { task: 'classification', classes: result.classes, labelOutput: 'label', probabilityOutput: 'probabilities' };
    }
    case 'regressor':
      g.op('Identity', [result.value], {}, '', 'variable');
      g.output('variable', 'float64', ['N', result.targets]);
      return { task: 'regression', valueOutput: 'variable' };
    case 'features':
      g.op('Identity', [result.features.name], {}, '', 'transformed');
      g.output('transformed', result.features.type, ['N', result.features.width]);
      return { task: 'other' };
  }
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
  const g = new GraphBuilder('modelport');
  const head = !textStage && rest.length ? converterFor(rest[0]) : null;
  const width = textStage ? textStage.width : head ? head.inputWidth(rest[0]) : 0;
  // A model that starts from float input (XGBoost) takes float32; scikit-learn computes in float64.
  const type = head?.acceptsFloat32 ? 'float32' : 'float64';
  g.input(GRAPH_INPUT, type, ['N', width]);
  let result: StepResult = { kind: 'features', features: { name: GRAPH_INPUT, width, type } };
  for (const [k, step] of rest.entries()) {
    if (result.kind !== 'features') {
      throw new ConversionError(`${shortName(rest[k - 1])} predicts, so it must be the last step (found ${shortName(step)} after it)`);
    }
    const converter = converterFor(step);
    const expected = converter.inputWidth(step);
    let features: Features = result.features;
    if (features.type === 'float32' && !converter.acceptsFloat32) {
      features = { ...features, name: g.op('Cast', [features.name], { to: { int: 11 } }), type: 'float64' };
    }
    if (expected !== features.width) {
      throw new ConversionError(`${shortName(step)} expects ${expected} features but the previous step gives ${features.width}`);
    }
    result = converter.convert(step, features, g);
  }
  const hints = finish(g, result);
  const names = head ? featureNames(rest[0]) ?? head.featureNames?.(rest[0]) : undefined;
  const estimator = steps.map(shortName).join(' → ');
  return {
    onnx: g.build({ estimator, ...(hints.classes ? { classes: JSON.stringify(hints.classes) } : {}) }),
    hints: { ...hints, ...(names ? { featureNames: names } : {}), ...(head?.handlesMissing ? { allowMissing: true } : {}), estimator },
    textStage,
    marginTransform: result.kind === 'margin' ? result.transform : null,
  };
}
