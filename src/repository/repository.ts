// The model repository: loads every version of every model, keeps each one's state, and resolves requests
// to a ready version. A model that fails to load is reported and never takes the others down. While serving it
// can pick up what changed on disk: a new or changed version loads beside the serving one, is warmed with one
// inference and swapped in with one assignment; a failed load leaves the serving version in place; a version
// taken out of service is released only once the requests that started on it have finished.
// Loading may be lazy: a version is then only scanned at start and converted on its first request, and a budget
// (a count of loaded versions, or an estimate of their memory) unloads the least recently used idle versions.
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ModelportError } from '../errors.js';
import type { Explainer, NotExplainable } from '../explain/index.js';
import type { Feeds, Runner } from '../runtime/runner.js';
import { DEFAULT_TUNING, type SessionTuning } from '../runtime/onnx-runner.js';
import { deriveSignature, type Signature } from '../signature/signature.js';
import { allocate, makeTensor } from '../tensor.js';
import { explainArtifacts, importArtifacts } from '../import/artifact.js';
import { readManifest, selectVersions, type Manifest } from './manifest.js';
import { scanRepository, scanSingleModel, type ModelSource, type VersionSource } from './scan.js';

/** 'unloaded': known from the folder, converted on its first request (lazy loading, or unloaded by the budget). */
export type VersionState = 'unloaded' | 'loading' | 'ready' | 'failed' | 'unavailable';

export interface ModelVersion {
  name: string;
  version: number;
  state: VersionState;
  artifacts: string[];
  error?: string;
  /** A reload of this version's changed files failed; it keeps serving what it had. */
  reloadError?: string;
  loadMs?: number;
  estimator?: string;
  runner?: Runner;
  signature?: Signature;
  /** Exact per-feature contributions for the runner's input rows, or why there are none (see explainerOf). */
  explainer?: Explainer | NotExplainable;
  /** The explainer being built on the first explain request. */
  explaining?: Promise<Explainer | NotExplainable | undefined>;
  /** Requests scoring on this version now (counted by the dataplane); it is released only when none are left. */
  inflight: number;
  /** Sizes and times of the files it was loaded from: when they change, the version is reloaded. */
  fingerprint: string;
  /** Where its files are, to load it on demand. */
  source: VersionSource;
  /** The load its first requests wait for, shared by all of them. */
  pending?: Promise<ModelVersion>;
  /** When a request last resolved it (performance.now()): the budget unloads the least recently used first. */
  lastUsed: number;
  /** Estimated memory of a loaded version, in bytes (see estimatedCost). */
  cost: number;
}

export interface Model {
  name: string;
  manifest: Manifest;
  /** Set when model.yaml itself is broken: no version of the model loads. */
  error?: string;
  /** Ascending by version number. Replaced as a whole, never edited in place, so a reader sees one state. */
  versions: ModelVersion[];
  /** Unloaded through the repository API: a rescan leaves it unloaded until it is loaded again. */
  unloaded?: boolean;
}

export interface RepositoryOptions {
  tuning?: SessionTuning;
  /** Serve `root` as this one model's folder rather than as a repository of models. */
  singleModel?: string;
  /** Called once per version load, at start-up and on every reload, when it has loaded or failed. */
  onLoaded?: (model: Model, version: ModelVersion) => void;
  /** How long a version taken out of service stays usable for requests already holding it (ms). */
  retireGraceMs?: number;
  /** Convert a version on its first request rather than at start (and build explainers on the first explain). */
  lazy?: boolean;
  /** Most versions loaded at once: beyond it, the least recently used idle ones are unloaded. */
  maxModels?: number;
  /** Most estimated memory of loaded versions (bytes): beyond it, the least recently used idle ones are unloaded. */
  maxMemoryBytes?: number;
}

/** Loads and budget unloads since the repository opened, for the metrics. */
export interface RepositoryStats {
  loaded: number;
  estimatedBytes: number;
  loads: number;
  loadFailures: number;
  evictions: number;
}

export type ReadyVersion = ModelVersion & { runner: Runner; signature: Signature };

/**
 * 'all': ready when every model can serve, so a rollout with a model that does not load never takes traffic
 * (the default, like Triton's strict readiness). 'any': ready when at least one model can serve, so a server of
 * many models keeps serving the rest while one is broken.
 */
export type ReadinessPolicy = 'all' | 'any';

const DEFAULT_RETIRE_GRACE_MS = 2000;

/**
 * What a loaded version costs, estimated from its files and graph. onnxruntime's session memory is native, so it
 * was measured as RSS growth: 0.18–0.25 MB per small model over a thousand, where this estimate says 0.24 MB
 * (bench/results/many-models.md).
 */
const COST_BASE_BYTES = 200 * 1024;
const COST_PER_BYTE = 3;

function estimatedCost(artifactBytes: number, graphBytes: number): number {
  return COST_BASE_BYTES + COST_PER_BYTE * (artifactBytes + graphBytes);
}

/** Ready, or loaded on demand by its first request. */
export function canServe(version: ModelVersion): boolean {
  return version.state === 'ready' || version.state === 'unloaded' || version.pending !== undefined;
}

/** What a request that names no version gets: the highest version that can serve, else the highest. */
export function defaultVersion(model: Model): ModelVersion | undefined {
  for (let i = model.versions.length - 1; i >= 0; i--) if (canServe(model.versions[i])) return model.versions[i];
  return model.versions[model.versions.length - 1];
}

/** A pause that does not keep the process alive. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

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

/** Size and modification time of each file (missing files count too): equal fingerprints, same bytes in practice. */
async function fingerprint(paths: readonly string[]): Promise<string> {
  const parts = await Promise.all(paths.map(async (p) => {
    const s = await stat(p).catch(() => null);
    return `${p}:${s ? `${s.size}:${s.mtimeMs}` : '-'}`;
  }));
  return parts.join('|');
}

function versionFiles(source: VersionSource, manifest: Manifest, manifestPath: string | null): string[] {
  const files = manifest.artifacts && source.dir ? manifest.artifacts.map((f) => join(source.dir as string, f)) : source.files;
  return manifestPath ? [...files, manifestPath] : files;
}

/** One inference on typed zeros (or empty strings), so the first real request does not pay for lazy set-up. */
async function warm(runner: Runner): Promise<void> {
  const feeds: Feeds = {};
  for (const spec of runner.inputs) {
    const dims = spec.shape.map((d) => (d < 0 ? 1 : d));
    feeds[spec.name] = makeTensor(spec.type, allocate(spec.type, dims.reduce((a, b) => a * b, 1)), dims);
  }
  // A model may refuse made-up input (an encoder that knows no empty category): warming is best effort.
  await runner.run(feeds).catch(() => undefined);
}

export class ModelRepository {
  private readonly models = new Map<string, Model>();
  /** Runners of versions taken out of service, waiting for their last requests. */
  private readonly retiring = new Set<Runner>();
  private refreshing: Promise<void> | null = null;
  private readonly counts = { loads: 0, loadFailures: 0, evictions: 0 };
  /** The budget is exceeded because the versions to unload were busy: it is restored as their requests end. */
  private overBudget = false;

  private constructor(readonly root: string, private readonly options: RepositoryOptions) {}

  /** Scans the folder and loads every model (lazily: reads every manifest); resolves once each version is settled. */
  static async open(root: string, options: RepositoryOptions = {}): Promise<ModelRepository> {
    const repo = new ModelRepository(root, options);
    const sources = await repo.scan();
    await Promise.all(sources.map((source) => repo.update(source)));
    return repo;
  }

  private scan(): Promise<ModelSource[]> {
    const { singleModel } = this.options;
    return singleModel ? scanSingleModel(this.root, singleModel) : scanRepository(this.root);
  }

  /**
   * Brings one model in line with its folder: loads the versions its policy keeps that are new or whose files
   * changed, each beside the one serving, and swaps them in; retires the versions it no longer keeps.
   */
  private async update(source: ModelSource, force = false): Promise<void> {
    const current = this.models.get(source.name);
    let manifest: Manifest;
    try {
      manifest = source.manifestPath ? await readManifest(source.manifestPath) : {};
    } catch (err) {
      const message = (err as Error).message;
      if (current?.versions.some((v) => v.state === 'ready')) {
        // A broken edit of model.yaml must not take a serving model down: report it, keep serving.
        for (const v of current.versions) v.reloadError = message;
        this.options.onLoaded?.(current, current.versions[current.versions.length - 1]);
        return;
      }
      const model: Model = { name: source.name, manifest: {}, error: message, versions: [] };
      model.versions = source.versions.map((v) => ({ ...this.blank(source.name, v), state: 'failed', error: message }));
      this.models.set(source.name, model);
      for (const v of model.versions) this.options.onLoaded?.(model, v);
      if (current) this.retireAll(current);
      return;
    }
    const model: Model = current ?? { name: source.name, manifest, versions: [] };
    model.manifest = manifest;
    delete model.error;

    const keep = new Set(selectVersions(source.versions.map((v) => v.version), manifest.version_policy));
    const wanted = source.versions.filter((v) => keep.has(v.version));
    // One version at a time per model keeps memory bounded; models load in parallel.
    for (const v of wanted) {
      const files = versionFiles(v, manifest, source.manifestPath);
      const print = await fingerprint(files);
      const serving = model.versions.find((x) => x.version === v.version);
      if (serving && serving.fingerprint === print && !force) continue;
      if (this.options.lazy && !force && serving?.state !== 'ready') {
        // Not serving yet: what changed is read on the first request, like the rest.
        this.swap(model, { ...this.blank(model.name, v), state: 'unloaded', fingerprint: print }, serving);
        continue;
      }
      const candidate = await this.load(model, v, print);
      this.counted(candidate);
      if (candidate.state !== 'ready' && serving?.state === 'ready') {
        serving.reloadError = candidate.error;
        this.options.onLoaded?.(model, candidate);
        continue;
      }
      this.swap(model, candidate, serving);
      this.options.onLoaded?.(model, candidate);
      if (candidate.state === 'ready') this.keepWithinBudget(candidate);
    }
    if (!current) this.models.set(source.name, model);
    const gone = model.versions.filter((x) => !keep.has(x.version) || !source.versions.some((v) => v.version === x.version));
    if (gone.length) {
      model.versions = model.versions.filter((x) => !gone.includes(x));
      for (const v of gone) this.retire(v);
    }
  }

  private blank(name: string, source: VersionSource): ModelVersion {
    return { name, version: source.version, state: 'loading', artifacts: [], inflight: 0, fingerprint: '', source, lastUsed: 0, cost: 0 };
  }

  private counted(version: ModelVersion): void {
    if (version.state === 'ready') this.counts.loads++;
    else this.counts.loadFailures++;
  }

  /** Loads a version into a new object, never touching the one that serves. */
  private async load(model: Model, source: VersionSource, print: string): Promise<ModelVersion> {
    const version = { ...this.blank(model.name, source), fingerprint: print, lastUsed: performance.now() };
    const started = performance.now();
    try {
      const paths = artifactPaths(source, model.manifest);
      version.artifacts = paths.map((p) => basename(p));
      const artifacts = await Promise.all(paths.map(async (p) => ({ name: basename(p), bytes: await readFile(p) })));
      const tuning = this.options.tuning ?? DEFAULT_TUNING;
      const imported = await importArtifacts(artifacts, tuning, model.manifest, { explain: !this.options.lazy });
      version.cost = estimatedCost(artifacts.reduce((sum, a) => sum + a.bytes.length, 0), imported.onnx.length);
      try {
        version.signature = deriveSignature(imported.runner.inputs, imported.runner.outputs, model.manifest, imported.hints);
        await warm(imported.runner);
      } catch (err) {
        await imported.runner.dispose();
        throw err;
      }
      version.runner = imported.runner;
      if (imported.explainer) version.explainer = imported.explainer;
      version.estimator = imported.hints.estimator;
      version.state = 'ready';
    } catch (err) {
      version.state = 'failed';
      version.error = (err as Error).message;
    }
    version.loadMs = performance.now() - started;
    return version;
  }

  /** Puts `next` in the place of `previous` (or beside the others) in one assignment, then retires `previous`. */
  private swap(model: Model, next: ModelVersion, previous: ModelVersion | undefined): void {
    model.versions = [...model.versions.filter((v) => v !== previous), next].sort((a, b) => a.version - b.version);
    if (previous) this.retire(previous);
  }

  /**
   * Releases a version once no request holds it: after a grace period for requests that resolved it but have not
   * reached the dataplane yet (a large body still decoding), and when none is in flight.
   */
  private retire(version: ModelVersion): void {
    const runner = version.runner;
    if (!runner) return;
    this.retiring.add(runner);
    void (async () => {
      await sleep(this.options.retireGraceMs ?? DEFAULT_RETIRE_GRACE_MS);
      while (version.inflight > 0) await sleep(10);
      // close() may have released it already.
      if (this.retiring.delete(runner)) await runner.dispose();
    })();
  }

  private retireAll(model: Model): void {
    for (const v of model.versions) this.retire(v);
  }

  /** Converts an unloaded version; the requests that arrive meanwhile wait for the same load. */
  private loadOnDemand(model: Model, placeholder: ModelVersion): Promise<ModelVersion> {
    placeholder.pending ??= (async () => {
      placeholder.state = 'loading';
      const loaded = await this.load(model, placeholder.source, placeholder.fingerprint);
      this.counted(loaded);
      if (this.models.get(model.name) !== model || !model.versions.includes(placeholder)) {
        // Its files changed or it was removed meanwhile: the waiting requests get it, later ones the newer state.
        this.retire(loaded);
        return loaded;
      }
      this.swap(model, loaded, placeholder);
      this.options.onLoaded?.(model, loaded);
      if (loaded.state === 'ready') this.keepWithinBudget(loaded);
      return loaded;
    })();
    return placeholder.pending;
  }

  private loadedVersions(): ModelVersion[] {
    return [...this.models.values()].flatMap((m) => m.versions.filter((v) => v.state === 'ready' && v.runner));
  }

  /**
   * Unloads the least recently used idle versions while the loaded ones exceed the budget. A version with requests
   * in flight, or `keep` (just loaded for a request), is never chosen: the budget may be exceeded until they finish.
   */
  private keepWithinBudget(keep?: ModelVersion): void {
    const { maxModels, maxMemoryBytes } = this.options;
    if (maxModels === undefined && maxMemoryBytes === undefined) return;
    const loaded = this.loadedVersions().sort((a, b) => a.lastUsed - b.lastUsed);
    let count = loaded.length;
    let bytes = loaded.reduce((sum, v) => sum + v.cost, 0);
    const within = () => (maxModels === undefined || count <= maxModels) && (maxMemoryBytes === undefined || bytes <= maxMemoryBytes);
    for (const v of loaded) {
      if (within()) break;
      if (v === keep || v.inflight > 0) continue;
      const model = this.models.get(v.name);
      if (!model) continue;
      this.swap(model, { ...this.blank(v.name, v.source), state: 'unloaded', fingerprint: v.fingerprint, artifacts: v.artifacts }, v);
      this.counts.evictions++;
      count--;
      bytes -= v.cost;
    }
    this.overBudget = !within();
  }

  /** Called by the dataplane when a version's last request in flight ends. */
  released(): void {
    if (this.overBudget) this.keepWithinBudget();
  }

  /** Rescans the folder: new and changed versions load and swap in, removed ones retire. One rescan at a time. */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const sources = await this.scan();
        await Promise.all(sources.filter((s) => !this.models.get(s.name)?.unloaded).map((s) => this.update(s)));
        const names = new Set(sources.map((s) => s.name));
        for (const [name, model] of this.models) {
          if (names.has(name)) continue;
          this.models.delete(name);
          this.retireAll(model);
        }
      })().finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  /** Polls the folder every `intervalMs` and refreshes on a change; returns the function that stops it. */
  watch(intervalMs: number, onError: (err: Error) => void): () => void {
    let stopped = false;
    const tick = async () => {
      try {
        await this.refresh();
      } catch (err) {
        onError(err as Error);
      } finally {
        // A failed rescan (a folder removed while it was read) is reported; the next one comes all the same.
        if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
      }
    };
    let timer = setTimeout(() => void tick(), intervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** (Re)loads one model from its folder, whatever its files' times say (the repository API's load). */
  async loadModel(name: string): Promise<Model> {
    const source = (await this.scan()).find((s) => s.name === name);
    if (!source) throw new ModelportError('MODEL_NOT_FOUND', [name]);
    const model = this.models.get(name);
    if (model) delete model.unloaded;
    await this.update(source, true);
    return this.get(name);
  }

  /** Takes a model out of service (the repository API's unload); requests already running on it finish. */
  unloadModel(name: string): void {
    const model = this.get(name);
    const old = model.versions;
    model.unloaded = true;
    model.versions = old.map((v) => ({ ...this.blank(name, v.source), state: 'unavailable', artifacts: v.artifacts }));
    for (const v of old) this.retire(v);
  }

  /** By name: models load in parallel and finish in any order. */
  list(): Model[] {
    return [...this.models.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Model {
    const model = this.models.get(name);
    if (!model) throw new ModelportError('MODEL_NOT_FOUND', [name]);
    return model;
  }

  /** The version a request names; when it names none, the highest that can serve (else the highest). */
  version(name: string, version?: string | number): ModelVersion {
    const model = this.get(name);
    const versions = model.versions;
    if (version === undefined || version === '') {
      const chosen = defaultVersion(model);
      if (!chosen) throw new ModelportError('MODEL_NOT_FOUND', [name]);
      return chosen;
    }
    const wanted = typeof version === 'number' ? version : /^\d+$/.test(version) ? Number(version) : NaN;
    const found = versions.find((v) => v.version === wanted);
    if (!found) throw new ModelportError('VERSION_NOT_FOUND', [name, version]);
    return found;
  }

  /** Like version(), but only a version that can serve: 503 while it loads, when it failed or was unloaded. */
  ready(name: string, version?: string | number): ReadyVersion {
    return this.servable(this.version(name, version));
  }

  private servable(v: ModelVersion): ReadyVersion {
    const name = v.name;
    if (v.state !== 'ready' || !v.runner || !v.signature) {
      const why = v.state === 'failed' ? `it failed to load: ${v.error}` : v.state === 'unavailable' ? 'it is unloaded'
        : v.state === 'unloaded' ? 'it is not loaded yet' : 'it is loading';
      throw new ModelportError('MODEL_NOT_READY', [name, v.version, why]);
    }
    v.lastUsed = performance.now();
    return v as ReadyVersion;
  }

  /**
   * Like ready(), loading the version first when it is not loaded (lazy loading, or unloaded by the budget): its
   * first requests wait for one shared load. 503 when it fails to load or was unloaded through the repository API.
   */
  async acquire(name: string, version?: string | number): Promise<ReadyVersion> {
    let v = this.version(name, version);
    // A version that fails on its first request leaves the default to the next one that can serve, as at start.
    for (let tries = this.get(name).versions.length; v.state === 'unloaded' || v.pending; tries--) {
      v = await this.loadOnDemand(this.get(name), v);
      if (v.state === 'ready' || version !== undefined || tries <= 1) break;
      v = this.version(name);
    }
    return this.servable(v);
  }

  /** The version's explainer, built on its first explain request when loading is lazy. */
  explainerOf(version: ReadyVersion): Promise<Explainer | NotExplainable | undefined> {
    if (version.explainer || !this.options.lazy) return Promise.resolve(version.explainer);
    version.explaining ??= (async () => {
      const manifest = this.get(version.name).manifest;
      try {
        const paths = artifactPaths(version.source, manifest);
        const artifacts = await Promise.all(paths.map(async (p) => ({ name: basename(p), bytes: await readFile(p) })));
        const explainer = explainArtifacts(artifacts, manifest);
        if (explainer) version.explainer = explainer;
        return explainer;
      } catch (err) {
        // Files removed since the load: not kept, the next request tries again.
        return { reason: `its files cannot be read again: ${(err as Error).message}` };
      }
    })().finally(() => { delete version.explaining; });
    return version.explaining;
  }

  stats(): RepositoryStats {
    const loaded = this.loadedVersions();
    return { loaded: loaded.length, estimatedBytes: loaded.reduce((sum, v) => sum + v.cost, 0), ...this.counts };
  }

  isReady(policy: ReadinessPolicy = 'all'): boolean {
    const serves = (m: Model) => m.versions.some(canServe);
    const models = this.list().filter((m) => !m.unloaded);
    return policy === 'any' ? models.some(serves) : models.every(serves);
  }

  async close(): Promise<void> {
    const runners = this.list().flatMap((m) => m.versions.flatMap((v) => (v.runner ? [v.runner] : [])));
    const retiring = [...this.retiring];
    this.retiring.clear();
    await Promise.all([...runners, ...retiring].map((r) => r.dispose()));
  }
}
