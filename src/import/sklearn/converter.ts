// The converter registry: one file per estimator family registers here, so adding an estimator is one new file.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { Feeds, TensorSpec } from '../../runtime/runner.js';
import type { ArtifactHints } from '../../signature/signature.js';
import type { PyObject } from '../pickle/values.js';
import { ConversionError, shortName } from './attrs.js';

/** A [N, width] value in the graph: float64 for scikit-learn, float32 where a model starts from float input. */
export interface Features {
  name: string;
  width: number;
  type: 'float32' | 'float64';
}

/** A transform of the graph's margin output run in TypeScript, where ONNX ops would not match bit for bit. */
export interface MarginTransform {
  outputs: TensorSpec[];
  hints: ArtifactHints;
  apply(margin: Float32Array, rows: number): Feeds;
}

export type StepResult =
  | { kind: 'features'; features: Features }
  /** `decision` is what predict() takes the argmax of: probabilities, or the decision function where they differ. */
  | { kind: 'classifier'; probabilities: string; decision: string; classes: (string | number)[] }
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
    throw new ConversionError(`${estimator.className} is not supported; supported estimators: ${supportedEstimators().join(', ')}`);
  }
  return converter;
}

export function supportedEstimators(): string[] {
  return [...converters.keys()].sort();
}

export function isRegistered(name: string): boolean {
  return converters.has(name);
}
