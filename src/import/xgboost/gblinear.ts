// gblinear boosters: a weight per feature and output group, the bias last ([numFeature + 1, groups], row-major).
// XGBoost's margin is, in float32, psum = bias + base_score, then psum += x[j] * w[j] for each present feature
// in column order; a missing (NaN) entry is skipped. The graph repeats that order exactly.
import type { GraphBuilder } from '../../onnx/builder.js';
import { ConversionError } from '../sklearn/attrs.js';
import type { Features, StepResult } from '../sklearn/converter.js';
import { parseFloat32 } from './float32.js';
import { baseMarginOf, parseBaseScore, type XgbModel } from './model.js';
import { transformFor } from './objectives.js';

type Doc = Record<string, unknown>;

const f32 = Math.fround;

function field(v: unknown, what: string): Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`XGBoost gblinear model: ${what} is missing`);
  return v as Doc;
}

function count(v: unknown, what: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`XGBoost gblinear model: invalid ${what}`);
  return n;
}

/** JSON documents keep each number as its decimal text (rounded here to float32); UBJSON gives a Float32Array. */
function weightsOf(v: unknown): Float32Array {
  if (v instanceof Float32Array) return v;
  if (ArrayBuffer.isView(v)) return Float32Array.from(v as unknown as ArrayLike<number>);
  if (!Array.isArray(v)) throw new Error('XGBoost gblinear model: weights are missing');
  return Float32Array.from(v, (x) => {
    const w = typeof x === 'string' ? parseFloat32(x) : typeof x === 'number' ? x : NaN;
    if (Number.isNaN(w)) throw new Error('XGBoost gblinear model: weights hold a non-number');
    return w;
  });
}

/** A JSON/UBJSON document whose booster is gblinear → its model; null for any other booster. */
export function linearModelFromDocument(doc: Doc): XgbModel | null {
  const learner = ((doc.Model ?? doc) as Doc).learner as Doc | undefined;
  const booster = learner?.gradient_booster as Doc | undefined;
  if (!learner || !booster || booster.name !== 'gblinear') return null;
  const params = field(learner.learner_model_param, 'learner_model_param');
  const objective = String(field(learner.objective, 'objective').name);
  const numFeature = count(params.num_feature, 'num_feature');
  const numClass = Math.max(1, count(params.num_class ?? 0, 'num_class'));
  const numTarget = Math.max(1, count(params.num_target ?? 1, 'num_target'));
  const groups = Math.max(numClass, numTarget);
  const linearWeights = weightsOf(field(booster.model, 'model').weights);
  if (linearWeights.length !== (numFeature + 1) * groups) {
    throw new Error(`XGBoost gblinear model: ${linearWeights.length} weights for ${numFeature} features and ${groups} outputs`);
  }
  // gblinear adds the first base score to every output group, whatever the vector holds.
  const base = baseMarginOf(objective, parseBaseScore(params.base_score)[0]);
  const names = Array.isArray(learner.feature_names) && learner.feature_names.length ? learner.feature_names.map(String) : undefined;
  return { ...linearModel(objective, base, { numClass, numTarget, numFeature }, linearWeights), ...(names ? { featureNames: names } : {}) };
}

/** A gblinear model: no trees, the weights, and one base margin for every output group. */
function linearModel(objective: string, baseMargin: number, shape: { numClass: number; numTarget: number; numFeature: number }, linearWeights: Float32Array): XgbModel {
  const groups = Math.max(shape.numClass, shape.numTarget);
  return {
    objective, baseMargin: new Array(groups).fill(baseMargin), ...shape, numParallelTree: 1, trees: [], treeInfo: [], leafSize: 1, linearWeights,
  };
}

const BINARY_PARAM_BYTES = 136;

/**
 * gblinear in the legacy binary format, from the bytes after the booster's name: a 136-byte parameter block
 * (unused since 1.0), then the weights as a uint64 count and that many little-endian float32s.
 */
export function linearModelFromBinary(rest: Uint8Array, head: { objective: string; baseMargin: number; numClass: number; numFeature: number }): XgbModel {
  const { objective, baseMargin, numClass, numFeature } = head;
  const view = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
  const expected = (numFeature + 1) * numClass;
  if (rest.length < BINARY_PARAM_BYTES + 8 || view.getBigUint64(BINARY_PARAM_BYTES, true) !== BigInt(expected)
    || rest.length < BINARY_PARAM_BYTES + 8 + expected * 4) {
    throw new Error(`XGBoost gblinear binary model: expected ${expected} weights for ${numFeature} features and ${numClass} outputs`);
  }
  const linearWeights = Float32Array.from({ length: expected }, (_, i) => view.getFloat32(BINARY_PARAM_BYTES + 8 + i * 4, true));
  return linearModel(objective, baseMargin, { numClass, numTarget: 1, numFeature }, linearWeights);
}

/** The graph step of a gblinear model: its float32 margin [N, groups], then the objective's transform. */
export function gblinearStep(model: XgbModel, classes: (string | number)[] | undefined, input: Features, g: GraphBuilder): StepResult {
  const weights = model.linearWeights;
  if (!weights) throw new Error('not a gblinear model');
  const features = model.numFeature;
  const groups = weights.length / (features + 1);
  if (features === 0 || input.width !== features) throw new ConversionError(`the XGBoost model takes ${features} features, the input has ${input.width}`);
  const x = input.type === 'float32' ? input.name : g.op('Cast', [input.name], { to: { int: 1 } });
  const w = g.constant('gblinear_w', { type: 'float32', dims: [features, groups], values: Array.from(weights).slice(0, features * groups) });
  const start = Array.from({ length: groups }, (_, k) => f32(weights[features * groups + k] + model.baseMargin[k]));
  let psum = g.constant('gblinear_bias', { type: 'float32', dims: [1, 1, groups], values: start });
  // Products [N, F, G], each rounded to float32 as XGBoost's x * w, then added one feature at a time.
  const axis2 = g.constant('axis2', { type: 'int64', dims: [1], values: [2n] });
  const products = g.op('Mul', [g.op('Unsqueeze', [x, axis2]), w]);
  const missing = g.op('Unsqueeze', [g.op('IsNaN', [x]), axis2]);
  const split = { axis: { int: 1 }, num_outputs: { int: features } };
  const terms = features === 1 ? [products] : g.node('Split', [products], features, split);
  const skips = features === 1 ? [missing] : g.node('Split', [missing], features, split);
  for (let j = 0; j < features; j++) psum = g.op('Where', [skips[j], psum, g.op('Add', [psum, terms[j]])]);
  const shape = g.constant('margin_shape', { type: 'int64', dims: [2], values: [-1n, BigInt(groups)] });
  const margin = g.op('Reshape', [psum, shape]);
  return { kind: 'margin', margin, targets: groups, transform: transformFor(model.objective, groups, classes) };
}
