// Explanations as clients read them: per row the base value, one named contribution per feature sorted by
// magnitude, and the margin they add up to; per class where a model explains several classes; on request the SHAP
// interaction values by feature pair.
import { invalidInput } from '../errors.js';
import type { Signature } from '../signature/signature.js';
import type { Explainer } from './explainer.js';

export interface FeatureContribution {
  feature: string;
  value: number;
}

export interface OutputExplanation {
  class?: string | number;
  base_value: number;
  contributions: FeatureContribution[];
  margin: number;
  /**
   * interactions[a][b]: the interaction of features a and b (a's own effect where a = b), symmetric to float32
   * rounding; with base_value they add up to the margin (the bias row and column are zero but for the base value,
   * so they are left out).
   */
  interactions?: Record<string, Record<string, number>>;
}

/** `?interactions=true` (or 1) on an explain route asks for SHAP interaction values. */
export function interactionsRequested(query: unknown): boolean {
  const value = typeof query === 'object' && query !== null ? (query as Record<string, unknown>).interactions : undefined;
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw invalidInput('interactions', 'must be true or false');
}

/** One row: a single explanation, or a list with one per class. */
export type RowExplanation = OutputExplanation | OutputExplanation[];

/** The name of each explained feature, from the signature's features (else the input's name, or f<column>). */
export function featureNamesOf(signature: Signature, explainer: Explainer): string[] {
  return explainer.features.map(({ input, column }) => {
    const named = signature.features?.find((f) => f.input === input && f.column === column);
    return named?.name ?? (column === null ? input : `f${column}`);
  });
}

function classLabel(signature: Signature, index: number | null): string | number | undefined {
  if (index === null) return undefined;
  return signature.labels?.[index] ?? signature.classValues?.[index] ?? index;
}

function interactionsOf(names: readonly string[], values: Float64Array, at: number): Record<string, Record<string, number>> {
  const stride = names.length + 1;
  return Object.fromEntries(names.map((a, i) => [a, Object.fromEntries(names.map((b, j) => [b, values[at + i * stride + j]]))]));
}

export function presentExplanations(signature: Signature, explainer: Explainer, contributions: Float64Array, rows: number, interactions?: Float64Array): RowExplanation[] {
  const names = featureNamesOf(signature, explainer);
  const width = explainer.width;
  const outputs = explainer.classes.length;
  const stride = width + 1;
  return Array.from({ length: rows }, (_, r) => {
    const perOutput = explainer.classes.map((classIndex, k): OutputExplanation => {
      const at = (r * outputs + k) * stride;
      const base = contributions[at + width];
      let margin = base;
      const items: FeatureContribution[] = [];
      for (let j = 0; j < width; j++) {
        const value = contributions[at + j];
        margin += value;
        items.push({ feature: names[j], value });
      }
      items.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
      const label = classLabel(signature, classIndex);
      return {
        ...(label !== undefined ? { class: label } : {}),
        base_value: base,
        contributions: items,
        margin,
        ...(interactions ? { interactions: interactionsOf(names, interactions, (r * outputs + k) * stride * stride) } : {}),
      };
    });
    return perOutput.length === 1 ? perOutput[0] : perOutput;
  });
}
