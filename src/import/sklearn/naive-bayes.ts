// Naive Bayes (Gaussian, multinomial, Bernoulli, complement, categorical): the joint log-likelihood per class, then
// exp(jll - logsumexp(jll)) as predict_proba does.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, classesOf, ConversionError, inputWidth, optionalArray, shortName } from './attrs.js';
import { register, type ColumnFacts, type Features, type StepResult } from './converter.js';
import { affine, axes, f64, normalizedExp, reduceSum, transpose } from './graph-ops.js';
import { numpySum } from './numeric.js';

function result(g: GraphBuilder, jll: string, estimator: PyObject): StepResult {
  return { kind: 'classifier', probabilities: normalizedExp(g, jll), decision: jll, classes: classesOf(estimator) };
}

function checkWidth(estimator: PyObject, width: number, input: Features): void {
  if (width !== input.width) throw new ConversionError(`${shortName(estimator)}: fitted on ${width} features, the input has ${input.width}`);
}

function gaussian(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const theta = array(estimator, 'theta_');
  // var_ since scikit-learn 1.0; sigma_ before.
  const variance = optionalArray(estimator, 'var_') ?? array(estimator, 'sigma_');
  const prior = array(estimator, 'class_prior_').numbers();
  const [nClasses, width] = theta.shape;
  checkWidth(estimator, width, input);
  const v = variance.numbers();
  // log(prior_i) - 0.5 * sum(log(2π var_i)), summed as numpy sums a row.
  const constant = Float64Array.from({ length: nClasses }, (_, i) => {
    const logs = Float64Array.from({ length: width }, (_, j) => Math.log(2 * Math.PI * v[i * width + j]));
    return Math.log(prior[i]) + -0.5 * numpySum(logs);
  });
  const x = g.op('Unsqueeze', [input.name, axes(g, 1)]);
  const diff = g.op('Sub', [x, f64(g, 'theta', theta.numbers(), [nClasses, width])]);
  const scaled = g.op('Div', [g.op('Mul', [diff, diff]), f64(g, 'var', v, [nClasses, width])]);
  const distance = reduceSum(g, scaled, 2, false);
  const jll = g.op('Add', [f64(g, 'log_prior', constant, [nClasses]), g.op('Mul', [f64(g, 'minus_half', [-0.5], []), distance])]);
  return result(g, jll, estimator);
}

function multinomial(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const logProb = array(estimator, 'feature_log_prob_');
  const [nClasses, width] = logProb.shape;
  checkWidth(estimator, width, input);
  const jll = affine(g, input.name, transpose(logProb.numbers(), nClasses, width), width, nClasses, array(estimator, 'class_log_prior_').numbers());
  return result(g, jll, estimator);
}

function bernoulli(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const logProb = array(estimator, 'feature_log_prob_');
  const [nClasses, width] = logProb.shape;
  checkWidth(estimator, width, input);
  const flp = logProb.numbers();
  const negProb = flp.map((p) => Math.log(1 - Math.exp(p)));
  const weights = flp.map((p, i) => p - negProb[i]);
  const prior = array(estimator, 'class_log_prior_').numbers();
  const bias = Float64Array.from({ length: nClasses }, (_, c) => prior[c] + numpySum(negProb, c * width, width));
  let x = input.name;
  const threshold = attr(estimator, 'binarize');
  if (typeof threshold === 'number') {
    // binarize(): 1 where x > threshold, else 0.
    x = g.op('Cast', [g.op('Greater', [x, f64(g, 'threshold', [threshold], [])])], { to: { int: 11 } });
  }
  return result(g, affine(g, x, transpose(weights, nClasses, width), width, nClasses, bias), estimator);
}

/** X @ feature_log_prob_.T, plus the class prior only when there is a single class. */
function complement(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const logProb = array(estimator, 'feature_log_prob_');
  const [nClasses, width] = logProb.shape;
  checkWidth(estimator, width, input);
  const prior = nClasses === 1 ? array(estimator, 'class_log_prior_').numbers() : null;
  return result(g, affine(g, input.name, transpose(logProb.numbers(), nClasses, width), width, nClasses, prior), estimator);
}

/** feature_log_prob_: one [classes, categories] table per feature. */
function categoryTables(estimator: PyObject): NdArray[] {
  const tables = attr(estimator, 'feature_log_prob_');
  if (!Array.isArray(tables) || !tables.every((t) => t instanceof NdArray && t.shape.length === 2)) {
    throw new ConversionError(`${shortName(estimator)}: feature_log_prob_ is missing or not a list of arrays (is it fitted?)`);
  }
  return tables as NdArray[];
}

/**
 * Σ_i feature_log_prob_[i][:, x_i] over features in order, then + class_log_prior_. Inputs are category indices;
 * scikit-learn refuses negative values and fails on an index past the categories it knows, so those are closed sets.
 */
function categorical(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const tables = categoryTables(estimator);
  checkWidth(estimator, tables.length, input);
  let jll: string | null = null;
  tables.forEach((table, i) => {
    const [nClasses, nCategories] = table.shape;
    const column = g.op('Gather', [input.name, g.constant('feature', { type: 'int64', dims: [], values: [i] })], { axis: { int: 1 } });
    const index = g.op('Cast', [column], { to: { int: 7 } });
    const byCategory = f64(g, `log_prob_${i}`, transpose(table.numbers(), nClasses, nCategories), [nCategories, nClasses]);
    const term = g.op('Gather', [byCategory, index], { axis: { int: 0 } });
    jll = jll ? g.op('Add', [jll, term]) : term;
  });
  const prior = array(estimator, 'class_log_prior_').numbers();
  return result(g, g.op('Add', [jll!, f64(g, 'log_prior', prior, [prior.length])]), estimator);
}

function categoricalFacts(estimator: PyObject): ColumnFacts[] {
  return categoryTables(estimator).map((t) => ({
    kind: 'number',
    categories: Array.from({ length: t.shape[1] }, (_, c) => c),
    closed: true,
  }));
}

register({ classes: ['GaussianNB'], inputWidth: (e) => array(e, 'theta_').shape[1], convert: gaussian });
register({ classes: ['MultinomialNB'], inputWidth, convert: multinomial });
register({ classes: ['BernoulliNB'], inputWidth, convert: bernoulli });

register({ classes: ['ComplementNB'], inputWidth, convert: complement });
register({ classes: ['CategoricalNB'], inputWidth: (e) => categoryTables(e).length, columnFacts: categoricalFacts, convert: categorical });
