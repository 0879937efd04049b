// The model repository: loads every version of every model, keeps each one's state, and resolves requests
// to a ready version. A model that fails to load is reported and never takes the others down.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ModelportError } from '../errors.js';
import { importArtifacts } from '../import/artifact.js';
import type { Runner } from '../runtime/runner.js';
import { DEFAULT_TUNING, type SessionTuning } from '../runtime/onnx-runner.js';
import { deriveSignature, type Signature } from '../signature/signature.js';
import { readManifest, type Manifest } from './manifest.js';
import { scanRepository, scanSingleModel, type ModelSource, type VersionSource } from './scan.js';

export type VersionState = 'loading' | 'ready' | 'failed';

export interface ModelVersion {
  name: string;
  version: number;
  state: VersionState;
  artifacts: string[];
  error?: string;
  loadMs?: number;
  estimator?: string;
  runner?: Runner;
  signature?: Signature;
}

export interface Model {
  name: string;
  manifest: Manifest;
  /** Set when model.yaml itself is broken: no version of the model loads. */
  error?: string;
  /** Ascending by version number. */
  versions: ModelVersion[];
}

export interface RepositoryOptions {
  tuning?: SessionTuning;
  /** Serve `root` as this one model's folder rather than as a repository of models. */
  singleModel?: string;
  /** Called once per version when it has loaded or failed. */
  onLoaded?: (model: Model, version: ModelVersion) => void;
}

export type ReadyVersion = ModelVersion & { runner: Runner; signature: Signature };

function artifactPaths(source: VersionSource, manifest: Manifest): string[] {
  if (manifest.artifacts) {
    if (!source.dir) throw new Error("'artifacts' in model.yaml needs a model folder, not a bare file");
    return manifest.artifacts.map((file) => join(source.dir as string, file));
  }
  if (source.files.length === 0) throw new Error('the version folder holds no model file');
  if (source.files.length > 1) {
    throw new Error(`the version folder holds several model files (${source.files.map((f) => basename(f)).join(', ')}); ` +
      "list them in model.yaml 'artifacts' in the order they apply");
  }
  return source.files;
}

export class ModelRepository {
  private readonly models = new Map<string, Model>();

  private constructor(readonly root: string, private readonly options: RepositoryOptions) {}

  /** Scans the folder and loads every model; resolves once each version is ready or failed. */
  static async open(root: string, options: RepositoryOptions = {}): Promise<ModelRepository> {
    const repo = new ModelRepository(root, options);
    const sources = options.singleModel ? await scanSingleModel(root, options.singleModel) : await scanRepository(root);
    await Promise.all(sources.map((source) => repo.loadModel(source)));
    return repo;
  }

  private async loadModel(source: ModelSource): Promise<void> {
    const model: Model = { name: source.name, manifest: {}, versions: [] };
    this.models.set(source.name, model);
    model.versions = source.versions.map((v) => ({ name: source.name, version: v.version, state: 'loading', artifacts: [] }));
    try {
      model.manifest = source.manifestPath ? await readManifest(source.manifestPath) : {};
    } catch (err) {
      model.error = (err as Error).message;
      for (const v of model.versions) {
        v.state = 'failed';
        v.error = model.error;
        this.options.onLoaded?.(model, v);
      }
      return;
    }
    // One version at a time per model keeps start-up memory bounded; models load in parallel.
    for (const [i, v] of source.versions.entries()) {
      await this.loadVersion(model, model.versions[i], v);
    }
  }

  private async loadVersion(model: Model, version: ModelVersion, source: VersionSource): Promise<void> {
    const started = performance.now();
    try {
      const paths = artifactPaths(source, model.manifest);
      version.artifacts = paths.map((p) => basename(p));
      const artifacts = await Promise.all(paths.map(async (p) => ({ name: basename(p), bytes: await readFile(p) })));
      const imported = await importArtifacts(artifacts, this.options.tuning ?? DEFAULT_TUNING);
      try {
        version.signature = deriveSignature(imported.runner.inputs, imported.runner.outputs, model.manifest, imported.hints);
      } catch (err) {
        await imported.runner.dispose();
        throw err;
      }
      version.runner = imported.runner;
      version.estimator = imported.hints.estimator;
      version.state = 'ready';
    } catch (err) {
      version.state = 'failed';
      version.error = (err as Error).message;
    }
    version.loadMs = performance.now() - started;
    this.options.onLoaded?.(model, version);
  }

  list(): Model[] {
    return [...this.models.values()];
  }

  get(name: string): Model {
    const model = this.models.get(name);
    if (!model) throw new ModelportError('MODEL_NOT_FOUND', [name]);
    return model;
  }

  /** The version a request names, or the highest version when it names none. */
  version(name: string, version?: string | number): ModelVersion {
    const model = this.get(name);
    if (version === undefined || version === '') return model.versions[model.versions.length - 1];
    const wanted = typeof version === 'number' ? version : /^\d+$/.test(version) ? Number(version) : NaN;
    const found = model.versions.find((v) => v.version === wanted);
    if (!found) throw new ModelportError('VERSION_NOT_FOUND', [name, version]);
    return found;
  }

  /** Like version(), but only a version that can serve: 503 while it loads or when it failed. */
  ready(name: string, version?: string | number): ReadyVersion {
    const v = this.version(name, version);
    if (v.state !== 'ready' || !v.runner || !v.signature) {
      throw new ModelportError('MODEL_NOT_READY', [name, v.version, v.state === 'failed' ? `it failed to load: ${v.error}` : 'it is loading']);
    }
    return v as ReadyVersion;
  }

  /** Ready when every version that should load has loaded. */
  isReady(): boolean {
    return this.list().every((m) => m.versions.every((v) => v.state === 'ready'));
  }

  async close(): Promise<void> {
    const runners = this.list().flatMap((m) => m.versions.flatMap((v) => (v.runner ? [v.runner] : [])));
    await Promise.all(runners.map((r) => r.dispose()));
  }
}
