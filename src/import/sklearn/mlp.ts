// Multi-layer perceptrons (MLPClassifier, MLPRegressor): scikit-learn's _forward_pass_fast, layer by layer.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import type { PyObject } from '../pickle/values.js';
import { attr, ConversionError, inputWidth, numberAttr, shortName } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { affine, axes, binaryProbabilities, reduceSum } from './graph-ops.js';
import { fittedClasses } from './labels.js';
import { expit, onnxExp } from './loss-links.js';

type Activation = (g: GraphBuilder, x: string) => string;

const ACTIVATIONS: Record<string, Activation> = {
  identity: (_g, x) => x,
  logistic: (g, x) => expit(g, x, onnxExp),
  tanh: (g, x) => g.op('Tanh', [x]),
  relu: (g, x) => g.op('Relu', [x]),
  exp: onnxExp,
  // X - max, exp, then divided by the row sum, in that order.
  softmax: (g, x) => {
    const e = g.op('Exp', [g.op('Sub', [x, g.op('ReduceMax', [x, axes(g, 1)], { keepdims: { int: 1 } })])]);
    return g.op('Div', [e, reduceSum(g, e, 1)]);
  },
};

function activation(estimator: PyObject, name: string): Activation {
  const value = attr(estimator, name);
  const f = typeof value === 'string' ? ACTIVATIONS[value] : undefined;
  if (!f) throw new ConversionError(`${shortName(estimator)}: ${name} '${String(value)}' is not supported`);
  return f;
}

function layers(estimator: PyObject): { weights: NdArray; biases: NdArray }[] {
  const coefs = attr(estimator, 'coefs_');
  const intercepts = attr(estimator, 'intercepts_');
  if (!Array.isArray(coefs) || !Array.isArray(intercepts) || coefs.length !== intercepts.length || coefs.length === 0) {
    throw new ConversionError(`${shortName(estimator)}: coefs_ and intercepts_ are missing (is the estimator fitted?)`);
  }
  return coefs.map((w, i) => {
    const b = intercepts[i];
    if (!(w instanceof NdArray) || !(b instanceof NdArray) || w.shape.length !== 2 || b.size !== w.shape[1]) {
      throw new ConversionError(`${shortName(estimator)}: layer ${i} has malformed weights`);
    }
    return { weights: w, biases: b };
  });
}

/** The output layer's activations, [N, n_outputs_]. */
function forwardPass(estimator: PyObject, input: Features, g: GraphBuilder): { output: string; width: number } {
  const hidden = activation(estimator, 'activation');
  const out = activation(estimator, 'out_activation_');
  const all = layers(estimator);
  let x = input.name;
  let width = input.width;
  all.forEach(({ weights, biases }, i) => {
    const [rows, cols] = weights.shape;
    if (rows !== width) throw new ConversionError(`${shortName(estimator)}: layer ${i} takes ${rows} inputs, it is given ${width}`);
    x = affine(g, x, weights.numbers(), rows, cols, biases.numbers());
    x = i === all.length - 1 ? out(g, x) : hidden(g, x);
    width = cols;
  });
  return { output: x, width };
}

function classifier(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const classes = fittedClasses(estimator);
  const { output, width } = forwardPass(estimator, input, g);
  if (width === 1 && classes.length === 2) {
    // predict: p > 0.5, which is argmax([1 - p, p]) with the first maximum on a tie.
    const probabilities = binaryProbabilities(g, output);
    return { kind: 'classifier', probabilities, decision: probabilities, classes };
  }
  if (width !== classes.length || attr(estimator, 'out_activation_') !== 'softmax') {
    throw new ConversionError(`${shortName(estimator)}: multilabel classification is not supported`);
  }
  return { kind: 'classifier', probabilities: output, decision: output, classes };
}

function regressor(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const { output, width } = forwardPass(estimator, input, g);
  if (width !== numberAttr(estimator, 'n_outputs_')) throw new ConversionError(`${shortName(estimator)}: n_outputs_ does not match its last layer`);
  return { kind: 'regressor', value: output, targets: width };
}

/** n_features_in_, or the first layer's width in versions before it. */
function mlpInputWidth(estimator: PyObject): number {
  return estimator.has('n_features_in_') ? inputWidth(estimator) : layers(estimator)[0].weights.shape[0];
}

register({ classes: ['MLPClassifier'], inputWidth: mlpInputWidth, convert: classifier });
register({ classes: ['MLPRegressor'], inputWidth: mlpInputWidth, convert: regressor });
