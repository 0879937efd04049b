// Artifact files → a runner plus what the artifact says about itself. Formats are told apart by content,
// since people name their files freely (the seeds call a joblib file `iris.model`).
import type { Runner } from '../runtime/runner.js';
import type { SessionTuning } from '../runtime/onnx-runner.js';
import type { ArtifactHints } from '../signature/signature.js';
import { importOnnx } from './onnx/onnx-artifact.js';
import { readPickle } from './pickle/joblib.js';
import type { ClassResolver } from './pickle/unpickler.js';
import { importEstimators, resolveSklearn } from './sklearn/index.js';
import { attachXgboostSettings } from './xgboost/settings.js';
import { boosterFromFile, resolveXgboost } from './xgboost/wrappers.js';
import type { Manifest } from '../repository/manifest.js';
import { explainerFor, type Explainer, type NotExplainable } from '../explain/index.js';

/** Every class a model pickle may name beyond Python's and numpy's own. */
const resolveEstimators: ClassResolver = (module, name) => resolveXgboost(module, name) ?? resolveSklearn(module, name);

export interface ImportedModel {
  runner: Runner;
  hints: ArtifactHints;
  /** The ONNX graph the runner executes (for `modelport convert`). */
  onnx: Uint8Array;
  /** Exact per-feature contributions for the same input rows, or why the model has none. */
  explainer?: Explainer | NotExplainable;
}

export interface Artifact {
  name: string;
  bytes: Uint8Array;
}

export type ArtifactFormat = 'onnx' | 'pickle' | 'xgboost-json' | 'xgboost-ubj' | 'xgboost-binary';

/** File endings that mark a model artifact when a version folder is scanned. */
export const ARTIFACT_EXTENSIONS = ['.onnx', '.pkl', '.pickle', '.joblib', '.model', '.json', '.ubj', '.bst', '.sav'];

export function detectFormat(artifact: Artifact): ArtifactFormat {
  const b = artifact.bytes;
  if (b.length === 0) throw new Error(`${artifact.name} is empty`);
  // Pickle protocol 2+ starts with PROTO; joblib may be zlib-, gzip-, xz-, bz2- or lz4-compressed.
  if (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5) return 'pickle';
  if (b[0] === 0x78 || (b[0] === 0x1f && b[1] === 0x8b) || (b[0] === 0xfd && b[1] === 0x37) ||
      (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) || (b[0] === 0x04 && b[1] === 0x22 && b[2] === 0x4d)) {
    return 'pickle';
  }
  if (b[0] === 0x7b) {
    // '{' then a UBJSON length marker ('i', 'U', 'I', 'l', 'L') for the first key, or JSON text.
    return [0x69, 0x55, 0x49, 0x6c, 0x4c, 0x24, 0x23].includes(b[1]) ? 'xgboost-ubj' : 'xgboost-json';
  }
  if (artifact.name.endsWith('.onnx') || b[0] === 0x08) return 'onnx';
  if (b[0] === 0x62 && b[1] === 0x69 && b[2] === 0x6e && b[3] === 0x66) return 'xgboost-binary';
  // Protocol 0/1 pickles start with an opcode such as '(' MARK, ']' EMPTY_LIST, '}' EMPTY_DICT or 'c' GLOBAL.
  if ([0x28, 0x5d, 0x7d, 0x63].includes(b[0])) return 'pickle';
  if (artifact.name.endsWith('.bst') || artifact.name.endsWith('.model')) return 'xgboost-binary';
  throw new Error(`${artifact.name}: format not recognised (expected ONNX, a pickle or joblib file, or an XGBoost model)`);
}

/** model.yaml settings that change how artifacts convert. */
export type ImportSettings = Pick<Manifest, 'xgboost' | 'explain'>;

/** The objects pickled or XGBoost artifacts hold, with model.yaml's XGBoost settings attached. */
function readObjects(artifacts: readonly Artifact[], formats: readonly ArtifactFormat[], settings: ImportSettings): unknown[] {
  const objects = artifacts.map((artifact, i) => {
    try {
      return formats[i] === 'pickle' ? readPickle(artifact.bytes, resolveEstimators) : boosterFromFile(artifact.bytes);
    } catch (err) {
      throw new Error(`${artifact.name}: ${(err as Error).message}`);
    }
  });
  attachXgboostSettings(objects, settings.xgboost);
  return objects;
}

/**
 * `explain: false` leaves the explainer out (a lazily loaded server builds it on the first explain request, with
 * explainArtifacts).
 */
export async function importArtifacts(artifacts: readonly Artifact[], tuning: SessionTuning, settings: ImportSettings = {},
  options: { explain?: boolean } = {}): Promise<ImportedModel> {
  if (artifacts.length === 0) throw new Error('no artifact to load');
  const formats = artifacts.map(detectFormat);
  if (formats.length === 1 && formats[0] === 'onnx') {
    if (settings.xgboost) throw new Error("model.yaml sets 'xgboost' but the model is an ONNX graph, not an XGBoost booster");
    return importOnnx(artifacts[0].bytes, tuning);
  }
  if (formats.includes('onnx')) throw new Error('an ONNX file cannot be composed with other artifacts');
  const objects = readObjects(artifacts, formats, settings);
  try {
    const imported = await importEstimators(objects, tuning);
    return options.explain === false ? imported : { ...imported, explainer: explainerFor(objects, settings.explain) };
  } catch (err) {
    // Errors from converting name the files they are about, as reading errors do.
    (err as Error).message = `${artifacts.map((a) => a.name).join(' + ')}: ${(err as Error).message}`;
    throw err;
  }
}

/** The explainer of artifacts that importArtifacts converted, read again from their bytes; none for an ONNX graph. */
export function explainArtifacts(artifacts: readonly Artifact[], settings: ImportSettings = {}): Explainer | NotExplainable | undefined {
  const formats = artifacts.map(detectFormat);
  if (formats.includes('onnx')) return undefined;
  return explainerFor(readObjects(artifacts, formats, settings), settings.explain);
}
