// A composed graph → a runner: the TypeScript text stage in front of the ONNX session; after it, the margin
// transform (XGBoost's objectives) or the probability stage (libsvm's coupling).
import { OnnxRunner, type SessionTuning } from '../runtime/onnx-runner.js';
import { StagedRunner, type Feeds, type TensorSpec } from '../runtime/runner.js';
import { makeTensor } from '../tensor.js';
import type { ImportedModel } from './artifact.js';
import { GRAPH_INPUT, PROBABILITY_INPUTS, type ComposedGraph } from './sklearn/compose.js';
import { densify } from './sklearn/text.js';

export async function runnerFor(composed: ComposedGraph, tuning: SessionTuning): Promise<ImportedModel> {
  const graph = await OnnxRunner.create(composed.onnx, tuning);
  const { textStage: stage, marginTransform: transform, probabilityStage: probability } = composed;
  if (!stage && !transform && !probability) return { runner: graph, hints: composed.hints, onnx: composed.onnx };

  let inputs: readonly TensorSpec[] = graph.inputs;
  let pre: ((feeds: Feeds) => Feeds) | null = null;
  if (stage) {
    const inputName = stage.input === 'text' ? 'text' : GRAPH_INPUT;
    inputs = stage.input === 'text'
      ? [{ name: inputName, type: 'string', shape: [-1] }]
      : [{ name: inputName, type: 'float64', shape: [-1, stage.inputWidth] }];
    pre = (feeds) => {
      const t = feeds[inputName];
      const n = t.dims[0];
      const rows = stage.rows(t.data as string[] | Float64Array, n);
      return { [GRAPH_INPUT]: makeTensor('float64', densify(rows, stage.width), [n, stage.width]) };
    };
  }
  let outputs: readonly TensorSpec[] = graph.outputs;
  let post: ((out: Feeds) => Feeds) | null = null;
  if (transform) {
    outputs = transform.outputs;
    post = (out) => {
      const margin = out.margin;
      return { ...transform.apply(margin.data as Float32Array, margin.dims[0]), margin };
    };
  } else if (probability) {
    outputs = [...graph.outputs.filter((o) => o.name !== PROBABILITY_INPUTS), { name: 'probabilities', type: 'float64', shape: [-1, probability.classes] }];
    post = ({ [PROBABILITY_INPUTS]: values, ...rest }) => {
      const rows = values.dims[0];
      const p = probability.compute(values.data as Float64Array, rows);
      return { ...rest, probabilities: makeTensor('float64', p, [rows, probability.classes]) };
    };
  }
  return { runner: new StagedRunner(graph, inputs, outputs, pre, post), hints: composed.hints, onnx: composed.onnx };
}
