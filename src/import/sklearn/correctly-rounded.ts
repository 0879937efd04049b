// Correctly rounded log and exp for constants computed once at load (a boosting model's initial prediction).
// glibc and numpy ≥ 2 return the correctly rounded result for nearly every argument; V8's Math.log/Math.exp
// are a last bit off more often (2 of the 3 class priors of one test model). Computed in 256-bit fixed point.

const BITS = 256n;
const ONE = 1n << BITS;

/** x as a fixed-point BigInt (x · 2^BITS, exact), or null when x is too small for that. */
function toFixed(x: number): bigint | null {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const exponent = (hi >>> 20) & 0x7ff;
  if (exponent === 0 || exponent === 0x7ff) return null;
  const mantissa = ((BigInt(hi & 0xfffff) | 0x100000n) << 32n) | BigInt(view.getUint32(4));
  const shift = BigInt(exponent - 1075) + BITS;
  if (shift < 0n) return null;
  const v = mantissa << shift;
  return x < 0 ? -v : v;
}

/** A fixed-point value rounded to the nearest double: Number(bigint) rounds to nearest, the scaling is exact. */
function toDouble(v: bigint): number {
  return Number(v) * 2 ** -Number(BITS);
}

const mul = (a: bigint, b: bigint) => (a * b) >> BITS;
const div = (a: bigint, b: bigint) => (a << BITS) / b;

/** 2·atanh(s) = ln((1 + s) / (1 - s)) for 0 <= s < 1/2, by its series. */
function twoAtanh(s: bigint): bigint {
  const s2 = mul(s, s);
  let power = s;
  let sum = 0n;
  for (let k = 1n; power !== 0n; k += 2n) {
    sum += power / k;
    power = mul(power, s2);
  }
  return 2n * sum;
}

const LN2 = twoAtanh(div(ONE, 3n * ONE));

function lnFixed(v: bigint): bigint {
  // v = m · 2^e with m in [1, 2): ln v = e·ln 2 + ln m, ln m = 2·atanh((m - 1) / (m + 1)).
  const e = BigInt(v.toString(2).length) - 1n - BITS;
  const m = e >= 0n ? v >> e : v << -e;
  return e * LN2 + twoAtanh(div(m - ONE, m + ONE));
}

export function log(x: number): number {
  const v = x > 0 ? toFixed(x) : null;
  return v === null ? Math.log(x) : toDouble(lnFixed(v));
}

/** ln(1 + x), rounded once. */
export function log1p(x: number): number {
  const v = x > -1 ? toFixed(x) : null;
  return v === null ? Math.log1p(x) : toDouble(lnFixed(ONE + v));
}

/** exp of a small fixed-point value by its Taylor series. */
function expSmall(r: bigint): bigint {
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, r) / n;
    sum += term;
  }
  return sum;
}

export function exp(x: number): number {
  const v = Number.isFinite(x) && Math.abs(x) < 700 ? toFixed(x) : null;
  if (v === null) return Math.exp(x);
  // x = k·ln 2 + r with |r| <= ln 2 / 2: exp x = 2^k · exp r.
  const k = (v + LN2 / 2n) / LN2 - (v + LN2 / 2n < 0n && (v + LN2 / 2n) % LN2 !== 0n ? 1n : 0n);
  // exp r rounds once; scaling by 2^k is exact but for results that underflow into subnormals.
  return toDouble(expSmall(v - k * LN2)) * 2 ** Number(k);
}

/** 2^(j/d) for j = 0 … d-1 as double-doubles: hi correctly rounded, lo the correctly rounded rest. */
export function exp2Fractions(d: number): { hi: number[]; lo: number[] } {
  const hi: number[] = [];
  const lo: number[] = [];
  for (let j = 0; j < d; j++) {
    const v = expSmall((BigInt(j) * LN2) / BigInt(d));
    const h = toDouble(v);
    hi.push(h);
    lo.push(toDouble(v - (toFixed(h) as bigint)));
  }
  return { hi, lo };
}

/** ln 2 / d split into parts whose leading ones have at most `bits` significant bits (Cody and Waite). */
export function ln2Parts(d: number, bits: number): [number, number, number] {
  const target = LN2 / BigInt(d);
  const parts: number[] = [];
  let rest = target;
  for (let i = 0; i < 2; i++) {
    const approx = toDouble(rest);
    const e = Math.floor(Math.log2(Math.abs(approx)));
    const unit = 2 ** (e - bits + 1);
    const part = Math.trunc(approx / unit) * unit;
    parts.push(part);
    rest -= toFixed(part) as bigint;
  }
  parts.push(toDouble(rest));
  return parts as [number, number, number];
}
