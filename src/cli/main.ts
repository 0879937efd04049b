#!/usr/bin/env node
// The modelport command line.
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_BATCHING, DEFAULT_BODY_LIMIT } from '../defaults.js';
import { SERVER_VERSION } from '../version.js';
import { serve } from './serve.js';

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n > 10_000) throw new InvalidArgumentError('expected milliseconds from 0 to 10000');
  return n;
}

interface ServeFlags {
  port: number;
  host: string;
  logLevel: string;
  bodyLimit: number;
  workers: number;
  maxBatchSize: number;
  maxDelayMs: number;
  maxQueue: number;
  intraOpThreads: number;
  interOpThreads: number;
  modelName?: string;
}

const program = new Command('modelport')
  .description('Serve scikit-learn, XGBoost and ONNX models as a REST API')
  .version(SERVER_VERSION);

program.command('serve')
  .description('serve every model in a model repository folder')
  .argument('[repository]', 'model repository folder', 'models')
  .option('-p, --port <port>', 'port to listen on', integer(0, 65535), 8080)
  .option('-H, --host <host>', 'address to listen on (0.0.0.0 in a container)', '127.0.0.1')
  .option('-w, --workers <n>', 'worker processes, each serving every model', integer(1, 256), availableParallelism())
  .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
  .option('--body-limit <bytes>', 'largest request body accepted', integer(1, 2 ** 31), DEFAULT_BODY_LIMIT)
  .option('--max-batch-size <rows>', 'most rows per model run (dynamic batching)', integer(1, 1_000_000), DEFAULT_BATCHING.maxBatchSize)
  .option('--max-delay-ms <ms>', 'how long a request waits to be batched; 0 batches what arrives together', milliseconds, DEFAULT_BATCHING.maxDelayMs)
  .option('--max-queue <requests>', 'requests waiting per model before 503', integer(1, 1_000_000), DEFAULT_BATCHING.maxQueue)
  .option('--model-name <name>', 'serve the folder as one model of this name (e.g. KServe\'s /mnt/models)')
  .option('--intra-op-threads <n>', 'onnxruntime threads within an operator, per worker', integer(1, 256), 1)
  .option('--inter-op-threads <n>', 'onnxruntime threads across operators, per worker', integer(1, 256), 1)
  .action(async (repository: string, o: ServeFlags) => {
    await serve(repository, {
      port: o.port,
      host: o.host,
      logLevel: o.logLevel,
      bodyLimit: o.bodyLimit,
      workers: o.workers,
      batching: { maxBatchSize: o.maxBatchSize, maxDelayMs: o.maxDelayMs, maxQueue: o.maxQueue },
      tuning: { intraOpThreads: o.intraOpThreads, interOpThreads: o.interOpThreads },
      ...(o.modelName ? { modelName: o.modelName } : {}),
    });
  });

program.command('inspect')
  .description('show what a model artifact holds: estimator, inputs, outputs, classes')
  .argument('<artifacts...>', 'pickle, joblib, XGBoost or ONNX files (several compose in order)')
  .option('--json', 'print JSON')
  .action(async (artifacts: string[], opts: { json?: boolean }) => (await import('./inspect.js')).inspect(artifacts, opts));

program.command('convert')
  .description('convert model artifacts into one ONNX file')
  .argument('<artifacts...>', 'pickle, joblib, XGBoost or ONNX files (several compose in order)')
  .requiredOption('-o, --output <file>', 'the ONNX file to write')
  .action(async (artifacts: string[], opts: { output: string }) => (await import('./inspect.js')).convert(artifacts, opts.output));

program.parseAsync().catch((err: unknown) => {
  console.error(`modelport: ${(err as Error).message}`);
  process.exit(1);
});
