// Any XGBoost model file or buffer → XgbModel: JSON, UBJSON, or the legacy binary format, told apart by content.
import { isLegacyBinary, parseBinaryModel } from './binary-model.js';
import { modelFromDocument, parseJsonDocument, parseUbjsonDocument } from './json-model.js';
import type { XgbModel } from './model.js';

export function parseBooster(bytes: Uint8Array): XgbModel {
  if (bytes.length === 0) throw new Error('empty XGBoost model');
  if (bytes[0] === 0x7b) {
    // '{' then '"' is JSON text; '{' then a UBJSON type marker is UBJSON.
    let i = 1;
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
    return modelFromDocument(bytes[i] === 0x22 ? parseJsonDocument(Buffer.from(bytes).toString('utf8')) : parseUbjsonDocument(bytes));
  }
  if (isLegacyBinary(bytes) || bytes.length > 136) return parseBinaryModel(bytes);
  throw new Error('not an XGBoost model');
}
