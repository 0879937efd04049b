// Small ONNX models built in the tests themselves, standing in for files exported by skl2onnx.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GraphBuilder, ML_DOMAIN } from '../../src/onnx/builder.js';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';

export const IRIS_LABELS = ['setosa', 'versicolor', 'virginica'];

/** Softmax-linear classifier over 4 features ending in a ZipMap with string labels, as skl2onnx exports. */
export function zipmapClassifier(): Uint8Array {
  const g = new GraphBuilder('iris').opset(ML_DOMAIN, 1);
  g.input('float_input', 'float32', ['N', 4]);
  // Petal length decides: class scores are linear in feature 2 so each class wins a range.
  const coefficients = [0, 0, -3, 0, 0, 0, 0, 0, 0, 0, 3, 0];
  const [label, scores] = g.node('LinearClassifier', ['float_input'], ['output_label', 'probabilities'], {
    coefficients: { floats: coefficients },
    intercepts: { floats: [9, 0, -9] },
    classlabels_strings: { strings: IRIS_LABELS },
    post_transform: { string: 'SOFTMAX' },
  }, ML_DOMAIN);
  g.node('ZipMap', [scores], ['output_probability'], { classlabels_strings: { strings: IRIS_LABELS } }, ML_DOMAIN);
  g.output(label, 'string', ['N']);
  g.output('output_probability', 'float32', ['N', 3]);
  // ZipMap's output is a sequence of maps, not a tensor: fix the declared type as skl2onnx writes it.
  const model = decodeModel(g.build());
  const out = model.graph!.output!.find((o) => o.name === 'output_probability')!;
  out.type = { sequenceType: { elemType: { mapType: { keyType: 8, valueType: { tensorType: { elemType: 1 } } } } } };
  return encodeModel(model);
}

/** y = x · [1, 2, 3] + 0.5 over float32 [N, 3]; output 'variable' [N, 1] as skl2onnx names it. */
export function linearRegressor(): Uint8Array {
  const g = new GraphBuilder('reg');
  g.input('float_input', 'float32', ['N', 3]);
  const w = g.constant('w', { type: 'float32', dims: [3, 1], values: [1, 2, 3] });
  const b = g.constant('b', { type: 'float32', dims: [1], values: [0.5] });
  const mm = g.op('MatMul', ['float_input', w]);
  g.op('Add', [mm, b], {}, '', 'variable');
  g.output('variable', 'float32', ['N', 1]);
  return g.build();
}

/** Doubles a float64 [N, 2] input; a regressor on double precision. */
export function doubleModel(): Uint8Array {
  const g = new GraphBuilder('double');
  g.input('x', 'float64', ['N', 2]);
  const two = g.constant('two', { type: 'float64', dims: [], values: [2] });
  const y = g.op('Mul', ['x', two]);
  const s = g.op('ReduceSum', [y, g.constant('axes', { type: 'int64', dims: [1], values: [1] })], { keepdims: { int: 1 } });
  g.op('Identity', [s], {}, '', 'value');
  g.output('value', 'float64', ['N', 1]);
  return g.build();
}

/** Two named inputs, a string colour [N, 1] and an int64 count [N, 1]: label-encodes the colour and adds. */
export function stringInputModel(): Uint8Array {
  const g = new GraphBuilder('strings').opset(ML_DOMAIN, 2);
  g.input('colour', 'string', ['N', 1]);
  g.input('count', 'int64', ['N', 1]);
  const code = g.op('LabelEncoder', ['colour'], {
    keys_strings: { strings: ['red', 'green', 'blue'] },
    values_int64s: { ints: [100, 200, 300] },
    default_int64: { int: -1 },
  }, ML_DOMAIN);
  g.op('Add', [code, 'count'], {}, '', 'score');
  g.output('score', 'int64', ['N', 1]);
  return g.build();
}

/** An int32 [N, 1] count and a bool [N, 1] flag: score = count * 10 + flag, as float64 [N, 1]. */
export function intBoolModel(): Uint8Array {
  const g = new GraphBuilder('intbool');
  g.input('count', 'int32', ['N', 1]);
  g.input('flag', 'bool', ['N', 1]);
  const count = g.op('Cast', ['count'], { to: { int: 11 } });
  const flag = g.op('Cast', ['flag'], { to: { int: 11 } });
  const ten = g.constant('ten', { type: 'float64', dims: [], values: [10] });
  g.op('Add', [g.op('Mul', [count, ten]), flag], {}, '', 'score');
  g.output('score', 'float64', ['N', 1]);
  return g.build();
}

/** y = k · x over float64 [N, 1]: each model answers with its own k. */
export function scaleModel(k: number): Uint8Array {
  const g = new GraphBuilder('scale');
  g.input('x', 'float64', ['N', 1]);
  g.op('Mul', ['x', g.constant('k', { type: 'float64', dims: [1], values: [k] })], {}, '', 'y');
  g.output('y', 'float64', ['N', 1]);
  return g.build();
}

/** Writes files into a fresh temporary repository; keys are paths relative to it. */
export async function makeRepository(files: Record<string, Uint8Array | string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'modelport-repo-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}
