// Decimal text → the nearest float32, as XGBoost's own reader rounds. Going through a double is right except
// when the double lands exactly on the midpoint of two float32s; then the decimal decides, compared exactly.

const bits = new Uint32Array(1);
const float = new Float32Array(bits.buffer);

function nextFloat32(f: number, up: boolean): number {
  float[0] = f;
  if (f === 0) bits[0] = up ? 1 : 0x80000001;
  else if ((f > 0) === up) bits[0] += 1;
  else bits[0] -= 1;
  return float[0];
}

/** m · 2^e for a finite double, with m an integer. */
function binaryParts(d: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exponent !== 0) mantissa |= 1n << 52n;
  return [d < 0 ? -mantissa : mantissa, (exponent === 0 ? 1 : exponent) - 1075];
}

/** Sign of (decimal text − d), exactly. */
function compareDecimal(text: string, d: number): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return 0;
  let digits = BigInt(`${m[2]}${m[3] ?? ''}` || '0');
  if (m[1] === '-') digits = -digits;
  const exp10 = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  const [mant, exp2] = binaryParts(d);
  // Compare digits·10^exp10 with mant·2^exp2 by moving every negative power to the other side.
  let left = digits;
  let right = mant;
  if (exp10 >= 0) left *= 10n ** BigInt(exp10); else right *= 10n ** BigInt(-exp10);
  if (exp2 >= 0) right *= 2n ** BigInt(exp2); else left *= 2n ** BigInt(-exp2);
  return left === right ? 0 : left > right ? 1 : -1;
}

export function parseFloat32(text: string): number {
  const d = Number(text);
  const f = Math.fround(d);
  if (f === d || !Number.isFinite(d) || !Number.isFinite(f)) return f;
  const other = nextFloat32(f, d > f);
  const mid = (f + other) / 2;
  if (d !== mid) return f;
  const side = compareDecimal(text, mid);
  if (side === 0) return f;
  return (side > 0) === (other > f) ? other : f;
}

/**
 * Wraps every number in a JSON text in quotes, so each keeps its exact decimal text through JSON.parse; also the
 * NaN and Infinity that XGBoost writes (leaves of vector-leaf trees hold NaN conditions), which JSON lacks.
 */
export function quoteNumbers(text: string): string {
  let out = '';
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) { inString = true; continue; }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x4e || c === 0x49) {
      let j = i + 1;
      while (j < text.length && /[0-9A-Za-z.+-]/.test(text[j])) j++;
      out += `${text.slice(start, i)}"${text.slice(i, j)}"`;
      start = j;
      i = j - 1;
    }
  }
  return out + text.slice(start);
}
