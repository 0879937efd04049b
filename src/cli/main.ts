#!/usr/bin/env node
// The modelport command line.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_BODY_LIMIT } from '../server/app.js';
import { SERVER_VERSION } from '../version.js';
import { convert, inspect } from './inspect.js';
import { serve } from './serve.js';

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

const program = new Command('modelport')
  .description('Serve scikit-learn, XGBoost and ONNX models as a REST API')
  .version(SERVER_VERSION);

program.command('serve')
  .description('serve every model in a model repository folder')
  .argument('[repository]', 'model repository folder', 'models')
  .option('-p, --port <port>', 'port to listen on', integer(0, 65535), 8080)
  .option('-H, --host <host>', 'address to listen on (0.0.0.0 in a container)', '127.0.0.1')
  .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
  .option('--body-limit <bytes>', 'largest request body accepted', integer(1, 2 ** 31), DEFAULT_BODY_LIMIT)
  .action(async (repository: string, opts: { port: number; host: string; logLevel: string; bodyLimit: number }) => {
    await serve(repository, opts);
  });

program.command('inspect')
  .description('show what a model artifact holds: estimator, inputs, outputs, classes')
  .argument('<artifacts...>', 'pickle, joblib, XGBoost or ONNX files (several compose in order)')
  .option('--json', 'print JSON')
  .action(inspect);

program.command('convert')
  .description('convert model artifacts into one ONNX file')
  .argument('<artifacts...>', 'pickle, joblib, XGBoost or ONNX files (several compose in order)')
  .requiredOption('-o, --output <file>', 'the ONNX file to write')
  .action((artifacts: string[], opts: { output: string }) => convert(artifacts, opts.output));

program.parseAsync().catch((err: unknown) => {
  console.error(`modelport: ${(err as Error).message}`);
  process.exit(1);
});
