// The Modelport API as the playground uses it: the model index, a model's signature, predict and explain.

export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export interface ModelSummary {
  name: string;
  description?: string;
  state: string;
  default_version: number | null;
  versions: number[];
  error?: string;
}

export interface FeatureView {
  name: string;
  type: string;
  nullable?: boolean;
  description?: string;
  min?: number;
  max?: number;
  categories?: (string | number)[];
  categories_only?: boolean;
}

export interface TensorView {
  name: string;
  type: string;
  shape: number[];
}

export interface SignatureView {
  task: 'classification' | 'regression' | 'other';
  features: FeatureView[] | null;
  labels: string[] | null;
  inputs: TensorView[];
  outputs: TensorView[];
}

export interface VersionView {
  version: number;
  state: string;
  estimator?: string;
  error?: string;
  reload_error?: string;
}

export interface ModelDetail extends Omit<ModelSummary, 'versions'> {
  version: number;
  signature?: SignatureView;
  versions: VersionView[];
  example?: Row;
}

export interface Prediction {
  label?: string | number;
  probabilities?: Record<string, number>;
  value?: number | number[];
  score?: number;
  [output: string]: unknown;
}

export interface Explanation {
  class?: string | number;
  base_value: number;
  margin: number;
  contributions: { feature: string; value: number }[];
}

export interface ExplainAnswer {
  space: string;
  explanation: Explanation | Explanation[];
}

export interface ErrorDetail {
  field?: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

export type Answer<T> = { ok: true; status: number; body: T; ms: number } | { ok: false; status: number; error: ErrorBody['error']; ms: number };

/** The path of a model's route: the default version, or a chosen one. */
export function modelPath(name: string, version: number | null, action?: string): string {
  const base = `/models/${encodeURIComponent(name)}${version === null ? '' : `/versions/${version}`}`;
  return action ? `${base}/${action}` : base;
}

/** Reads any answer as JSON; a body that is not JSON (a proxy's error page) becomes an error with its status. */
async function answer<T>(res: Response, started: number): Promise<Answer<T>> {
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.ok && body !== undefined) return { ok: true, status: res.status, body: body as T, ms };
  const error = (body as ErrorBody | undefined)?.error;
  if (error && typeof error === 'object') return { ok: false, status: res.status, error, ms };
  return { ok: false, status: res.status, error: { code: `HTTP_${res.status}`, message: text.slice(0, 300) || res.statusText }, ms };
}

async function call<T>(path: string, init?: RequestInit): Promise<Answer<T>> {
  const started = performance.now();
  try {
    return await answer<T>(await fetch(path, { ...init, headers: { accept: 'application/json', ...(init?.headers ?? {}) } }), started);
  } catch (err) {
    return { ok: false, status: 0, error: { code: 'NETWORK', message: `The server did not answer: ${(err as Error).message}` }, ms: performance.now() - started };
  }
}

export const getJson = <T>(path: string) => call<T>(path);

export const postJson = <T>(path: string, body: unknown) =>
  call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
