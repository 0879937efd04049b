// A ready ONNX file: served as it is, but for ZipMap outputs, which become plain probability tensors.
import { decodeModel, encodeModel } from '../../onnx/proto.js';
import { OnnxRunner, type SessionTuning } from '../../runtime/onnx-runner.js';
import { stripZipMaps } from '../../runtime/zipmap.js';
import type { ImportedModel } from '../artifact.js';

export async function importOnnx(bytes: Uint8Array, tuning: SessionTuning): Promise<ImportedModel> {
  let model;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    throw new Error(`not a valid ONNX file: ${(err as Error).message}`);
  }
  if (!model.graph) throw new Error('not a valid ONNX file: it has no graph');
  const rewrites = stripZipMaps(model);
  const onnx = rewrites.length ? encodeModel(model) : bytes;
  const runner = await OnnxRunner.create(onnx, tuning);
  const zipmap = rewrites[0];
  // Graphs Modelport wrote carry their class labels in metadata.
  const meta = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const classes = meta.has('classes') ? parseClasses(meta.get('classes') as string) : undefined;
  return {
    runner,
    onnx,
    hints: zipmap ? { classes: zipmap.labels, probabilityOutput: zipmap.output, task: 'classification' }
      : classes ? { classes, estimator: meta.get('estimator') } : {},
  };
}

function parseClasses(text: string): (string | number)[] | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((c) => typeof c === 'string' || typeof c === 'number') ? v : undefined;
  } catch {
    return undefined;
  }
}
