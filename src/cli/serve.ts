// `modelport serve`: load a repository, serve it over HTTP, and shut down cleanly on SIGTERM/SIGINT.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { ModelRepository } from '../repository/repository.js';
import { createApp } from '../server/app.js';

export interface ServeOptions {
  port: number;
  host: string;
  logLevel: string;
  bodyLimit: number;
}

export async function serve(repoPath: string, options: ServeOptions): Promise<void> {
  const started = performance.now();
  const log = pino({ level: options.logLevel });
  const root = resolve(repoPath);
  const repository = await ModelRepository.open(root, {
    onLoaded(model, v) {
      if (v.state === 'ready' && v.signature) {
        log.info({
          model: model.name,
          version: v.version,
          inputs: v.signature.inputs.map((i) => `${i.name}:${i.type}[${i.shape.join(',')}]`),
          outputs: v.signature.outputs.map((o) => `${o.name}:${o.type}[${o.shape.join(',')}]`),
          load_ms: Math.round((v.loadMs ?? 0) * 10) / 10,
        }, `loaded ${model.name} v${v.version}`);
      } else {
        log.error({ model: model.name, version: v.version, error: v.error }, `failed to load ${model.name} v${v.version}`);
      }
    },
  });
  const server = await createApp(repository, { bodyLimit: options.bodyLimit, logger: log });
  await server.app.listen({ port: options.port, host: options.host });
  const models = repository.list();
  log.info({ repository: root, models: models.length, startup_ms: Math.round(performance.now() - started) },
    `serving ${models.length} model(s) on http://${options.host}:${options.port}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: finishing in-flight requests`);
    await server.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
