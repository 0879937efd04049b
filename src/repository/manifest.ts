// model.yaml: the optional manifest beside a model's version folders.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { isElementType, type ElementType } from '../tensor.js';

export interface ManifestInput {
  name: string;
  type?: ElementType;
  description?: string;
  min?: number;
  max?: number;
  categories?: (string | number)[];
}

export interface BatchingConfig {
  max_batch_size?: number;
  max_delay_ms?: number;
  max_queue?: number;
}

/** XGBoost settings: `iteration_range: [0, n]` predicts with the first n boosting rounds (0: every round). */
export interface XgboostConfig {
  iteration_range?: [number, number];
}

/** Which version folders load (Triton's version_policy): every one, the N highest, or the ones listed. */
export type VersionPolicy = { all: true } | { latest: number } | { specific: number[] };

export interface Manifest {
  description?: string;
  version_policy?: VersionPolicy;
  artifacts?: string[];
  inputs?: ManifestInput[];
  /** Class id (or raw class value) → display label. */
  labels?: Record<string, string>;
  task?: 'classification' | 'regression' | 'other';
  batching?: BatchingConfig;
  xgboost?: XgboostConfig;
  explain?: ExplainConfig;
  /** One row to show as an example (the playground prefills its form with it): feature name → value. */
  example?: Record<string, ExampleValue>;
}

export type ExampleValue = string | number | boolean | null;

/** `explain:` what a linear model's contributions are measured against (tree models use their covers). */
export interface ExplainConfig {
  /** Each input feature's mean over the training data, in input order. */
  background_mean?: number[];
  /** By feature name: a numeric feature's mean, or a categorical one's share of each category (e.g. {Dream: 0.36, ...}). */
  background?: Record<string, number | Record<string, number>>;
}

const KEYS = new Set(['description', 'version_policy', 'artifacts', 'inputs', 'labels', 'task', 'batching', 'xgboost', 'explain', 'example']);

function fail(file: string, message: string): never {
  throw new Error(`${file}: ${message}`);
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Validates a parsed manifest; every problem names the key at fault. */
export function validateManifest(raw: unknown, file: string): Manifest {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'must be a mapping of keys to values');
  const m = raw as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!KEYS.has(key)) fail(file, `unknown key '${key}' (known: ${[...KEYS].join(', ')})`);
  }
  const out: Manifest = {};
  if (m.description !== undefined) {
    if (typeof m.description !== 'string') fail(file, "'description' must be a string");
    out.description = m.description;
  }
  if (m.version_policy !== undefined) out.version_policy = validateVersionPolicy(m.version_policy, file);
  if (m.artifacts !== undefined) {
    if (!Array.isArray(m.artifacts) || m.artifacts.length === 0 || !m.artifacts.every((a) => typeof a === 'string' && a !== '')) {
      fail(file, "'artifacts' must be a non-empty list of file names");
    }
    if (m.artifacts.some((a: string) => a.includes('/') || a.includes('\\') || a === '..')) {
      fail(file, "'artifacts' names files inside the version folder; paths are not allowed");
    }
    out.artifacts = m.artifacts as string[];
  }
  if (m.inputs !== undefined) {
    if (!Array.isArray(m.inputs)) fail(file, "'inputs' must be a list of {name, type}");
    out.inputs = m.inputs.map((entry, i) => validateInput(entry, `${file}: inputs[${i}]`));
    const names = new Set<string>();
    for (const input of out.inputs) {
      if (names.has(input.name)) fail(file, `input '${input.name}' is listed twice`);
      names.add(input.name);
    }
  }
  if (m.labels !== undefined) {
    const labels = m.labels;
    if (typeof labels !== 'object' || labels === null) fail(file, "'labels' must map class ids to labels, e.g. {0: Negative, 1: Positive}");
    const entries = Array.isArray(labels) ? labels.map((v, i) => [String(i), v] as const) : Object.entries(labels);
    if (!entries.every(([, v]) => typeof v === 'string' || typeof v === 'number')) fail(file, "every label in 'labels' must be a string");
    out.labels = Object.fromEntries(entries.map(([k, v]) => [k, String(v)]));
  }
  if (m.task !== undefined) {
    if (m.task !== 'classification' && m.task !== 'regression' && m.task !== 'other') {
      fail(file, "'task' must be classification, regression or other");
    }
    out.task = m.task;
  }
  if (m.batching !== undefined) {
    const b = m.batching as Record<string, unknown>;
    if (typeof b !== 'object' || b === null) fail(file, "'batching' must be a mapping");
    for (const [k, v] of Object.entries(b)) {
      if (k === 'max_delay_ms') {
        if (typeof v !== 'number' || !(v >= 0)) fail(file, "'batching.max_delay_ms' must be a number ≥ 0");
      } else if (k === 'max_batch_size' || k === 'max_queue') {
        if (!isPositiveInt(v)) fail(file, `'batching.${k}' must be a positive integer`);
      } else {
        fail(file, `unknown key 'batching.${k}' (known: max_batch_size, max_delay_ms, max_queue)`);
      }
    }
    out.batching = b as BatchingConfig;
  }
  if (m.xgboost !== undefined) out.xgboost = validateXgboost(m.xgboost, file);
  if (m.explain !== undefined) out.explain = validateExplain(m.explain, file);
  if (m.example !== undefined) out.example = validateExample(m.example, file);
  return out;
}

function validateExample(raw: unknown, file: string): Record<string, ExampleValue> {
  const usage = "'example' must be a mapping of feature names to values, e.g. {amount: 12.5, hour: 14}";
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, usage);
  for (const [k, v] of Object.entries(raw)) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) fail(file, `'example.${k}' must be a number, a string, true/false or null`);
  }
  return raw as Record<string, ExampleValue>;
}

function validateExplain(raw: unknown, file: string): ExplainConfig {
  const usage = "'explain' must be a mapping {background_mean: [one number per input feature]} or {background: {feature: mean, or {category: share}}}";
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, usage);
  const isNumber = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'background_mean') {
      if (!Array.isArray(v) || v.length === 0 || !v.every(isNumber)) fail(file, usage);
    } else if (k === 'background') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, usage);
      for (const [name, b] of Object.entries(v)) {
        const shares = typeof b === 'object' && b !== null && !Array.isArray(b) ? Object.values(b) : null;
        if (!isNumber(b) && !(shares && shares.every((p) => isNumber(p) && p >= 0 && p <= 1))) {
          fail(file, `'explain.background.${name}' must be a number (the feature's mean) or a mapping of categories to their shares (0 to 1)`);
        }
      }
    } else {
      fail(file, `unknown key 'explain.${k}' (known: background_mean, background)`);
    }
  }
  return raw as ExplainConfig;
}

function validateXgboost(raw: unknown, file: string): XgboostConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, "'xgboost' must be a mapping, e.g. {iteration_range: [0, 100]}");
  const out: XgboostConfig = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k !== 'iteration_range') fail(file, `unknown key 'xgboost.${k}' (known: iteration_range)`);
    const range = v as unknown[];
    if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n) && (n as number) >= 0)) {
      fail(file, "'xgboost.iteration_range' must be [begin, end]: two integers ≥ 0, e.g. [0, 100] for the first 100 rounds");
    }
    const [begin, end] = range as [number, number];
    if (begin !== 0) fail(file, "'xgboost.iteration_range' must start at 0 (the rounds used are the first end rounds)");
    out.iteration_range = [begin, end];
  }
  return out;
}

function validateVersionPolicy(raw: unknown, file: string): VersionPolicy {
  const usage = "'version_policy' must be all, latest, {latest: N} or {specific: [versions]}";
  if (raw === 'all') return { all: true };
  if (raw === 'latest') return { latest: 1 };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length !== 1) fail(file, usage);
  const [[key, value]] = Object.entries(raw);
  if (key === 'latest' && isPositiveInt(value)) return { latest: value };
  if (key === 'specific' && Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v >= 0)) {
    return { specific: value as number[] };
  }
  return fail(file, usage);
}

/** The versions a policy keeps, from the version numbers found on disk. */
export function selectVersions(found: readonly number[], policy: VersionPolicy | undefined): number[] {
  const sorted = [...found].sort((a, b) => a - b);
  if (!policy || 'all' in policy) return sorted;
  if ('latest' in policy) return sorted.slice(-policy.latest);
  return sorted.filter((v) => policy.specific.includes(v));
}

function validateInput(entry: unknown, where: string): ManifestInput {
  if (typeof entry === 'string') return { name: entry };
  if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: must be a name or {name, type}`);
  const e = entry as Record<string, unknown>;
  if (typeof e.name !== 'string' || e.name === '') throw new Error(`${where}: 'name' must be a non-empty string`);
  const input: ManifestInput = { name: e.name };
  if (e.type !== undefined) {
    const t = e.type === 'float' ? 'float32' : e.type === 'double' ? 'float64' : e.type === 'int' ? 'int64' : e.type;
    if (typeof t !== 'string' || !isElementType(t)) throw new Error(`${where}: unknown type '${String(e.type)}'`);
    input.type = t;
  }
  if (e.description !== undefined) input.description = String(e.description);
  for (const bound of ['min', 'max'] as const) {
    if (e[bound] !== undefined) {
      if (typeof e[bound] !== 'number') throw new Error(`${where}: '${bound}' must be a number`);
      input[bound] = e[bound] as number;
    }
  }
  if (e.categories !== undefined) {
    if (!Array.isArray(e.categories)) throw new Error(`${where}: 'categories' must be a list`);
    input.categories = e.categories as (string | number)[];
  }
  return input;
}

export async function readManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return validateManifest(raw, file);
}
