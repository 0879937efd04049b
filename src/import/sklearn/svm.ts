// Support vector machines: libsvm's SVC, NuSVC, SVR and NuSVR as libsvm's svm_predict_values computes them
// (kernel against every support vector, one decision value per pair of classes, one-vs-one votes with ties to
// the lowest class), and liblinear's LinearSVC and LinearSVR as plain linear decision functions.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyObject } from '../pickle/values.js';
import { array, attr, classesOf, ConversionError, inputWidth, numberAttr, optionalArray, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { affine, axes, binaryDecision, f64, reduceSum, transpose } from './graph-ops.js';
import { couplingStage } from './svm-probability.js';

/** Classes of every pair (i, j), i < j, in libsvm's order. */
function classPairs(nClasses: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < nClasses; i++) for (let j = i + 1; j < nClasses; j++) pairs.push([i, j]);
  return pairs;
}

/** The largest sparse matrix made dense (80 MB of float64). */
const MAX_DENSE_VALUES = 10_000_000;

interface Matrix {
  values: Float64Array;
  rows: number;
  cols: number;
}

/**
 * A 2-D attribute as dense row-major values: a numpy array, or a scipy CSR matrix, which is how an SVM fitted on
 * sparse input keeps its support vectors and dual coefficients. The kernels are the same sums either way
 * (a term where one side is absent is x·0 or (x - 0)²).
 */
function denseMatrix(estimator: PyObject, name: string): Matrix {
  const value = attr(estimator, name);
  if (value instanceof NdArray && value.shape.length === 2) return { values: value.numbers(), rows: value.shape[0], cols: value.shape[1] };
  if (value instanceof PyObject && /^csr_(matrix|array)$/.test(shortName(value))) {
    const shape = value.get('_shape');
    const [data, indices, indptr] = ['data', 'indices', 'indptr'].map((part) => value.get(part));
    if (Array.isArray(shape) && data instanceof NdArray && indices instanceof NdArray && indptr instanceof NdArray) {
      const [rows, cols] = shape.map(Number);
      if (rows * cols > MAX_DENSE_VALUES) {
        throw new ConversionError(`${shortName(estimator)}: ${name} is a sparse ${rows}×${cols} matrix, too large to serve (at most ${MAX_DENSE_VALUES} values)`);
      }
      const values = new Float64Array(rows * cols);
      const [d, j, p] = [data.numbers(), indices.numbers(), indptr.numbers()];
      for (let r = 0; r < rows; r++) for (let k = p[r]; k < p[r + 1]; k++) values[r * cols + j[k]] += d[k];
      return { values, rows, cols };
    }
  }
  throw new ConversionError(`${shortName(estimator)}: attribute '${name}' is missing or not a matrix (is the estimator fitted?)`);
}

function supportVectors(estimator: PyObject, input: Features): Matrix {
  const sv = denseMatrix(estimator, 'support_vectors_');
  if (sv.cols !== input.width) {
    throw new ConversionError(`${shortName(estimator)}: support vectors have ${sv.cols} features, the input ${input.width}`);
  }
  return sv;
}

/** libsvm's powi: exponentiation by squaring, multiplication for multiplication. */
function powi(g: GraphBuilder, base: string, times: number): string {
  let result: string | null = null;
  let square = base;
  for (let t = times; t > 0; t = Math.floor(t / 2)) {
    if (t % 2 === 1) result = result ? g.op('Mul', [result, square]) : square;
    if (t > 1) square = g.op('Mul', [square, square]);
  }
  return result ?? g.op('Add', [g.op('Mul', [base, f64(g, 'zero', [0], [])]), f64(g, 'one', [1], [])]);
}

/** [N, l]: the kernel between each row and each support vector, as libsvm's Kernel::k_function. */
function kernelMatrix(estimator: PyObject, input: Features, g: GraphBuilder): { kernel: string; count: number } {
  const { values: sv, rows: count, cols: width } = supportVectors(estimator, input);
  const kind = attr(estimator, 'kernel');
  // gamma as a vector: onnxruntime fuses MatMul followed by Mul with a scalar into FusedMatMul, whose alpha is a
  // float32 attribute (gamma would lose half its digits). With one support vector there is no MatMul to fuse.
  const gamma = () => f64(g, 'gamma', new Array<number>(count).fill(numberAttr(estimator, '_gamma')), [count]);
  const coef0 = () => f64(g, 'coef0', [numberAttr(estimator, 'coef0')], []);
  const dot = () => (count === 1
    ? reduceSum(g, g.op('Mul', [input.name, f64(g, 'support_vector', sv, [1, width])]), 1)
    : g.op('MatMul', [input.name, f64(g, 'support_vectors_t', transpose(sv, count, width), [width, count])]));
  switch (kind) {
    case 'linear':
      return { kernel: dot(), count };
    case 'poly': {
      const degree = numberAttr(estimator, 'degree');
      if (!Number.isInteger(degree) || degree < 0) throw new ConversionError(`${shortName(estimator)}: degree must be a non-negative integer, not ${degree}`);
      return { kernel: powi(g, g.op('Add', [g.op('Mul', [gamma(), dot()]), coef0()]), degree), count };
    }
    case 'rbf': {
      // exp(-gamma * Σ (x - sv)²): libsvm squares the differences, it does not expand the norm.
      const diff = g.op('Sub', [g.op('Unsqueeze', [input.name, axes(g, 1)]), f64(g, 'support_vectors', sv, [count, width])]);
      const distance = reduceSum(g, g.op('Mul', [diff, diff]), 2, false);
      return { kernel: g.op('Exp', [g.op('Mul', [f64(g, 'minus_gamma', [-numberAttr(estimator, '_gamma')], []), distance])]), count };
    }
    case 'sigmoid':
      return { kernel: g.op('Tanh', [g.op('Add', [g.op('Mul', [gamma(), dot()]), coef0()])]), count };
    default:
      throw new ConversionError(`${shortName(estimator)}: kernel ${typeof kind === 'string' ? `'${kind}'` : 'given as a callable'} is not supported (linear, poly, rbf and sigmoid are)`);
  }
}

/** How many support vectors each class has: _n_support, or n_support_ in older pickles. */
function supportCounts(estimator: PyObject, nClasses: number, count: number): number[] {
  const counts = optionalArray(estimator, '_n_support') ?? array(estimator, 'n_support_');
  const n = Array.from(counts.numbers());
  if (n.length !== nClasses || n.reduce((a, b) => a + b, 0) !== count) {
    throw new ConversionError(`${shortName(estimator)}: _n_support [${n.join(', ')}] does not match ${count} support vectors of ${nClasses} classes`);
  }
  return n;
}

/**
 * [N, pairs]: libsvm's decision value of each pair (i, j), Σ coef · K over the support vectors of classes i and j,
 * minus rho (= plus _intercept_). A weight matrix with zeros for the other classes' support vectors gives the
 * same sums as libsvm's loops over the two blocks.
 */
function pairDecisions(estimator: PyObject, input: Features, g: GraphBuilder, nClasses: number): string {
  const { kernel, count } = kernelMatrix(estimator, input, g);
  const n = supportCounts(estimator, nClasses, count);
  const start = n.map((_, c) => n.slice(0, c).reduce((a, b) => a + b, 0));
  const dual = denseMatrix(estimator, '_dual_coef_');
  if (dual.rows !== nClasses - 1 || dual.cols !== count) {
    throw new ConversionError(`${shortName(estimator)}: _dual_coef_ has shape [${dual.rows}, ${dual.cols}], expected [${nClasses - 1}, ${count}]`);
  }
  const coef = dual.values;
  const pairs = classPairs(nClasses);
  const weights = new Float64Array(count * pairs.length);
  pairs.forEach(([i, j], p) => {
    for (let k = start[i]; k < start[i] + n[i]; k++) weights[k * pairs.length + p] = coef[(j - 1) * count + k];
    for (let k = start[j]; k < start[j] + n[j]; k++) weights[k * pairs.length + p] = coef[i * count + k];
  });
  const intercept = array(estimator, '_intercept_').numbers();
  if (intercept.length !== pairs.length) throw new ConversionError(`${shortName(estimator)}: _intercept_ has ${intercept.length} values for ${pairs.length} class pairs`);
  return affine(g, kernel, weights, count, pairs.length, intercept);
}

/** A [pairs, classes] 0/1 matrix that sends each pair's outcome to class i (first) or j. */
function pairToClass(pairs: [number, number][], nClasses: number, first: boolean): Float64Array {
  const m = new Float64Array(pairs.length * nClasses);
  pairs.forEach(([i, j], p) => { m[p * nClasses + (first ? i : j)] = 1; });
  return m;
}

/** libsvm's votes: pair (i, j) votes for i when its decision value is > 0, else for j. */
function votes(g: GraphBuilder, forFirst: string, pairs: [number, number][], nClasses: number): string {
  const toDouble = (b: string) => g.op('Cast', [b], { to: { int: 11 } });
  const first = affine(g, toDouble(forFirst), pairToClass(pairs, nClasses, true), pairs.length, nClasses, null);
  const second = affine(g, toDouble(g.op('Not', [forFirst])), pairToClass(pairs, nClasses, false), pairs.length, nClasses, null);
  return g.op('Add', [first, second]);
}

/**
 * scikit-learn's _ovr_decision_function(dec < 0, -dec, n): votes plus confidences summed pair by pair in order,
 * squashed into (-1/3, 1/3) by s / (3 (|s| + 1)).
 */
function ovrDecision(g: GraphBuilder, decisions: string, pairs: [number, number][], nClasses: number): string {
  const zero = f64(g, 'zero', [0], []);
  const counted = votes(g, g.op('Not', [g.op('Less', [decisions, zero])]), pairs, nClasses);
  const columns = g.node('Split', [decisions], pairs.length, { axis: { int: 1 }, num_outputs: { int: pairs.length } });
  // sum[i] -= -dec and sum[j] += -dec: a signed one-hot row keeps every other class's running sum unchanged.
  const terms = pairs.map(([i, j], p) => {
    const sign = new Float64Array(nClasses);
    sign[i] = 1;
    sign[j] = -1;
    return g.op('Mul', [columns[p], f64(g, 'pair_sign', sign, [nClasses])]);
  });
  const s = terms.reduce((sum, term) => g.op('Add', [sum, term]));
  const three = f64(g, 'three', [3], []);
  const squashed = g.op('Div', [s, g.op('Mul', [three, g.op('Add', [g.op('Abs', [s]), f64(g, 'one', [1], [])])])]);
  return g.op('Add', [counted, squashed]);
}

function libsvmClassifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = classesOf(estimator);
  const nClasses = classes.length;
  if (nClasses < 2) throw new ConversionError(`${shortName(estimator)}: needs at least two classes`);
  const decisions = pairDecisions(estimator, input, g, nClasses);
  const pairs = classPairs(nClasses);
  // predict: the votes (ties to the lowest class), or with break_ties the argmax of the one-vs-rest decision function.
  const shape = attr(estimator, 'decision_function_shape');
  if (attr(estimator, 'break_ties') === true && shape === 'ovo') {
    throw new ConversionError(`${shortName(estimator)}: break_ties=True needs decision_function_shape='ovr' (scikit-learn cannot predict with this model either)`);
  }
  const breakTies = attr(estimator, 'break_ties') === true && shape === 'ovr' && nClasses > 2;
  const decision = breakTies
    ? ovrDecision(g, decisions, pairs, nClasses)
    : votes(g, g.op('Greater', [decisions, f64(g, 'zero', [0], [])]), pairs, nClasses);
  const probA = optionalArray(estimator, '_probA') ?? optionalArray(estimator, 'probA_');
  const probB = optionalArray(estimator, '_probB') ?? optionalArray(estimator, 'probB_');
  const probabilistic = probA !== null && probB !== null && probA.size === pairs.length && probB.size === pairs.length;
  // Without probability=True there is no predict_proba: the label alone answers.
  if (!probabilistic) return { kind: 'classifier', decision, classes };
  return { kind: 'classifier', probabilityStage: couplingStage(decisions, probA.numbers(), probB.numbers(), nClasses), decision, classes };
}

function libsvmRegressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { kernel, count } = kernelMatrix(estimator, input, g);
  const dual = denseMatrix(estimator, '_dual_coef_');
  if (dual.values.length !== count) throw new ConversionError(`${shortName(estimator)}: _dual_coef_ has ${dual.values.length} values for ${count} support vectors`);
  const intercept = array(estimator, '_intercept_').numbers();
  return { kind: 'regressor', value: affine(g, kernel, dual.values, count, 1, intercept), targets: 1 };
}

/** X @ coef_.T + intercept_, as liblinear's models predict. */
function linearScores(estimator: PyObject, input: Features, g: GraphBuilder): { scores: string; outputs: number } {
  const coef = array(estimator, 'coef_');
  const outputs = coef.shape.length === 1 ? 1 : coef.shape[0];
  const width = coef.shape[coef.shape.length - 1];
  if (width !== input.width) throw new ConversionError(`${shortName(estimator)}: coef_ has ${width} features, the input ${input.width}`);
  const raw = attr(estimator, 'intercept_');
  // fit_intercept=False leaves intercept_ = 0.0, one number for every output.
  const intercept = raw instanceof NdArray ? raw.numbers() : typeof raw === 'number' ? new Array<number>(outputs).fill(raw) : null;
  if (!intercept || intercept.length !== outputs) throw new ConversionError(`${shortName(estimator)}: intercept_ does not match coef_`);
  return { scores: affine(g, input.name, transpose(coef.numbers(), outputs, width), width, outputs, intercept), outputs };
}

function linearSvc(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = classesOf(estimator);
  const { scores } = linearScores(estimator, input, g);
  const decision = classes.length === 2 ? binaryDecision(g, scores) : scores;
  // LinearSVC has no predict_proba: the label alone answers.
  return { kind: 'classifier', decision, classes };
}

function linearSvr(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { scores } = linearScores(estimator, input, g);
  return { kind: 'regressor', value: scores, targets: 1 };
}

const supportVectorWidth = (estimator: PyObject) => optionalArray(estimator, 'support_vectors_')?.shape[1] ?? inputWidth(estimator);

register({ classes: ['SVC', 'NuSVC'], inputWidth: supportVectorWidth, convert: libsvmClassifier });
register({ classes: ['SVR', 'NuSVR'], inputWidth: supportVectorWidth, convert: libsvmRegressor });
register({ classes: ['LinearSVC'], inputWidth, convert: linearSvc });
register({ classes: ['LinearSVR'], inputWidth, convert: linearSvr });
