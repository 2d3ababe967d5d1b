// Rust's float-to-text rules, reproduced exactly so the nr-ibsr profile matches the reference byte for byte.
// JS differs on both paths: `toFixed` rounds exact binary ties up (0.625 -> "0.63", Rust "0.62") and
// `JSON.stringify` prints 100.0 as "100" and 1e16 as "10000000000000000" (serde_json: "100.0", "1e16").

/** A double as sign, 53-bit integer mantissa and binary exponent: |x| = mantissa * 2^exp, exactly. */
interface Decomposed {
  negative: boolean;
  mantissa: bigint;
  exp: number;
}

const scratch = new DataView(new ArrayBuffer(8));

function decompose(x: number): Decomposed {
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074; // subnormal: no implicit leading bit
  } else {
    mantissa |= 1n << 52n;
    exp = biased - 1075;
  }
  return { negative, mantissa, exp };
}

function nonFinite(x: number): string | undefined {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  return undefined;
}

/**
 * Rust `format!("{:.N}", x)` for f64: the exact decimal value of the double rounded to `decimals` places,
 * ties (possible only when the double is exactly representable at N+1 digits) to even. Never uses an
 * exponent; keeps the sign of negative values, including -0.0 and values that round to zero.
 */
export function formatFixed(x: number, decimals: number): string {
  if (!Number.isInteger(decimals) || decimals < 0)
    throw new RangeError(`formatFixed: bad precision ${decimals}`);
  const special = nonFinite(x);
  if (special !== undefined) return special;
  const { negative, mantissa, exp } = decompose(x);
  const scale = 10n ** BigInt(decimals);
  let scaled: bigint;
  if (exp >= 0) {
    scaled = (mantissa << BigInt(exp)) * scale;
  } else {
    const num = mantissa * scale;
    const den = 1n << BigInt(-exp);
    const q = num / den;
    const twiceRem = (num - q * den) * 2n;
    if (twiceRem > den || (twiceRem === den && (q & 1n) === 1n)) scaled = q + 1n;
    else scaled = q;
  }
  let digits = scaled.toString();
  if (decimals > 0) {
    digits = digits.padStart(decimals + 1, "0");
    digits = `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Shortest round-trip decimal digits of a finite non-zero |x|: |x| = 0.DIGITS * 10^point. */
export function shortestDigits(x: number): { digits: string; point: number } {
  // ECMAScript's Number-to-string picks the shortest digit string that round-trips (closest on ties),
  // the same digits as ryu; toExponential() without an argument exposes them with the exponent.
  const text = Math.abs(x).toExponential();
  const e = text.indexOf("e");
  const digits = text.slice(0, e).replace(".", "");
  const exponent = Number(text.slice(e + 1));
  return { digits, point: exponent + 1 };
}

/**
 * serde_json's text for an f64 (ryu layout): shortest round-trip digits D (n of them) with value 0.D * 10^k;
 * n <= k <= 16: D, zeros, ".0"; 0 < k <= 16: point inside; -5 < k <= 0: "0.", zeros, D; else exponent form
 * "De{k-1}" / "D0.D1..e{k-1}" without "+". NaN and infinities are JSON null; -0.0 is "-0.0".
 */
export function formatSerdeFloat(x: number): string {
  if (!Number.isFinite(x)) return "null";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const { digits, point: k } = shortestDigits(x);
  const n = digits.length;
  if (n <= k && k <= 16) return `${sign}${digits}${"0".repeat(k - n)}.0`;
  if (0 < k && k <= 16) return `${sign}${digits.slice(0, k)}.${digits.slice(k)}`;
  if (-5 < k && k <= 0) return `${sign}0.${"0".repeat(-k)}${digits}`;
  const mant = n === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${mant}e${k - 1}`;
}

/**
 * Rust `format!("{}", x)` for f64: shortest round-trip digits written out in full, never with an exponent,
 * and without a fractional part for integral values ("100", "0.1", "10000000000000000", "-0").
 */
export function formatDisplayFloat(x: number): string {
  const special = nonFinite(x);
  if (special !== undefined) return special;
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const sign = x < 0 ? "-" : "";
  const { digits, point: k } = shortestDigits(x);
  const n = digits.length;
  if (k >= n) return `${sign}${digits}${"0".repeat(k - n)}`;
  if (k > 0) return `${sign}${digits.slice(0, k)}.${digits.slice(k)}`;
  return `${sign}0.${"0".repeat(-k)}${digits}`;
}
