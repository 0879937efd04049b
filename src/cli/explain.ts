// `modelport explain`: exact per-feature contributions for the rows of a CSV or JSON file, one JSON line per row.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseCsvRows } from '../codecs/csv.js';
import { readJsonRows, type RowsRequest } from '../codecs/json-rows.js';
import { rowsToFeeds } from '../codecs/rows.js';
import { isExplainer } from '../explain/index.js';
import { presentExplanations } from '../explain/present.js';
import { importArtifacts } from '../import/artifact.js';
import { DEFAULT_TUNING } from '../runtime/onnx-runner.js';
import { deriveSignature, type Signature } from '../signature/signature.js';

async function readRows(path: string, signature: Signature, model: string): Promise<RowsRequest> {
  const text = await readFile(path, 'utf8');
  if (path.toLowerCase().endsWith('.csv')) return { rows: parseCsvRows(text), single: false, where: 'rows', textual: true };
  return readJsonRows(JSON.parse(text), signature, model);
}

export async function explain(paths: string[]): Promise<void> {
  if (paths.length < 2) throw new Error('explain needs the model artifacts and an input file (.csv or .json)');
  const input = paths[paths.length - 1];
  const artifacts = await Promise.all(paths.slice(0, -1).map(async (p) => ({ name: basename(p), bytes: await readFile(p) })));
  const model = await importArtifacts(artifacts, DEFAULT_TUNING);
  try {
    const explainer = model.explainer;
    if (!isExplainer(explainer)) throw new Error(`the model cannot be explained exactly: ${explainer?.reason ?? 'ONNX graphs are not explained'}`);
    const name = artifacts.map((a) => a.name).join(' + ');
    const signature = deriveSignature(model.runner.inputs, model.runner.outputs, {}, model.hints);
    const parsed = await readRows(input, signature, name);
    const feeds = rowsToFeeds(signature, name, parsed.rows, parsed);
    const rows = parsed.rows.length;
    const contributions = explainer.explain(feeds, rows);
    for (const row of presentExplanations(signature, explainer, contributions, rows)) console.log(JSON.stringify({ space: explainer.space, explanation: row }));
  } finally {
    await model.runner.dispose();
  }
}
