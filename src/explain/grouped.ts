// An explainer of the encoded columns turned into one of the model's input features: each row encoded as the
// preprocessing encodes it, explained column by column, and the columns of each feature summed back into it.
import type { Encoding } from './encoding.js';
import type { Explainer, MatrixExplainer } from './explainer.js';

export function groupedExplainer(encoding: Encoding, inner: MatrixExplainer): Explainer {
  const { features, featureOf, width: encoded } = encoding;
  const width = features.length;
  const outputs = inner.classes.length;
  return {
    inputs: [...new Set(features.map((f) => f.input))],
    features,
    width,
    space: inner.space,
    classes: inner.classes,
    grouped: encoding.grouped,
    explain(feeds, rows) {
      const columns = inner.explain(encoding.encode(feeds, rows), rows);
      const out = new Float64Array(rows * outputs * (width + 1));
      for (let i = 0; i < rows * outputs; i++) {
        const from = i * (encoded + 1);
        const into = i * (width + 1);
        for (let c = 0; c < encoded; c++) out[into + featureOf[c]] += columns[from + c];
        out[into + width] = columns[from + encoded];
      }
      return out;
    },
  };
}
