// One feature value, checked against the feature's type. JSON bodies must send real JSON types; text sources
// (query strings, CSV) are parsed strictly, so '0x10', '' or ' 1 ' never pass as numbers.
import { invalidInput } from '../errors.js';
import { MISSING_STRING, type Feature } from '../signature/signature.js';
import { ELEMENT_TYPES } from '../tensor.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MISSING_TEXT = new Set(['', 'nan', 'NaN', 'null', 'NA']);

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295], uint64: [0, Number.MAX_SAFE_INTEGER],
};

export type FeatureValue = number | string | boolean;

/** The largest finite float32; beyond it a value would be stored as Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** A JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a value was refused; the caller names the field (built only when a value is refused). */
export class ValueError extends Error {}

/** Returns the value to store (NaN for an allowed missing value), or throws a ValueError. */
export function checkValue(feature: Feature, value: unknown, textual: boolean): FeatureValue {
  const kind = ELEMENT_TYPES[feature.type].kind;
  if (kind === 'string') {
    // An empty CSV or query field is missing where the model takes missing values, else an empty string.
    if (value === null || (textual && value === '' && feature.allowMissing)) {
      if (feature.allowMissing) return MISSING_STRING;
      throw new ValueError('a value is required (missing values are not accepted for this feature)');
    }
    if (typeof value !== 'string') throw new ValueError(`expected a string, got ${describe(value)}`);
    if (value === MISSING_STRING) throw new ValueError('U+FDD0 is reserved for missing values; send null');
    return knownCategory(feature, value);
  }
  if (kind === 'bool') {
    if (typeof value === 'boolean') return value;
    if (textual && typeof value === 'string') {
      if (/^(true|1)$/i.test(value)) return true;
      if (/^(false|0)$/i.test(value)) return false;
    }
    throw new ValueError(`expected true or false, got ${describe(value)}`);
  }
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (value === null || (textual && typeof value === 'string' && MISSING_TEXT.has(value.trim()))) {
    if (feature.allowMissing && kind === 'float') return NaN;
    throw new ValueError(feature.allowMissing ? 'a missing value is allowed only for float features'
      : 'a value is required (missing values are not accepted for this feature)');
  } else if (textual && typeof value === 'string' && DECIMAL.test(value.trim())) {
    n = Number(value.trim());
  } else {
    throw new ValueError(`expected a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(n)) throw new ValueError(`expected a finite number, got ${describe(value)}`);
  if (feature.type === 'float32' && Math.abs(n) > FLOAT32_MAX) throw new ValueError(`${n} is outside the float32 range`);
  if (kind !== 'float') {
    const [lo, hi] = INT_RANGE[feature.type];
    if (!Number.isInteger(n)) throw new ValueError(`expected an integer, got ${n}`);
    if (n < lo || n > hi) throw new ValueError(`${n} is outside the ${feature.type} range [${lo}, ${hi}]`);
  }
  if (feature.min !== undefined && n < feature.min) throw new ValueError(`${n} is below the minimum ${feature.min}`);
  if (feature.max !== undefined && n > feature.max) throw new ValueError(`${n} is above the maximum ${feature.max}`);
  return knownCategory(feature, n);
}

/** The value itself, unless the model knows only its categories and this is none of them. */
function knownCategory<T extends string | number>(feature: Feature, value: T): T {
  const categories = feature.categoriesOnly ? feature.categories : undefined;
  if (!categories || categories.includes(value)) return value;
  const known = categories.slice(0, 10).map((c) => JSON.stringify(c)).join(', ');
  throw new ValueError(`${describe(value)} is not a known category (known: ${known}${categories.length > 10 ? ', …' : ''})`);
}

/** checkValue, with a refusal turned into a 400 that names `field`. */
export function featureValue(feature: Feature, value: unknown, field: string, textual: boolean): FeatureValue {
  try {
    return checkValue(feature, value, textual);
  } catch (err) {
    if (err instanceof ValueError) throw invalidInput(field, err.message);
    throw err;
  }
}
