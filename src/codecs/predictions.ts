// Output tensors → the seed-style predictions: {label, probabilities} for a classifier, {value} for a regressor,
// and each output by name for anything else.
import type { Feeds } from '../runtime/runner.js';
import type { Signature } from '../signature/signature.js';
import { elementAt, type Tensor } from '../tensor.js';

export type Prediction = Record<string, unknown>;

/** The values of row r of a tensor: a scalar for [N] and [N, 1], an array for [N, K], nested beyond. */
function rowOf(tensor: Tensor, r: number): unknown {
  const dims = tensor.dims;
  const width = dims.slice(1).reduce((a, b) => a * b, 1);
  if (dims.length <= 1 || width === 1) return elementAt(tensor, r * width);
  const flat = Array.from({ length: width }, (_, i) => elementAt(tensor, r * width + i));
  if (dims.length === 2) return flat;
  const nest = (values: unknown[], shape: readonly number[]): unknown[] => {
    if (shape.length === 1) return values;
    const step = values.length / shape[0];
    return Array.from({ length: shape[0] }, (_, i) => nest(values.slice(i * step, (i + 1) * step), shape.slice(1)));
  };
  return nest(flat, dims.slice(1));
}

/** numpy's argmax rule: the first maximum wins. */
function argmax(values: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let i = 1; i < width; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

export class PredictionEncoder {
  private readonly indexOfClass: Map<string, number>;

  constructor(private readonly signature: Signature) {
    this.indexOfClass = new Map((signature.classValues ?? []).map((v, i) => [String(v), i]));
  }

  encode(outputs: Feeds, rows: number): Prediction[] {
    const s = this.signature;
    const predictions: Prediction[] = [];
    for (let r = 0; r < rows; r++) {
      if (s.task === 'classification') predictions.push(this.classification(outputs, r));
      else if (s.task === 'regression' && s.valueOutput) predictions.push({ value: rowOf(outputs[s.valueOutput], r) });
      else predictions.push(Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, rowOf(t, r)])));
    }
    return predictions;
  }

  private displayLabel(index: number): string | number {
    return this.signature.labels?.[index] ?? index;
  }

  /** A classifier's label for row r, as predictions show it (undefined when the model gives none). */
  label(outputs: Feeds, r: number): unknown {
    const s = this.signature;
    if (s.labelOutput && outputs[s.labelOutput]) {
      const raw = elementAt(outputs[s.labelOutput], r);
      const index = this.indexOfClass.get(String(raw));
      return index === undefined ? raw : this.displayLabel(index);
    }
    const probs = s.probabilityOutput ? outputs[s.probabilityOutput] : undefined;
    if (!probs) return undefined;
    const width = probs.dims[1];
    return this.displayLabel(argmax(probs.data as Float32Array, r * width, width));
  }

  private classification(outputs: Feeds, r: number): Prediction {
    const s = this.signature;
    const prediction: Prediction = {};
    const probs = s.probabilityOutput ? outputs[s.probabilityOutput] : undefined;
    const width = probs ? probs.dims[1] : 0;
    const label = this.label(outputs, r);
    if (label !== undefined) prediction.label = label;
    if (probs) {
      const data = probs.data as Float32Array | Float64Array;
      const map: Record<string, number> = {};
      for (let c = 0; c < width; c++) map[String(this.displayLabel(c))] = data[r * width + c];
      prediction.probabilities = map;
    }
    if (s.scoreOutput && outputs[s.scoreOutput]) prediction.score = elementAt(outputs[s.scoreOutput], r);
    return prediction;
  }
}
