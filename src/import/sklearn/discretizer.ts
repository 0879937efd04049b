// KBinsDiscretizer: bin = np.searchsorted(bin_edges_[j][1:-1], x, side='right'), i.e. the number of inner edges
// ≤ x, which is exact whichever strategy (uniform, quantile, kmeans) placed the edges; then ordinal bins or one-hot
// columns, n_bins_[j] per feature, as its OneHotEncoder lays them out.
import type { GraphBuilder } from '../../onnx/builder.js';
import { NdArray } from '../pickle/numpy.js';
import { PyClass } from '../pickle/unpickler.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, ConversionError, inputWidth } from './attrs.js';
import { register, type Features, type StepResult } from './converter.js';
import { axes, f64 } from './graph-ops.js';

function innerEdges(estimator: PyObject, width: number): Float64Array[] {
  const edges = array(estimator, 'bin_edges_').items();
  if (edges.length !== width) throw new ConversionError(`KBinsDiscretizer: bin_edges_ has ${edges.length} features, the input ${width}`);
  return edges.map((e) => {
    if (!(e instanceof NdArray)) throw new ConversionError('KBinsDiscretizer: bin_edges_ does not hold arrays');
    const all = e.numbers();
    return all.subarray(1, Math.max(1, all.length - 1));
  });
}

function kbins(estimator: PyObject, input: Features, g: GraphBuilder): StepResult {
  const edges = innerEdges(estimator, input.width);
  const nBins = array(estimator, 'n_bins_').numbers();
  let x = input.name;
  // dtype=np.float32 makes transform validate X to float32 first; the edges stay float64.
  const dtype = attr(estimator, 'dtype');
  if (dtype instanceof PyClass && dtype.name.endsWith('float32')) x = g.op('Cast', [g.op('Cast', [x], { to: { int: 1 } })], { to: { int: 11 } });
  // Edges padded with +inf (never ≤ a finite x) to one [F, K] table; count the edges ≤ x per feature.
  const k = Math.max(1, ...edges.map((e) => e.length));
  const table = new Float64Array(input.width * k).fill(Infinity);
  edges.forEach((e, j) => table.set(e, j * k));
  const column = g.op('Unsqueeze', [x, axes(g, 2)]);
  const below = g.op('LessOrEqual', [f64(g, 'edges', table, [input.width, k]), column]);
  const bins = g.op('ReduceSum', [g.op('Cast', [below], { to: { int: 11 } }), axes(g, 2)], { keepdims: { int: 0 } });
  const encode = attr(estimator, 'encode');
  if (encode === 'ordinal') return { kind: 'features', features: { name: bins, width: input.width, type: 'float64' } };
  if (encode !== 'onehot' && encode !== 'onehot-dense') throw new ConversionError(`KBinsDiscretizer: encode '${String(encode)}' is not supported`);
  // Output column c is 1 where feature featureOf[c] falls in bin binOf[c].
  const featureOf: number[] = [];
  const binOf: number[] = [];
  nBins.forEach((n, j) => { for (let b = 0; b < n; b++) { featureOf.push(j); binOf.push(b); } });
  const spread = g.op('Gather', [bins, g.constant('features', { type: 'int64', dims: [featureOf.length], values: featureOf })], { axis: { int: 1 } });
  const hot = g.op('Equal', [spread, f64(g, 'bins', binOf, [binOf.length])]);
  return { kind: 'features', features: { name: g.op('Cast', [hot], { to: { int: 11 } }), width: binOf.length, type: 'float64' } };
}

register({ classes: ['KBinsDiscretizer'], inputWidth, convert: kbins });
