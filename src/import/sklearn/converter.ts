// The converter registry: one file per estimator family registers here, so adding an estimator is one new file.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { ConversionError, shortName } from './attrs.js';

/** A float64 [N, width] value in the graph. */
export interface Features {
  name: string;
  width: number;
}

export type StepResult =
  | { kind: 'features'; features: Features }
  /** `decision` is what predict() takes the argmax of: probabilities, or the decision function where they differ. */
  | { kind: 'classifier'; probabilities: string; decision: string; classes: (string | number)[] }
  | { kind: 'regressor'; value: string; targets: number };

export interface Converter {
  /** scikit-learn class names this converter handles (module paths move between versions; names do not). */
  readonly classes: readonly string[];
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
