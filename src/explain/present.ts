// Explanations as clients read them: per row the base value, one named contribution per feature sorted by
// magnitude, and the margin they add up to; per class where a model explains several classes.
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
}

/** One row: a single explanation, or a list with one per class. */
export type RowExplanation = OutputExplanation | OutputExplanation[];

/** The name of each column of the explainer's input, from the signature's features. */
export function featureNamesOf(signature: Signature, explainer: Explainer): string[] {
  const names = Array.from({ length: explainer.width }, (_, j) => `f${j}`);
  for (const f of signature.features ?? []) {
    if (f.input === explainer.input && f.column !== null && f.column < names.length) names[f.column] = f.name;
  }
  return names;
}

function classLabel(signature: Signature, index: number | null): string | number | undefined {
  if (index === null) return undefined;
  return signature.labels?.[index] ?? signature.classValues?.[index] ?? index;
}

export function presentExplanations(signature: Signature, explainer: Explainer, contributions: Float64Array, rows: number): RowExplanation[] {
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
      return { ...(label !== undefined ? { class: label } : {}), base_value: base, contributions: items, margin };
    });
    return perOutput.length === 1 ? perOutput[0] : perOutput;
  });
}
