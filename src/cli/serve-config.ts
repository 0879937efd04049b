// `modelport serve`'s settings, each from the first of: its command-line flag, its MODELPORT_* environment
// variable, the config file (modelport.yaml, or --config), its default. One table drives all four and --help.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse } from 'yaml';
import { DEFAULT_BATCHING, DEFAULT_BODY_LIMIT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_REQUEST_TIMEOUT_MS } from '../defaults.js';

type Parser = (value: string, previous?: unknown) => unknown;

interface Setting {
  /** The long flag's name, which is also the config file's key (e.g. max-batch-size). */
  name: string;
  flags: string;
  description: string;
  parse?: Parser;
  default?: unknown;
  /** Given several times on the command line (or as a list in the file, comma-separated in the variable). */
  list?: boolean;
  boolean?: boolean;
}

function integer(min: number, max: number): Parser {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function milliseconds(max: number): Parser {
  return (value) => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n > max) throw new InvalidArgumentError(`expected milliseconds from 0 to ${max}`);
    return n;
  };
}

function oneOf(...choices: string[]): Parser {
  return (value) => {
    if (!choices.includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return value;
  };
}

function bool(value: string): boolean {
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}

const collect: Parser = (value, previous) => [...((previous as string[] | undefined) ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export const SETTINGS: readonly Setting[] = [
  { name: 'port', flags: '-p, --port <port>', description: 'port to listen on', parse: integer(0, 65535), default: 8080 },
  { name: 'host', flags: '-H, --host <host>', description: 'address to listen on (0.0.0.0 in a container)', default: '127.0.0.1' },
  { name: 'workers', flags: '-w, --workers <n>', description: 'worker processes, each serving every model', parse: integer(1, 256), default: availableParallelism() },
  { name: 'spare-worker', flags: '--spare-worker', description: 'keep one more worker loaded, not serving, to replace a dead one at once (costs its memory)', boolean: true, default: false },
  { name: 'log-level', flags: '--log-level <level>', description: 'fatal, error, warn, info, debug or trace', parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), default: 'info' },
  { name: 'log-format', flags: '--log-format <format>', description: 'json, pretty, or auto: pretty on a terminal, JSON otherwise', parse: oneOf('auto', 'json', 'pretty'), default: 'auto' },
  { name: 'access-log', flags: '--no-access-log', description: 'no log line per request', boolean: true, default: true },
  { name: 'log-payloads', flags: '--log-payloads', description: 'put request bodies in the access log (they may hold personal data)', boolean: true, default: false },
  { name: 'body-limit', flags: '--body-limit <bytes>', description: 'largest request body accepted', parse: integer(1, 2 ** 31), default: DEFAULT_BODY_LIMIT },
  { name: 'request-timeout', flags: '--request-timeout <ms>', description: 'longest a request waits for and runs its model, then 504; 0 for none', parse: milliseconds(3_600_000), default: DEFAULT_REQUEST_TIMEOUT_MS },
  { name: 'max-batch-size', flags: '--max-batch-size <rows>', description: 'most rows per model run (dynamic batching)', parse: integer(1, 1_000_000), default: DEFAULT_BATCHING.maxBatchSize },
  { name: 'max-delay-ms', flags: '--max-delay-ms <ms>', description: 'how long a request waits to be batched; 0 batches what arrives together', parse: milliseconds(10_000), default: DEFAULT_BATCHING.maxDelayMs },
  { name: 'max-in-flight', flags: '--max-in-flight <requests>', description: 'requests one worker holds at once (reading, queued, scoring) before 503', parse: integer(1, 1_000_000), default: DEFAULT_MAX_IN_FLIGHT },
  { name: 'max-queue', flags: '--max-queue <requests>', description: 'requests waiting per model before 503', parse: integer(1, 1_000_000), default: DEFAULT_BATCHING.maxQueue },
  { name: 'readiness', flags: '--readiness <policy>', description: "ready when 'all' models can serve (safe rollouts) or 'any' can (many-model servers)", parse: oneOf('all', 'any'), default: 'all' },
  { name: 'cors', flags: '--cors <origins>', description: "origins browsers may call from, comma-separated, or '*'; off by default", parse: collect, list: true },
  { name: 'api-key', flags: '--api-key <key>', description: 'accept this API key (repeat for several); every route but the probes then needs one', parse: collect, list: true },
  { name: 'api-keys-file', flags: '--api-keys-file <file>', description: "a file of hashed keys, one 'sha256:<hex>' per line (see 'modelport hash-key')" },
  { name: 'protect-metrics', flags: '--protect-metrics', description: 'ask for an API key on /metrics too', boolean: true, default: false },
  { name: 'rate-limit', flags: '--rate-limit <requests>', description: 'most requests per window per API key (or client address); off by default', parse: integer(1, 10_000_000) },
  { name: 'rate-limit-window', flags: '--rate-limit-window <ms>', description: 'the rate limit\'s window', parse: milliseconds(86_400_000), default: 60_000 },
  { name: 'watch', flags: '--watch', description: 'reload models whose files change, load new ones, retire removed ones, without a restart', boolean: true, default: false },
  { name: 'watch-interval', flags: '--watch-interval <ms>', description: 'how often --watch looks at the repository', parse: milliseconds(3_600_000), default: 2000 },
  { name: 'admin-key', flags: '--admin-key <key>', description: 'enable the repository API (POST /v2/repository/…: index, load, unload) for this key', parse: collect, list: true },
  { name: 'load', flags: '--load <when>', description: "'eager': convert every model at start, so readiness proves they all load; 'lazy': on each one's first request (ready at once, for many models)", parse: oneOf('eager', 'lazy'), default: 'eager' },
  { name: 'max-models', flags: '--max-models <n>', description: 'most model versions loaded at once per worker; the least recently used idle ones are unloaded and reload on demand', parse: integer(1, 1_000_000) },
  { name: 'max-memory', flags: '--max-memory <MB>', description: 'most estimated memory of loaded models per worker; the least recently used idle ones are unloaded and reload on demand', parse: integer(1, 1_048_576) },
  { name: 'model-name', flags: '--model-name <name>', description: "serve the folder as one model of this name (e.g. KServe's /mnt/models)" },
  { name: 'intra-op-threads', flags: '--intra-op-threads <n>', description: 'onnxruntime threads within an operator, per worker', parse: integer(1, 256), default: 1 },
  { name: 'inter-op-threads', flags: '--inter-op-threads <n>', description: 'onnxruntime threads across operators, per worker', parse: integer(1, 256), default: 1 },
];

/** port → MODELPORT_PORT, max-batch-size → MODELPORT_MAX_BATCH_SIZE, api-key → MODELPORT_API_KEYS. */
export function envName(setting: { name: string }): string {
  const base = `MODELPORT_${setting.name.toUpperCase().replace(/-/g, '_')}`;
  return setting.name === 'api-key' || setting.name === 'admin-key' ? `${base}S` : base;
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function addServeOptions(command: Command): Command {
  for (const s of SETTINGS) {
    const option = new Option(s.flags, `${s.description} [${envName(s)}]`);
    if (s.parse) option.argParser(s.parse as (value: string, previous: unknown) => unknown);
    if (s.default !== undefined && !s.boolean) option.default(s.default);
    command.addOption(option);
  }
  command.addOption(new Option('-c, --config <file>', 'settings file (default: ./modelport.yaml when present) [MODELPORT_CONFIG]'));
  return command;
}

function fromText(s: Setting, text: string, where: string): unknown {
  try {
    if (s.boolean) return bool(text);
    return s.parse ? s.parse(text, undefined) : text;
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

function fromFile(s: Setting, value: unknown, where: string): unknown {
  if (s.list && Array.isArray(value)) return value.map(String);
  if (typeof value === 'object' && value !== null) throw new Error(`${where}: expected a single value`);
  return fromText(s, String(value), where);
}

function readConfigFile(path: string): Record<string, unknown> {
  const raw = parse(readFileSync(path, 'utf8')) as unknown;
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: must be a mapping of settings to values`);
  const known = new Set(SETTINGS.map((s) => s.name));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new Error(`${path}: unknown setting '${key}' (see modelport serve --help)`);
  }
  return raw as Record<string, unknown>;
}

/**
 * Fills every setting the command line left at its default from the environment, then from the config file.
 * Call before the action runs; returns the settings by camel-cased name.
 */
export function resolveServeSettings(command: Command, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const cli = command.opts();
  const configPath = (cli.config as string | undefined) ?? env.MODELPORT_CONFIG ?? (existsSync('modelport.yaml') ? 'modelport.yaml' : undefined);
  const file = configPath ? readConfigFile(configPath) : {};
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const key = camel(s.name);
    const source = command.getOptionValueSource(key);
    if (source === 'cli') {
      out[key] = cli[key];
      continue;
    }
    const fromEnv = env[envName(s)];
    if (fromEnv !== undefined && fromEnv !== '') out[key] = s.list ? collect(fromEnv) : fromText(s, fromEnv, envName(s));
    else if (Object.hasOwn(file, s.name)) out[key] = fromFile(s, file[s.name], `${configPath}: ${s.name}`);
    else out[key] = s.default;
  }
  return out;
}
