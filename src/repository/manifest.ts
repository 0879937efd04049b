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

export interface Manifest {
  description?: string;
  artifacts?: string[];
  inputs?: ManifestInput[];
  /** Class id (or raw class value) → display label. */
  labels?: Record<string, string>;
  task?: 'classification' | 'regression' | 'other';
  batching?: BatchingConfig;
}

const KEYS = new Set(['description', 'artifacts', 'inputs', 'labels', 'task', 'batching']);

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
  return out;
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
