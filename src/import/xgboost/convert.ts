// An XGBoost model → a TreeEnsemble in float32 that emits the margin (split `x < condition`, NaN following
// each node's default direction, base margin folded into each class's first tree so the sum runs in
// XGBoost's order), and the objective's transform run in TypeScript with XGBoost's float32 arithmetic.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { TensorSpec } from '../../runtime/runner.js';
import { allocate, makeTensor, type ElementType, type Tensor } from '../../tensor.js';
import type { Features, MarginTransform, StepResult } from '../sklearn/converter.js';
import { treeEnsemble, type TargetTree } from '../trees/ensemble.js';
import type { XgbModel } from './model.js';

const f32 = Math.fround;

const IDENTITY = new Set(['reg:squarederror', 'reg:linear', 'reg:squaredlogerror', 'reg:pseudohubererror', 'reg:absoluteerror',
  'reg:quantileerror', 'binary:logitraw', 'rank:pairwise', 'rank:ndcg', 'rank:map']);
const EXPONENTIAL = new Set(['count:poisson', 'reg:gamma', 'reg:tweedie', 'survival:cox']);
const LOGISTIC = new Set(['binary:logistic', 'reg:logistic']);
const CLASSIFIERS = new Set(['binary:logistic', 'multi:softprob', 'multi:softmax']);

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

export interface XgbStepOptions {
  /** Class labels (the scikit-learn wrapper's classes_); 0..k-1 otherwise. */
  classes?: (string | number)[];
  /** Boosting rounds to use (best_iteration + 1, or best_ntree_limit); all when absent. */
  rounds?: number;
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

function transformFor(model: XgbModel, options: XgbStepOptions): MarginTransform {
  const { objective } = model;
  const k = model.numClass;
  const margin: TensorSpec = { name: 'margin', type: 'float32', shape: [-1, k] };
  if (CLASSIFIERS.has(objective)) {
    const width = k === 1 ? 2 : k;
    const classes = options.classes ?? Array.from({ length: width }, (_, i) => i);
    if (classes.length !== width) throw new Error(`XGBoost model has ${width} classes but ${classes.length} labels`);
    return {
      outputs: [
        { name: 'label', type: labelType(classes), shape: [-1] },
        { name: 'probabilities', type: 'float32', shape: [-1, width] },
        margin,
      ],
      hints: { task: 'classification', classes, labelOutput: 'label', probabilityOutput: 'probabilities' },
      apply(m, n) {
        const probs = new Float32Array(n * width);
        const labels = new Int32Array(n);
        for (let r = 0; r < n; r++) {
          if (k === 1) {
            const p = sigmoid(m[r]);
            probs[r * 2] = f32(1 - p);
            probs[r * 2 + 1] = p;
            labels[r] = p > 0.5 ? 1 : 0;
          } else {
            softmaxInto(m, r * k, k, probs);
            // multi:softmax predicts the first maximum of the margin; softprob's argmax of probabilities.
            const source = objective === 'multi:softmax' ? m : probs;
            let best = 0;
            for (let c = 1; c < k; c++) if (source[r * k + c] > source[r * k + best]) best = c;
            labels[r] = best;
          }
        }
        return { label: labelTensor(classes, labels), probabilities: makeTensor('float32', probs, [n, width]) };
      },
    };
  }
  const link = LOGISTIC.has(objective) ? sigmoid : EXPONENTIAL.has(objective) ? (x: number) => f32(Math.exp(x)) : IDENTITY.has(objective) ? (x: number) => x : null;
  if (!link) throw new Error(`XGBoost objective '${objective}' is not supported`);
  return {
    outputs: [{ name: 'value', type: 'float32', shape: [-1, k] }, margin],
    hints: { task: 'regression', valueOutput: 'value' },
    apply(m, n) {
      const values = Float32Array.from(m.subarray(0, n * k), link);
      return { value: makeTensor('float32', values, [n, k]) };
    },
  };
}

/** The graph step for a model: the ensemble over float32 input, emitting the margin. */
export function xgboostStep(model: XgbModel, options: XgbStepOptions, input: Features, g: GraphBuilder): StepResult {
  const k = model.numClass;
  if (input.width !== model.numFeature) throw new Error(`the XGBoost model takes ${model.numFeature} features, the input has ${input.width}`);
  const perRound = model.numParallelTree * k;
  const limit = options.rounds === undefined ? model.trees.length : Math.min(model.trees.length, options.rounds * perRound);
  const entries: TargetTree[] = [];
  const seen = new Set<number>();
  for (let t = 0; t < limit; t++) {
    const tree = model.trees[t];
    const target = model.treeInfo[t];
    const weight = model.treeWeights?.[t] ?? 1;
    const first = !seen.has(target);
    seen.add(target);
    const base = model.baseMargin[target] ?? 0;
    entries.push({
      tree: { left: tree.left, right: tree.right, feature: tree.splitIndex, threshold: tree.splitCondition, missingLeft: tree.defaultLeft },
      target,
      leafWeight: (node) => {
        const leaf = weight === 1 ? tree.splitCondition[node] : f32(tree.splitCondition[node] * weight);
        return first ? f32(base + leaf) : leaf;
      },
    });
  }
  // A class with no trees still has its base margin: a one-leaf tree carries it.
  for (let c = 0; c < k; c++) {
    if (!seen.has(c)) entries.push({ tree: { left: [-1], right: [-1], feature: [0], threshold: [0] }, target: c, leafWeight: () => model.baseMargin[c] ?? 0 });
  }
  const x = input.type === 'float32' ? input.name : g.op('Cast', [input.name], { to: { int: 1 } });
  const margin = treeEnsemble(g, x, entries, { nTargets: k, nFeatures: model.numFeature, mode: 'LT', type: 'float32' });
  return { kind: 'margin', margin, targets: k, transform: transformFor(model, options) };
}
