// The dataplane: infer(model, version, named tensors) → named tensors. Every protocol is a codec around it;
// it owns model lookup, readiness, input checks against the model's tensor specs, and metrics.
import { ModelportError, invalidInput } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { ModelRepository, ReadyVersion } from '../repository/repository.js';
import { Batcher, DEFAULT_BATCHING, type BatchingOptions } from '../runtime/batcher.js';
import type { Feeds, TensorSpec } from '../runtime/runner.js';
import { product } from '../tensor.js';

export interface InferResult {
  model: ReadyVersion;
  outputs: Feeds;
}

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

export class Dataplane {
  private readonly batchers = new WeakMap<ReadyVersion, Batcher>();

  /** `batching` holds the server's defaults; a model's model.yaml may override each. */
  constructor(
    readonly repository: ModelRepository,
    private readonly metrics: Metrics,
    private readonly batching: BatchingOptions = DEFAULT_BATCHING,
  ) {}

  private batcherFor(model: ReadyVersion): Batcher {
    let batcher = this.batchers.get(model);
    if (!batcher) {
      const own = this.repository.get(model.name).manifest.batching ?? {};
      const options: BatchingOptions = {
        maxBatchSize: own.max_batch_size ?? this.batching.maxBatchSize,
        maxDelayMs: own.max_delay_ms ?? this.batching.maxDelayMs,
        maxQueue: own.max_queue ?? this.batching.maxQueue,
      };
      const labels = { model: model.name, version: String(model.version) };
      batcher = new Batcher(model.runner, options, model.name, {
        onRun: (rows, requests, seconds) => {
          this.metrics.inferenceDuration.observe(labels, seconds);
          this.metrics.batchRows.observe(labels, rows);
          this.metrics.batchRequests.observe(labels, requests);
        },
      });
      this.batchers.set(model, batcher);
    }
    return batcher;
  }

  /** Resolves a model version that can serve, or throws 404/503. */
  resolve(name: string, version?: string | number): ReadyVersion {
    return this.repository.ready(name, version);
  }

  async infer(model: ReadyVersion, feeds: Feeds, outputs?: readonly string[]): Promise<InferResult> {
    const labels = { model: model.name, version: String(model.version) };
    const specs = model.runner.inputs;
    for (const name of Object.keys(feeds)) {
      if (!specs.some((s) => s.name === name)) {
        throw invalidInput(name, `the model has no input of that name (inputs: ${specs.map((s) => s.name).join(', ')})`);
      }
    }
    const sizes = specs.map((s) => checkTensor(s, feeds));
    if (sizes.some((n) => n !== sizes[0])) throw invalidInput(undefined, `inputs disagree on the batch size (${sizes.join(', ')})`);
    if (outputs) {
      for (const name of outputs) {
        if (!model.runner.outputs.some((o) => o.name === name)) {
          throw invalidInput(name, `the model has no output of that name (outputs: ${model.runner.outputs.map((o) => o.name).join(', ')})`);
        }
      }
    }
    let result: Feeds;
    try {
      result = await this.batcherFor(model).infer(feeds, sizes[0] ?? 1, outputs ?? model.runner.outputs.map((o) => o.name));
    } catch (err) {
      this.metrics.inferences.inc({ ...labels, outcome: err instanceof ModelportError ? 'rejected' : 'error' });
      if (err instanceof ModelportError) throw err;
      throw new ModelportError('INFERENCE_FAILED', [model.name, (err as Error).message]);
    }
    this.metrics.inferences.inc({ ...labels, outcome: 'ok' });
    this.metrics.inferenceRows.inc(labels, sizes[0] ?? 0);
    return { model, outputs: result };
  }
}
