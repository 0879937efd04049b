// A Runner is anything that maps named input tensors to named output tensors: an onnxruntime session,
// or a session with TypeScript stages around it (for the steps ONNX cannot do exactly).
import type { ElementType, Tensor } from '../tensor.js';

export interface TensorSpec {
  name: string;
  type: ElementType;
  /** Dimensions; -1 where any size is accepted (the batch dimension, usually). */
  shape: number[];
}

export type Feeds = Record<string, Tensor>;

export interface Runner {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Runs on a batch; `outputs` narrows what is computed and returned. */
  run(feeds: Feeds, outputs?: readonly string[]): Promise<Feeds>;
  dispose(): Promise<void>;
}

/**
 * Wraps a runner with TypeScript stages: `pre` turns the public inputs into the graph's inputs and
 * `post` turns the graph's outputs into the public outputs.
 */
export class StagedRunner implements Runner {
  constructor(
    private readonly inner: Runner,
    readonly inputs: readonly TensorSpec[],
    readonly outputs: readonly TensorSpec[],
    private readonly pre: ((feeds: Feeds) => Feeds) | null,
    private readonly post: ((outputs: Feeds) => Feeds) | null,
  ) {}

  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Feeds> {
    const graphFeeds = this.pre ? this.pre(feeds) : feeds;
    const raw = await this.inner.run(graphFeeds);
    const all = this.post ? this.post(raw) : raw;
    if (!outputs) return all;
    return Object.fromEntries(outputs.map((name) => [name, all[name]]));
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}
