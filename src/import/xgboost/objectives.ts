// XGBoost objectives: what predict() makes of the margin (the objective's PredTransform), run in TypeScript with
// XGBoost's float32 arithmetic after the graph has computed the margin.
import type { TensorSpec } from '../../runtime/runner.js';
import { allocate, makeTensor, type ElementType, type Tensor } from '../../tensor.js';
import type { MarginTransform } from '../sklearn/converter.js';

const f32 = Math.fround;

/** Objectives whose predict() is the margin itself. */
const IDENTITY = new Set(['reg:squarederror', 'reg:linear', 'reg:squaredlogerror', 'reg:pseudohubererror', 'reg:absoluteerror',
  'reg:quantileerror', 'binary:logitraw', 'rank:pairwise', 'rank:ndcg', 'rank:map']);
/** Log-link objectives: predict() is exp(margin). survival:aft's distribution and scale only shape training. */
const EXPONENTIAL = new Set(['count:poisson', 'reg:gamma', 'reg:tweedie', 'survival:cox', 'survival:aft']);
const LOGISTIC = new Set(['binary:logistic', 'reg:logistic']);
/** Objectives served as classifiers: a label and class probabilities. */
const CLASSIFIERS = new Set(['binary:logistic', 'binary:hinge', 'multi:softprob', 'multi:softmax']);

export const SUPPORTED_OBJECTIVES = [...new Set([...IDENTITY, ...EXPONENTIAL, ...LOGISTIC, ...CLASSIFIERS])].sort();

export const sigmoid = (m: number) => f32(1 / f32(1 + f32(Math.exp(-m))));

/** XGBoost's Softmax: float32 exponentials of (m - max), a double sum, float32 division. */
export function softmaxInto(margin: Float32Array, at: number, k: number, out: Float32Array): void {
  let max = margin[at];
  for (let i = 1; i < k; i++) max = Math.max(max, margin[at + i]);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    out[at + i] = f32(Math.exp(f32(margin[at + i] - max)));
    sum += out[at + i];
  }
  const denominator = f32(sum);
  for (let i = 0; i < k; i++) out[at + i] = f32(out[at + i] / denominator);
}

function labelType(classes: (string | number)[]): ElementType {
  return classes.every((c) => typeof c === 'number' && Number.isInteger(c)) ? 'int64' : 'string';
}

function labelTensor(classes: (string | number)[], indices: Int32Array): Tensor {
  const type = labelType(classes);
  const data = allocate(type, indices.length);
  indices.forEach((idx, r) => {
    if (type === 'int64') (data as BigInt64Array)[r] = BigInt(classes[idx] as number);
    else (data as string[])[r] = String(classes[idx]);
  });
  return makeTensor(type, data, [indices.length]);
}

/** Class index and probabilities of one row: [P(class 0), P(class 1)] for one margin column, softmax for several. */
function classify(objective: string, m: Float32Array, r: number, k: number, probs: Float32Array): number {
  if (k === 1) {
    // binary:hinge predicts 1 for a positive margin, 0 otherwise; its wrapper's predict_proba is [1 - that, that].
    const p = objective === 'binary:hinge' ? (m[r] > 0 ? 1 : 0) : sigmoid(m[r]);
    probs[r * 2] = f32(1 - p);
    probs[r * 2 + 1] = p;
    return p > 0.5 ? 1 : 0;
  }
  softmaxInto(m, r * k, k, probs);
  // multi:softmax predicts the first maximum of the margin; softprob's argmax of probabilities.
  const source = objective === 'multi:softmax' ? m : probs;
  let best = 0;
  for (let c = 1; c < k; c++) if (source[r * k + c] > source[r * k + best]) best = c;
  return best;
}

/**
 * The transform of a margin with `width` columns (output groups or targets) into what predict() returns.
 * `classes` are the scikit-learn wrapper's classes_ (0..k-1 otherwise).
 */
export function transformFor(objective: string, width: number, classes?: (string | number)[]): MarginTransform {
  const margin: TensorSpec = { name: 'margin', type: 'float32', shape: [-1, width] };
  if (CLASSIFIERS.has(objective)) {
    const n = width === 1 ? 2 : width;
    const labels = classes ?? Array.from({ length: n }, (_, i) => i);
    if (labels.length !== n) throw new Error(`XGBoost model has ${n} classes but ${labels.length} labels`);
    return {
      outputs: [
        { name: 'label', type: labelType(labels), shape: [-1] },
        { name: 'probabilities', type: 'float32', shape: [-1, n] },
        margin,
      ],
      hints: { task: 'classification', classes: labels, labelOutput: 'label', probabilityOutput: 'probabilities' },
      apply(m, rows) {
        const probs = new Float32Array(rows * n);
        const indices = new Int32Array(rows);
        for (let r = 0; r < rows; r++) indices[r] = classify(objective, m, r, width, probs);
        return { label: labelTensor(labels, indices), probabilities: makeTensor('float32', probs, [rows, n]) };
      },
    };
  }
  const link = LOGISTIC.has(objective) ? sigmoid : EXPONENTIAL.has(objective) ? (x: number) => f32(Math.exp(x)) : IDENTITY.has(objective) ? (x: number) => x : null;
  if (!link) throw new Error(`XGBoost objective '${objective}' is not supported (supported: ${SUPPORTED_OBJECTIVES.join(', ')})`);
  return {
    outputs: [{ name: 'value', type: 'float32', shape: [-1, width] }, margin],
    hints: { task: 'regression', valueOutput: 'value' },
    apply(m, rows) {
      const values = Float32Array.from(m.subarray(0, rows * width), link);
      return { value: makeTensor('float32', values, [rows, width]) };
    },
  };
}
