// Prometheus metrics, in a registry of the app's own so that several servers can live in one process (tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RepositoryStats } from '../repository/repository.js';

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'modelport_http_requests_total',
    help: 'HTTP requests by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'modelport_http_request_duration_seconds',
    help: 'HTTP request latency, from the first byte received to the response sent',
    labelNames: ['route', 'method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  readonly inferences = new Counter({
    name: 'modelport_inference_requests_total',
    help: 'Inference requests by model, version and outcome',
    labelNames: ['model', 'version', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly inferenceRows = new Counter({
    name: 'modelport_inference_rows_total',
    help: 'Rows scored, by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });

  readonly inferenceDuration = new Histogram({
    name: 'modelport_inference_duration_seconds',
    help: 'Time spent in the model runtime per run',
    labelNames: ['model', 'version'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2],
    registers: [this.registry],
  });

  readonly batchRows = new Histogram({
    name: 'modelport_batch_rows',
    help: 'Rows per runtime run (dynamic batching merges requests)',
    labelNames: ['model', 'version'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    registers: [this.registry],
  });

  readonly batchRequests = new Histogram({
    name: 'modelport_batch_requests',
    help: 'Requests merged into one runtime run',
    labelNames: ['model', 'version'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });

  /** Where modelport_model_ready reads the versions from, at every scrape (versions come and go on reload). */
  modelStates: () => { model: string; version: number; ready: boolean }[] = () => [];

  readonly modelState = new Gauge({
    name: 'modelport_model_ready',
    help: '1 when a model version is ready to serve, 0 otherwise',
    labelNames: ['model', 'version'] as const,
    // Across cluster workers: ready only where every worker has it ready.
    aggregator: 'min',
    registers: [this.registry],
    collect: () => {
      this.modelState.reset();
      for (const s of this.modelStates()) this.modelState.set({ model: s.model, version: String(s.version) }, s.ready ? 1 : 0);
    },
  });

  /** Where the loaded-models gauges and load/unload counters read the repository's figures, at every scrape. */
  repositoryStats: () => RepositoryStats = () => ({ loaded: 0, estimatedBytes: 0, loads: 0, loadFailures: 0, evictions: 0 });

  readonly modelsLoaded = new Gauge({
    name: 'modelport_models_loaded',
    help: 'Model versions loaded (converted, with a runtime session) now',
    registers: [this.registry],
    collect: () => {
      this.modelsLoaded.set(this.repositoryStats().loaded);
    },
  });

  readonly modelsEstimatedBytes = new Gauge({
    name: 'modelport_models_estimated_bytes',
    help: 'Estimated memory of the loaded model versions, as the --max-memory budget counts it',
    registers: [this.registry],
    collect: () => {
      this.modelsEstimatedBytes.set(this.repositoryStats().estimatedBytes);
    },
  });

  // Counted by the repository; a counter's collect sets it to the repository's running total.
  readonly modelLoads = new Counter({
    name: 'modelport_model_loads_total',
    help: 'Model version loads (at start, on a first request, after an unload, on reload) by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
    collect: () => {
      const stats = this.repositoryStats();
      this.modelLoads.reset();
      this.modelLoads.inc({ outcome: 'ok' }, stats.loads);
      this.modelLoads.inc({ outcome: 'error' }, stats.loadFailures);
    },
  });

  readonly modelEvictions = new Counter({
    name: 'modelport_model_evictions_total',
    help: 'Idle model versions unloaded to stay within --max-models / --max-memory (they reload on demand)',
    registers: [this.registry],
    collect: () => {
      this.modelEvictions.reset();
      this.modelEvictions.inc(this.repositoryStats().evictions);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'modelport_' });
  }

  // Label sets are few (routes × methods × statuses, models × versions): their bound children are cached so the
  // hot path does not hash label objects on every request.
  private readonly httpChildren = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<string> }>();

  observeHttp(route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method} ${status}`;
    let child = this.httpChildren.get(key);
    if (!child) {
      child = { count: this.httpRequests.labels(route, method, String(status)), duration: this.httpDuration.labels(route, method) };
      this.httpChildren.set(key, child);
    }
    child.count.inc();
    child.duration.observe(seconds);
  }

  /** Instruments for one model version. */
  forModel(model: string, version: number): ModelMetrics {
    const v = String(version);
    return {
      ok: this.inferences.labels(model, v, 'ok'),
      rejected: this.inferences.labels(model, v, 'rejected'),
      failed: this.inferences.labels(model, v, 'error'),
      rows: this.inferenceRows.labels(model, v),
      duration: this.inferenceDuration.labels(model, v),
      batchRows: this.batchRows.labels(model, v),
      batchRequests: this.batchRequests.labels(model, v),
    };
  }
}

export interface ModelMetrics {
  ok: Counter.Internal;
  rejected: Counter.Internal;
  failed: Counter.Internal;
  rows: Counter.Internal;
  duration: Histogram.Internal<string>;
  batchRows: Histogram.Internal<string>;
  batchRequests: Histogram.Internal<string>;
}
