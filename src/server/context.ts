// What every route plugin is given.
import type { CodecPool } from '../codecs/offload/pool.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import type { Metrics } from '../observability/metrics.js';
import type { ModelRepository } from '../repository/repository.js';

export interface ServerContext {
  repository: ModelRepository;
  dataplane: Dataplane;
  metrics: Metrics;
  /** Prometheus exposition text for /metrics. */
  metricsText: () => Promise<string>;
  bodyLimit: number;
  /** Parses and serialises large bodies off the event loop. */
  codecs: CodecPool;
  /** True once shutdown has begun: readiness fails so load balancers stop sending traffic. */
  isClosing: () => boolean;
  /** The readiness verdict of /readyz and /v2/health/ready: the repository's under the policy, and not closing. */
  isReady: () => boolean;
  /** Open Inference Protocol extensions served (named in GET /v2). */
  extensions: string[];
}
