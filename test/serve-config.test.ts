// `modelport serve` settings: command line over MODELPORT_* variables over modelport.yaml over defaults.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { addServeOptions, envName, resolveServeSettings, SETTINGS } from '../src/cli/serve-config.js';
import { ApiKeys, readKeyFile } from '../src/server/api-keys.js';

function settings(argv: string[], env: Record<string, string> = {}) {
  const command = addServeOptions(new Command('serve')).exitOverride().argument('[repository]');
  command.parse(argv, { from: 'user' });
  return resolveServeSettings(command, env);
}

async function configFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'modelport-config-')), 'modelport.yaml');
  await writeFile(path, text);
  return path;
}

describe('serve settings', () => {
  it('takes the flag over the variable over the file over the default', async () => {
    const file = await configFile('port: 7000\nmax-batch-size: 32\ncors: ["http://a.example", "http://b.example"]\naccess-log: false\n');
    const env = { MODELPORT_PORT: '7100', MODELPORT_MAX_QUEUE: '9' };
    const s = settings(['--config', file, '--port', '7200'], env);
    assert.equal(s.port, 7200);
    assert.equal(s.maxQueue, 9);
    assert.equal(s.maxBatchSize, 32);
    assert.deepEqual(s.cors, ['http://a.example', 'http://b.example']);
    assert.equal(s.accessLog, false);
    assert.equal(s.readiness, 'all');
    assert.equal(settings(['--config', file], env).port, 7100);
    assert.equal(settings(['--config', file]).port, 7000);
    assert.equal(settings([]).port, 8080);
  });

  it('reads lists and booleans from variables', () => {
    const s = settings([], { MODELPORT_API_KEYS: 'k1, k2', MODELPORT_ACCESS_LOG: 'false', MODELPORT_PROTECT_METRICS: 'true', MODELPORT_CORS: '*' });
    assert.deepEqual(s.apiKey, ['k1', 'k2']);
    assert.equal(s.accessLog, false);
    assert.equal(s.protectMetrics, true);
    assert.deepEqual(s.cors, ['*']);
    assert.equal(settings(['--no-access-log']).accessLog, false);
  });

  it('names the source of a bad value', async () => {
    assert.throws(() => settings([], { MODELPORT_PORT: 'eighty' }), /MODELPORT_PORT: expected an integer/);
    assert.throws(() => settings([], { MODELPORT_READINESS: 'some' }), /MODELPORT_READINESS: expected one of all, any/);
    await assert.rejects(async () => settings(['--config', await configFile('prot: 1\n')]), /unknown setting 'prot'/);
    await assert.rejects(async () => settings(['--config', await configFile('port: [1]\n')]), /port: expected a single value/);
  });

  it('gives every setting an environment variable', () => {
    const names = SETTINGS.map(envName);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('MODELPORT_API_KEYS') && names.includes('MODELPORT_MAX_BATCH_SIZE'));
  });

  it('reads a file of hashed keys and accepts only the keys behind them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelport-keys-'));
    const good = join(dir, 'keys');
    // sha256("secret")
    await writeFile(good, '# team keys\nsha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b\n\n');
    const keys = new ApiKeys(readKeyFile(good));
    assert.ok(keys.check('secret'));
    assert.equal(keys.check('Secret'), null);
    const bad = join(dir, 'bad');
    await writeFile(bad, 'sha256:1234\n');
    assert.throws(() => readKeyFile(bad), /bad:1: expected sha256:<64 hex digits>/);
  });
});
