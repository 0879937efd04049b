// The JSON forms the tutorials send, read into rows: one object of named features; {"instances": [...]};
// a top-level array of objects or arrays; {"data": "1,106,70,..."} (values in feature order, seed 001).
import { invalidInput } from '../errors.js';
import type { Signature } from '../signature/signature.js';
import { tabularFeatures, type RowsSource } from './rows.js';
import { isJsonObject } from './values.js';

export interface RowsRequest extends RowsSource {
  rows: unknown[];
}

export function readJsonRows(body: unknown, signature: Signature, model: string): RowsRequest {
  if (Array.isArray(body)) return { rows: body, single: false, where: 'body', textual: false };
  if (!isJsonObject(body)) {
    throw invalidInput(undefined, 'the body must be an object of named features, {"instances": [...]}, or an array of rows');
  }
  const features = tabularFeatures(signature, model);
  const named = (key: string) => features.some((f) => f.name === key);
  const keys = Object.keys(body);
  if (keys.length === 1 && keys[0] === 'instances' && !named('instances')) {
    if (!Array.isArray(body.instances)) throw invalidInput('instances', 'must be a list of rows');
    return { rows: body.instances, single: false, where: 'instances', textual: false };
  }
  if (keys.length === 1 && keys[0] === 'data' && !named('data') && typeof body.data === 'string') {
    return { rows: [body.data.split(',')], single: true, where: 'data', textual: true };
  }
  return { rows: [body], single: true, where: 'body', textual: false };
}
