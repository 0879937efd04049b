// Class labels of fitted classifiers, class indices as one-hot rows, and columns of per-class outputs.
import type { GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { classesOf, objectAttr } from './attrs.js';
import { axes } from './graph-ops.js';

/** classes_, or its LabelBinarizer's where classes_ is a property (RidgeClassifier before 1.4 keeps only that). */
export function fittedClasses(estimator: PyObject): (string | number)[] {
  if (estimator.has('classes_') || !estimator.has('_label_binarizer')) return classesOf(estimator);
  return classesOf(objectAttr(estimator, '_label_binarizer'));
}

/** [N] int64 class indices → [N, width] float64 one-hot rows. */
export function oneHot(g: GraphBuilder, index: string, width: number): string {
  const column = g.op('Unsqueeze', [index, axes(g, 1)]);
  const range = g.constant('classes', { type: 'int64', dims: [width], values: Array.from({ length: width }, (_, i) => i) });
  return g.op('Cast', [g.op('Equal', [column, range])], { to: { int: 11 } });
}
