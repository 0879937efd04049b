// The converter registry: one file per estimator family registers here, so adding an estimator is one new file.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { Feeds, TensorSpec } from '../../runtime/runner.js';
import type { ArtifactHints } from '../../signature/signature.js';
import type { PyObject } from '../pickle/values.js';
import { ConversionError, shortName } from './attrs.js';

/** One [N, 1] column of a table given to the graph column by column (a DataFrame with string columns). */
export interface Column {
  name: string;
  type: 'float64' | 'string';
}

/**
 * A [N, width] value in the graph: float64 for scikit-learn, float32 where a model starts from float input,
 * string for string columns (only converters that declare `acceptsStrings` are given those).
 * `columns` is set when the features are columns of the input table; when they differ in type, `name` is ''
 * and the columns must be read one by one (see columnOf).
 */
export interface Features {
  name: string;
  width: number;
  type: 'float32' | 'float64' | 'string';
  columns?: readonly Column[];
}

/** What a fitted step knows about one of its input columns, for the signature and the request codecs. */
export interface ColumnFacts {
  /** What the column holds: decided by the fitted encoder's categories or imputer's statistics. */
  kind?: 'number' | 'string';
  /** A missing value (NaN, None) is meaningful here: imputed, or a category. */
  missing?: boolean;
  /** The categories the step knows, missing ones excluded. */
  categories?: (string | number)[];
  /** Values outside `categories` are an error (handle_unknown='error'): requests with them get a 400. */
  closed?: boolean;
  /** The column keeps its place in this step's output, a missing value filled in or left missing: whether a missing
   *  value is accepted is up to the next step (its facts about this column apply). */
  passes?: boolean;
  /** With `passes`: values other than missing ones leave unchanged (an imputer), so the next step's kind and
   *  categories describe this column too. */
  keepsValues?: boolean;
  /** The column reaches a ColumnTransformer's output with its missing values (passthrough, a scaler): they are
   *  accepted when the final model takes missing values. */
  forwarded?: boolean;
  /** No step reads the column (a ColumnTransformer drops it). */
  unused?: boolean;
  /** What a client must know to send this column (shown in the signature unless model.yaml describes it). */
  description?: string;
}

/**
 * Probabilities computed in TypeScript from a float64 [N, width] graph value, where the graph would need a loop
 * that stops when each row converges (libsvm's pairwise coupling).
 */
export interface ProbabilityStage {
  input: string;
  width: number;
  classes: number;
  compute(values: Float64Array, rows: number): Float64Array;
}

/** A transform of the graph's margin output run in TypeScript, where ONNX ops would not match bit for bit. */
export interface MarginTransform {
  outputs: TensorSpec[];
  hints: ArtifactHints;
  apply(margin: Float32Array, rows: number): Feeds;
}

export type StepResult =
  | { kind: 'features'; features: Features }
  /**
   * `decision` is what predict() takes the argmax of: probabilities, or the decision function where they differ.
   * `probabilities` is absent for classifiers without predict_proba (hinge SGD, Perceptron, hard voting, …): a
   * made-up certainty would mislead. `score` [N, 1] is a one-number decision value shown beside the label
   * (IsolationForest's decision_function).
   */
  | { kind: 'classifier'; probabilities?: string; decision: string; classes: (string | number)[]; score?: string; probabilityStage?: ProbabilityStage }
  | { kind: 'regressor'; value: string; targets: number }
  /** A float32 margin [N, targets] whose transform runs after the graph (XGBoost). */
  | { kind: 'margin'; margin: string; targets: number; transform: MarginTransform };

export interface Converter {
  /** scikit-learn class names this converter handles (module paths move between versions; names do not). */
  readonly classes: readonly string[];
  /** Takes float32 input as it is; every other converter is given float64. */
  acceptsFloat32?: boolean;
  /** Missing values (NaN) are meaningful input, not an error. */
  handlesMissing?: boolean;
  /** Takes string features (encoders, imputers). */
  acceptsStrings?: boolean;
  /** Facts about each input column, indexed by column. */
  columnFacts?(estimator: PyObject): ColumnFacts[];
  /** Feature names the estimator carries beyond feature_names_in_. */
  featureNames?(estimator: PyObject): string[] | undefined;
  /** The number of input columns the fitted estimator expects. */
  inputWidth(estimator: PyObject): number;
  convert(estimator: PyObject, input: Features, g: GraphBuilder): StepResult;
}

const converters = new Map<string, Converter>();

export function register(converter: Converter): void {
  for (const name of converter.classes) converters.set(name, converter);
}

export function converterFor(estimator: PyObject): Converter {
  const converter = converters.get(shortName(estimator));
  if (!converter) {
    throw new ConversionError(`${estimator.className} is not supported (\`modelport inspect --supported\` lists what is)`);
  }
  return converter;
}

export function supportedEstimators(): string[] {
  return [...converters.keys()].sort();
}

export function isRegistered(name: string): boolean {
  return converters.has(name);
}
