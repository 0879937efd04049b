// The dataplane: infer(model, version, named tensors) → named tensors. Every protocol is a codec around it;
// it owns model lookup, readiness, input checks against the model's tensor specs, and metrics.
import { ModelportError, invalidInput } from '../errors.js';
import type { Metrics, ModelMetrics } from '../observability/metrics.js';
import type { ModelRepository, ReadyVersion } from '../repository/repository.js';
import { DEFAULT_BATCHING } from '../defaults.js';
import { Batcher, type BatchingOptions } from '../runtime/batcher.js';
import type { Feeds, TensorSpec } from '../runtime/runner.js';
import { product } from '../tensor.js';
import { isExplainer, type Explainer } from '../explain/index.js';

/** Checks one tensor against the spec it feeds; returns its batch size. */
function checkTensor(spec: TensorSpec, feeds: Feeds): number {
  const tensor = feeds[spec.name];
  if (!tensor) throw invalidInput(spec.name, 'this input is required');
  if (tensor.type !== spec.type) throw invalidInput(spec.name, `expected ${spec.type} data, got ${tensor.type}`);
  if (tensor.dims.length !== spec.shape.length) {
    throw invalidInput(spec.name, `expected shape [${spec.shape.join(', ')}], got [${tensor.dims.join(', ')}]`);
  }
  spec.shape.forEach((d, i) => {
    if (d >= 0 && tensor.dims[i] !== d) {
      throw invalidInput(spec.name, `expected shape [${spec.shape.join(', ')}], got [${tensor.dims.join(', ')}]`);
    }
  });
  if (product(tensor.dims) !== tensor.data.length) throw invalidInput(spec.name, 'data length does not match the shape');
  return tensor.dims[0] ?? 1;
}

/** What serving one model version needs, made on its first request. */
interface Serving {
  batcher: Batcher;
  metrics: ModelMetrics;
  /** Every output's name: what a request that names none gets. */
  outputs: string[];
}

export class Dataplane {
  private readonly batchers = new WeakMap<ReadyVersion, Serving>();

  /**
   * `batching` holds the server's defaults (a model's model.yaml may override each); `timeoutMs` bounds how long a
   * request may wait for and run its model (504 after it).
   */
  constructor(
    readonly repository: ModelRepository,
    private readonly metrics: Metrics,
    private readonly batching: BatchingOptions = DEFAULT_BATCHING,
    private readonly timeoutMs?: number,
  ) {}

  private servingFor(model: ReadyVersion): Serving {
    let entry = this.batchers.get(model);
    if (!entry) {
      const own = this.repository.get(model.name).manifest.batching ?? {};
      const options: BatchingOptions = {
        maxBatchSize: own.max_batch_size ?? this.batching.maxBatchSize,
        maxDelayMs: own.max_delay_ms ?? this.batching.maxDelayMs,
        maxQueue: own.max_queue ?? this.batching.maxQueue,
      };
      const metrics = this.metrics.forModel(model.name, model.version);
      const batcher = new Batcher(model.runner, options, model.name, {
        onRun: (rows, requests, seconds) => {
          metrics.duration.observe(seconds);
          metrics.batchRows.observe(rows);
          metrics.batchRequests.observe(requests);
        },
      });
      entry = { batcher, metrics, outputs: model.runner.outputs.map((o) => o.name) };
      this.batchers.set(model, entry);
    }
    return entry;
  }

  /**
   * Resolves a model version that can serve, or throws 404/503. A version not loaded yet is loaded first: the
   * request waits for it, within the request timeout (504 after it; the load goes on for the next request).
   */
  resolve(name: string, version?: string | number): Promise<ReadyVersion> {
    if (this.repository.version(name, version).state === 'ready') return Promise.resolve(this.repository.ready(name, version));
    const ready = this.repository.acquire(name, version);
    const timeoutMs = this.timeoutMs;
    if (timeoutMs === undefined) return ready;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ModelportError('TIMEOUT', [name, timeoutMs])), timeoutMs);
    });
    return Promise.race([ready, late]).finally(() => clearTimeout(timer));
  }

  /** The version's explainer, or a 400 NOT_EXPLAINABLE saying why it has none (checked before a request is read). */
  async explainerOf(model: ReadyVersion): Promise<Explainer> {
    const explainer = await this.repository.explainerOf(model);
    if (!isExplainer(explainer)) throw new ModelportError('NOT_EXPLAINABLE', [model.name, explainer?.reason ?? 'only models converted from pickles and XGBoost files are explained, not ONNX graphs']);
    const missing = explainer.inputs.find((name) => !model.runner.inputs.some((s) => s.name === name));
    if (missing !== undefined) throw new ModelportError('NOT_EXPLAINABLE', [model.name, `its graph has no input '${missing}' for the explainer to read`]);
    return explainer;
  }

  /**
   * Exact per-feature contributions for the feeds' rows: [rows, outputs, features + 1], the base value last
   * (see src/explain), and with `interactions` the SHAP interaction values [rows, outputs, features + 1, features + 1].
   * A model without an exact explainer (or without interaction values, when asked) is a 400 NOT_EXPLAINABLE saying why.
   */
  async explain(model: ReadyVersion, feeds: Feeds, options: { interactions?: boolean } = {}): Promise<{ explainer: Explainer; rows: number; contributions: Float64Array; interactions?: Float64Array }> {
    const explainer = await this.explainerOf(model);
    if (options.interactions && !explainer.interactions) throw new ModelportError('NOT_EXPLAINABLE', [model.name, 'interaction values are computed for XGBoost tree models only']);
    const specs = model.runner.inputs.filter((s) => explainer.inputs.includes(s.name));
    const sizes = specs.map((s) => checkTensor(s, feeds));
    if (sizes.some((n) => n !== sizes[0])) throw invalidInput(undefined, `inputs disagree on the batch size (${sizes.join(', ')})`);
    const rows = sizes[0];
    if (rows === 0) throw invalidInput(specs[0].name, 'the batch is empty');
    model.inflight++;
    try {
      const contributions = explainer.explain(feeds, rows);
      return { explainer, rows, contributions, ...(options.interactions && explainer.interactions ? { interactions: explainer.interactions(feeds, rows) } : {}) };
    } finally {
      if (--model.inflight === 0) this.repository.released();
    }
  }

  /** Scores the feeds (any batch size the model accepts) and returns the requested outputs, or all of them. */
  async infer(model: ReadyVersion, feeds: Feeds, outputs?: readonly string[]): Promise<Feeds> {
    const specs = model.runner.inputs;
    for (const name of Object.keys(feeds)) {
      if (!specs.some((s) => s.name === name)) {
        throw invalidInput(name, `the model has no input of that name (inputs: ${specs.map((s) => s.name).join(', ')})`);
      }
    }
    const sizes = specs.map((s) => checkTensor(s, feeds));
    if (sizes.some((n) => n !== sizes[0])) throw invalidInput(undefined, `inputs disagree on the batch size (${sizes.join(', ')})`);
    if (sizes[0] === 0) throw invalidInput(specs[0].name, 'the batch is empty');
    if (outputs) {
      for (const name of outputs) {
        if (!model.runner.outputs.some((o) => o.name === name)) {
          throw invalidInput(name, `the model has no output of that name (outputs: ${model.runner.outputs.map((o) => o.name).join(', ')})`);
        }
      }
    }
    const serving = this.servingFor(model);
    const { batcher, metrics } = serving;
    let result: Feeds;
    // The repository releases a version taken out of service only once nothing is in flight on it.
    model.inflight++;
    try {
      result = await batcher.infer(feeds, sizes[0] ?? 1, outputs ?? serving.outputs, this.timeoutMs);
    } catch (err) {
      if (err instanceof ModelportError) {
        metrics.rejected.inc();
        throw err;
      }
      metrics.failed.inc();
      throw new ModelportError('INFERENCE_FAILED', [model.name, (err as Error).message]);
    } finally {
      if (--model.inflight === 0) this.repository.released();
    }
    metrics.ok.inc();
    metrics.rows.inc(sizes[0] ?? 0);
    return result;
  }
}
