// onnxruntime-node sessions. One intra-op thread per session keeps results bit-exact and lets the
// workers (processes) own the cores.
import ort from 'onnxruntime-node';
import { isElementType } from '../tensor.js';
import type { Feeds, Runner, TensorSpec } from './runner.js';

export interface SessionTuning {
  intraOpThreads: number;
  interOpThreads: number;
}

export const DEFAULT_TUNING: SessionTuning = { intraOpThreads: 1, interOpThreads: 1 };

function specOf(meta: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!meta.isTensor) throw new Error(`'${meta.name}' is not a tensor; only tensor inputs and outputs can be served`);
  if (!isElementType(meta.type)) throw new Error(`'${meta.name}' has element type ${meta.type}, which Modelport does not serve`);
  return { name: meta.name, type: meta.type, shape: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

export class OnnxRunner implements Runner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly TensorSpec[],
    readonly outputs: readonly TensorSpec[],
  ) {}

  static async create(bytes: Uint8Array, tuning: SessionTuning = DEFAULT_TUNING): Promise<OnnxRunner> {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: tuning.intraOpThreads,
      interOpNumThreads: tuning.interOpThreads,
      executionMode: 'sequential',
      // 'basic' folds constants and drops redundant nodes but fuses nothing: the extended fusions rewrite float64
      // arithmetic (MatMul then Mul by a scalar becomes FusedMatMul with a float32 factor, ~1e-8 off).
      graphOptimizationLevel: 'basic',
      // Failures come back as exceptions with the same message; keep onnxruntime's own log for fatal errors.
      logSeverityLevel: 4,
    });
    try {
      return new OnnxRunner(session, session.inputMetadata.map(specOf), session.outputMetadata.map(specOf));
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Feeds> {
    const names = outputs ?? this.outputs.map((o) => o.name);
    return (await this.session.run(feeds, names as string[])) as Feeds;
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}
