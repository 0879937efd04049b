#!/usr/bin/env node
// The modelport command line.
import { Command } from 'commander';
import { ApiKeys, hashKey, readKeyFile } from '../server/api-keys.js';
import { SERVER_VERSION } from '../version.js';
import { addServeOptions, resolveServeSettings } from './serve-config.js';
import { serve } from './serve.js';

/** The settings of `serve`, resolved from flags, environment, config file and defaults (serve-config.ts). */
interface ServeSettings {
  port: number;
  host: string;
  workers: number;
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  accessLog: boolean;
  logPayloads: boolean;
  bodyLimit: number;
  requestTimeout: number;
  maxBatchSize: number;
  maxDelayMs: number;
  maxQueue: number;
  maxInFlight: number;
  spareWorker: boolean;
  readiness: 'all' | 'any';
  cors?: string[];
  apiKey?: string[];
  apiKeysFile?: string;
  protectMetrics: boolean;
  rateLimit?: number;
  rateLimitWindow: number;
  watch: boolean;
  watchInterval: number;
  adminKey?: string[];
  modelName?: string;
  load: 'eager' | 'lazy';
  maxModels?: number;
  maxMemory?: number;
  intraOpThreads: number;
  interOpThreads: number;
}

const program = new Command('modelport')
  .description('Serve scikit-learn, XGBoost and ONNX models as a REST API')
  .version(SERVER_VERSION);

addServeOptions(program.command('serve'))
  .description('serve every model in a model repository folder')
  .argument('[repository]', 'model repository folder', 'models')
  .addHelpText('after', '\nEvery setting can also come from its environment variable or from modelport.yaml (key = flag name);\n' +
    'the command line wins over the environment, which wins over the file.')
  .action(async (repository: string, _flags: unknown, command: Command) => {
    const o = resolveServeSettings(command) as unknown as ServeSettings;
    const hashes = o.apiKeysFile ? readKeyFile(o.apiKeysFile) : [];
    await serve(repository, {
      port: o.port,
      host: o.host,
      logLevel: o.logLevel,
      logFormat: o.logFormat,
      bodyLimit: o.bodyLimit,
      workers: o.workers,
      batching: { maxBatchSize: o.maxBatchSize, maxDelayMs: o.maxDelayMs, maxQueue: o.maxQueue },
      tuning: { intraOpThreads: o.intraOpThreads, interOpThreads: o.interOpThreads },
      ...(o.requestTimeout > 0 ? { requestTimeoutMs: o.requestTimeout } : {}),
      maxInFlight: o.maxInFlight,
      spareWorker: o.spareWorker,
      readiness: o.readiness,
      operations: {
        accessLog: o.accessLog,
        logPayloads: o.logPayloads,
        ...(o.cors?.length ? { cors: o.cors.includes('*') ? '*' : o.cors } : {}),
        ...(o.apiKey?.length || hashes.length ? { apiKeys: ApiKeys.fromKeys(o.apiKey ?? [], hashes) } : {}),
        protectMetrics: o.protectMetrics,
        ...(o.rateLimit ? { rateLimit: { max: o.rateLimit, windowMs: o.rateLimitWindow } } : {}),
      },
      ...(o.watch ? { watchIntervalMs: o.watchInterval } : {}),
      ...(o.adminKey?.length ? { adminKeys: ApiKeys.fromKeys(o.adminKey) } : {}),
      ...(o.modelName ? { modelName: o.modelName } : {}),
      loading: {
        lazy: o.load === 'lazy',
        ...(o.maxModels ? { maxModels: o.maxModels } : {}),
        ...(o.maxMemory ? { maxMemoryBytes: o.maxMemory * 1024 * 1024 } : {}),
      },
    });
  });

program.command('hash-key')
  .description('print the line that --api-keys-file takes for an API key (read from standard input when not given)')
  .argument('[key]', 'the key; prefer standard input, which keeps it out of the shell history')
  .action(async (key: string | undefined) => {
    let secret = key;
    if (secret === undefined) {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    }
    if (!secret) throw new Error('the key is empty');
    console.log(`sha256:${hashKey(secret)}`);
  });

program.command('inspect')
  .description('show what a model artifact holds: estimator, inputs, outputs, classes')
  .argument('[artifacts...]', 'pickle, joblib, XGBoost or ONNX files (several compose in order)')
  .option('--json', 'print JSON')
  .option('--supported', 'list the estimators Modelport converts')
  .action(async (artifacts: string[], opts: { json?: boolean; supported?: boolean }) => {
    const cli = await import('./inspect.js');
    if (opts.supported) return cli.listSupported(opts);
    if (artifacts.length === 0) throw new Error('inspect needs an artifact (or --supported)');
    return cli.inspect(artifacts, opts);
  });

program.command('explain')
  .description('print exact per-feature contributions (TreeSHAP, linear) for each row of a CSV or JSON file, as JSON lines')
  .argument('<files...>', 'the model artifacts (several compose in order), then the input file (.csv or .json)')
  .action(async (files: string[]) => (await import('./explain.js')).explain(files));

program.command('convert')
  .description('convert model artifacts into one ONNX file')
  .argument('<artifacts...>', 'pickle, joblib, XGBoost or ONNX files (several compose in order)')
  .requiredOption('-o, --output <file>', 'the ONNX file to write')
  .action(async (artifacts: string[], opts: { output: string }) => (await import('./inspect.js')).convert(artifacts, opts.output));

program.command('predict')
  .description('score a CSV, NDJSON or Parquet file (or a folder or glob of them, or - for standard input) with a model, on all cores')
  .argument('<model>', 'a model folder (with its model.yaml) or a model artifact')
  .argument('<input>', 'input.csv | input.jsonl | input.ndjson | input.parquet | a folder | a glob | -')
  .option('-o, --output <file>', 'output.csv | .jsonl | .parquet, a folder for a folder or glob input, or - (standard output)', '-')
  .option('--input-format <format>', 'csv, ndjson or parquet (default: from the file ending; csv for -)')
  .option('--output-format <format>', 'csv, ndjson or parquet (default: from the file ending; csv for -)')
  .option('--columns <names>', 'the output columns to write, comma-separated (default: pass-through columns and every answer)')
  .option('--on-error <mode>', 'a malformed row: fail (stop, exit 1), skip (drop it) or column (answer it with an error column)', 'fail')
  .option('--workers <n>', 'worker threads, each with its own copy of the model (default: all cores)')
  .option('--shard <i/n>', 'score only the i-th of n parts (0-based; auto/n reads i from JOB_COMPLETION_INDEX)')
  .addHelpText('after', '\nExit codes: 0 done, 1 the job failed (the message names the row and column), 2 the command line is wrong.')
  // A malformed command line exits 2, as the help text says (commander's default is 1).
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .action(async (model: string, input: string, flags: import('./predict.js').PredictFlags) => (await import('./predict.js')).predict(model, input, flags));

program.parseAsync().catch((err: unknown) => {
  console.error(`modelport: ${(err as Error).message}`);
  process.exit(1);
});
