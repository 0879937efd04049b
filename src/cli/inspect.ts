// `modelport inspect` and `modelport convert`: what an artifact holds, and its ONNX graph on disk.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { importArtifacts, type ImportedModel } from '../import/artifact.js';
import { supportedSklearnEstimators } from '../import/sklearn/index.js';
import { DEFAULT_TUNING } from '../runtime/onnx-runner.js';
import { deriveSignature } from '../signature/signature.js';
import { signatureView } from '../server/views.js';

async function load(paths: string[]): Promise<ImportedModel> {
  const artifacts = await Promise.all(paths.map(async (p) => ({ name: basename(p), bytes: await readFile(p) })));
  return importArtifacts(artifacts, DEFAULT_TUNING);
}

export async function inspect(paths: string[], options: { json?: boolean }): Promise<void> {
  const model = await load(paths);
  try {
    const signature = deriveSignature(model.runner.inputs, model.runner.outputs, {}, model.hints);
    const view = { estimator: model.hints.estimator ?? 'ONNX graph', ...signatureView(signature) };
    if (options.json) {
      console.log(JSON.stringify(view, null, 2));
      return;
    }
    const spec = (s: { name: string; type: string; shape: number[] }) => `${s.name}: ${s.type}[${s.shape.map((d) => (d < 0 ? 'N' : d)).join(', ')}]`;
    console.log(`estimator  ${view.estimator}`);
    console.log(`task       ${view.task}`);
    console.log(`inputs     ${view.inputs.map(spec).join('; ')}`);
    if (view.features) {
      const names = view.features.map((f) => f.name);
      console.log(`features   ${names.length > 12 ? `${names.slice(0, 12).join(', ')}, … (${names.length})` : names.join(', ')}`);
    }
    console.log(`outputs    ${view.outputs.map(spec).join('; ')}`);
    if (view.labels) console.log(`classes    ${view.labels.join(', ')}`);
  } finally {
    await model.runner.dispose();
  }
}

/** The estimator classes a pickle may hold (scikit-learn's, and XGBoost's wrappers), one per line. */
export function listSupported(options: { json?: boolean }): void {
  const names = supportedSklearnEstimators();
  console.log(options.json ? JSON.stringify(names) : names.join('\n'));
}

export async function convert(paths: string[], output: string): Promise<void> {
  const model = await load(paths);
  try {
    await writeFile(output, model.onnx);
    const textInput = model.runner.inputs.some((i) => i.type === 'string');
    console.log(`wrote ${output} (${model.onnx.length} bytes) from ${paths.map((p) => basename(p)).join(' + ')}`);
    if (textInput) {
      console.error('note: the text step (tokenisation and TF-IDF) runs in Modelport, not in the graph; the ONNX file takes the TF-IDF features');
    }
  } finally {
    await model.runner.dispose();
  }
}
