// Any XGBoost model file or buffer → XgbModel: JSON, UBJSON, or the legacy binary format, told apart by content.
import { ConversionError } from '../sklearn/attrs.js';
import { isLegacyBinary, parseBinaryModel } from './binary-model.js';
import { linearModelFromDocument } from './gblinear.js';
import { modelFromDocument, parseJsonDocument, parseUbjsonDocument } from './json-model.js';
import type { XgbModel } from './model.js';

/** Pickles from XGBoost 1.0–1.2 hold "CONFIG-offset:", an int64 length, that many bytes of binary model, then JSON config. */
const SERIALISATION_HEADER = Buffer.from('CONFIG-offset:', 'latin1');

function isJsonText(bytes: Uint8Array): boolean {
  // '{' then '"' is JSON text; '{' then a UBJSON type marker is UBJSON.
  let i = 1;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x22;
}

/** The model in a file or pickled buffer; a damaged or unknown layout is reported with what to do about it. */
export function parseBooster(bytes: Uint8Array): XgbModel {
  try {
    return readModel(bytes);
  } catch (err) {
    if (err instanceof ConversionError) throw err;
    throw new ConversionError(`${(err as Error).message}: the file is damaged or not an XGBoost model; load it in XGBoost and save it again with save_model('model.json')`);
  }
}

function readModel(bytes: Uint8Array): XgbModel {
  if (bytes.length === 0) throw new Error('the XGBoost model is empty');
  if (bytes[0] === 0x7b) {
    const doc = isJsonText(bytes) ? parseJsonDocument(Buffer.from(bytes).toString('utf8')) : parseUbjsonDocument(bytes);
    return linearModelFromDocument(doc) ?? modelFromDocument(doc);
  }
  const header = SERIALISATION_HEADER.length;
  if (bytes.length > header + 8 && SERIALISATION_HEADER.equals(bytes.subarray(0, header))) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + header, 8).getBigInt64(0, true);
    if (length <= 0n || length > BigInt(bytes.length - header - 8)) throw new Error('the XGBoost model buffer is truncated');
    return parseBinaryModel(bytes.subarray(header + 8, header + 8 + Number(length)));
  }
  if (isLegacyBinary(bytes) || bytes.length > 136) return parseBinaryModel(bytes);
  throw new Error('not an XGBoost model (expected JSON, UBJSON or the binary format)');
}
