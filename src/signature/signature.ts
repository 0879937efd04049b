// A model's signature: what it takes (named features), what it returns, and how to read its outputs.
// Everything after loading speaks only the runner and this signature.
import type { Manifest, ManifestInput } from '../repository/manifest.js';
import type { TensorSpec } from '../runtime/runner.js';
import type { ElementType } from '../tensor.js';

/**
 * How a missing value (null in JSON, an empty CSV field) travels in a string tensor: U+FDD0 is a Unicode
 * noncharacter, reserved for a program's internal use, so no real text holds it; the codecs refuse it from clients.
 * Graphs treat it as NaN is treated in numeric columns (imputed, or an encoder's NaN/None category).
 */
export const MISSING_STRING = '\uFDD0';

export type Task = 'classification' | 'regression' | 'other';

export interface Feature {
  name: string;
  /** What a request must send: the manifest may be stricter than the tensor (an int fed as float). */
  type: ElementType;
  /** The tensor this feature feeds and its column there (null: the whole [N] or [N, 1] tensor). */
  input: string;
  column: number | null;
  /** A null or NaN is a missing value the model handles (XGBoost's default directions). */
  allowMissing: boolean;
  description?: string;
  min?: number;
  max?: number;
  categories?: (string | number)[];
  /** Values outside `categories` are refused (the encoder raises on unknown categories). */
  categoriesOnly?: boolean;
}

export interface Signature {
  task: Task;
  description?: string;
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
  /** Named features for row-oriented requests; null when the inputs are not a table (images, sequences). */
  features: Feature[] | null;
  /** Columns a request may carry that the model does not read (dropped by a ColumnTransformer). */
  ignoredFeatures?: string[];
  /** Class values as the model knows them, and the labels shown for them. */
  classValues: (string | number)[] | null;
  labels: string[] | null;
  labelOutput: string | null;
  probabilityOutput: string | null;
  valueOutput: string | null;
  /** A classifier's one-number decision value shown beside its label (an outlier score). */
  scoreOutput: string | null;
  /** What the importer decided that a client should know (e.g. the XGBoost boosting rounds used). */
  info?: Record<string, string | number>;
}

/** What an importer knows beyond the graph: sklearn's feature_names_in_ and classes_, XGBoost's feature names. */
export interface ArtifactHints {
  estimator?: string;
  featureNames?: string[];
  classes?: (string | number)[];
  task?: Task;
  /** Per feature, in feature order: what the fitted steps accept. */
  features?: FeatureHint[];
  ignoredFeatures?: string[];
  labelOutput?: string;
  probabilityOutput?: string;
  valueOutput?: string;
  scoreOutput?: string;
  info?: Record<string, string | number>;
}

export interface FeatureHint {
  /** A missing value (null, an empty CSV field) is accepted: imputed, a category, or handled by the model. */
  missing: boolean;
  categories?: (string | number)[];
  /** Values outside `categories` are an error. */
  closed?: boolean;
  description?: string;
}

const NUMERIC_ROW = new Set<ElementType>(['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool']);

function isColumn(spec: TensorSpec): boolean {
  return spec.shape.length === 1 || (spec.shape.length === 2 && spec.shape[1] === 1);
}

function deriveFeatures(inputs: readonly TensorSpec[], manifest: Manifest, hints: ArtifactHints): Feature[] | null {
  const declared = manifest.inputs;
  const first = inputs[0];
  if (inputs.length === 1 && first.shape.length === 2 && first.shape[1] > 1 && NUMERIC_ROW.has(first.type)) {
    const width = first.shape[1];
    if (declared && declared.length !== width) {
      throw new Error(`model.yaml lists ${declared.length} inputs but the model takes ${width} features`);
    }
    if (hints.featureNames && hints.featureNames.length !== width) {
      throw new Error(`the artifact names ${hints.featureNames.length} features but its input has ${width} columns`);
    }
    return Array.from({ length: width }, (_, column) => ({
      name: declared?.[column].name ?? hints.featureNames?.[column] ?? `f${column}`,
      type: declared?.[column].type ?? first.type,
      input: first.name,
      column,
      ...fromHint(hints.features?.[column]),
      ...extras(declared?.[column]),
    }));
  }
  if (inputs.every(isColumn)) {
    const names = inputs.length === 1 && hints.featureNames?.length === 1 ? hints.featureNames : inputs.map((i) => i.name);
    if (declared && declared.length !== inputs.length) {
      throw new Error(`model.yaml lists ${declared.length} inputs but the model takes ${inputs.length}`);
    }
    return inputs.map((spec, i) => ({
      name: declared?.[i].name ?? names[i],
      type: declared?.[i].type ?? spec.type,
      input: spec.name,
      column: null,
      ...fromHint(hints.features?.[i]),
      ...extras(declared?.[i]),
    }));
  }
  return null;
}

function fromHint(hint: FeatureHint | undefined): Pick<Feature, 'allowMissing' | 'categories' | 'categoriesOnly' | 'description'> {
  return {
    allowMissing: hint?.missing ?? false,
    ...(hint?.categories ? { categories: hint.categories } : {}),
    ...(hint?.closed ? { categoriesOnly: true } : {}),
    ...(hint?.description ? { description: hint.description } : {}),
  };
}

function extras(input: ManifestInput | undefined): Partial<Feature> {
  if (!input) return {};
  const { description, min, max, categories } = input;
  return Object.fromEntries(Object.entries({ description, min, max, categories }).filter(([, v]) => v !== undefined));
}

function findOutput(outputs: readonly TensorSpec[], pattern: RegExp, test: (s: TensorSpec) => boolean): string | null {
  return outputs.find((o) => pattern.test(o.name) && test(o))?.name ?? null;
}

const isFloat = (s: TensorSpec) => s.type === 'float32' || s.type === 'float64';

export function deriveSignature(
  inputs: readonly TensorSpec[],
  outputs: readonly TensorSpec[],
  manifest: Manifest,
  hints: ArtifactHints,
): Signature {
  const features = deriveFeatures(inputs, manifest, hints);
  let probabilityOutput = hints.probabilityOutput ?? findOutput(outputs, /prob/i, (s) => isFloat(s) && s.shape.length === 2);
  let labelOutput = hints.labelOutput ?? findOutput(outputs, /label|class/i, (s) => !isFloat(s));
  let valueOutput = hints.valueOutput ?? null;
  if (!probabilityOutput && !labelOutput && !valueOutput) {
    const floats = outputs.filter(isFloat);
    if (floats.length === 1) valueOutput = floats[0].name;
  }
  const task: Task = manifest.task ?? hints.task
    ?? (probabilityOutput || labelOutput ? 'classification' : valueOutput ? 'regression' : 'other');
  if (task !== 'classification') {
    probabilityOutput = null;
    labelOutput = null;
  }

  let classValues = hints.classes ?? null;
  if (!classValues && task === 'classification' && probabilityOutput) {
    const width = outputs.find((o) => o.name === probabilityOutput)?.shape[1] ?? -1;
    if (width > 0) classValues = Array.from({ length: width }, (_, i) => i);
  }
  let labels: string[] | null = null;
  if (classValues) {
    const names = manifest.labels ?? {};
    labels = classValues.map((value, i) => names[String(value)] ?? names[String(i)] ?? String(value));
  }
  return {
    task,
    ...(manifest.description ? { description: manifest.description } : {}),
    inputs,
    outputs,
    features,
    ...(features && hints.ignoredFeatures?.length ? { ignoredFeatures: hints.ignoredFeatures } : {}),
    classValues,
    labels,
    labelOutput,
    probabilityOutput,
    valueOutput,
    scoreOutput: task === 'classification' ? hints.scoreOutput ?? null : null,
    ...(hints.info ? { info: hints.info } : {}),
  };
}
