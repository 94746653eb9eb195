/**
 * The three faces of a `-m statistic --mode random` probability: the string kube-proxy writes
 * (`fmt.Sprintf("%0.10f", 1.0/float64(n))`, proxier.go `probability`), the u32 iptables stores
 * (`lround(p × 2^31)`, libxt_statistic.c), and what iptables-save prints back (`%.11f` of stored / 2^31).
 * Go's and glibc's fixed-point formatting both print the exact binary value rounded half-to-even, which
 * `Number.prototype.toFixed` does not (it rounds ties up), so the decimal expansion is done here exactly.
 */

/** 2^31: the kernel matches when `(get_random_u32() & 0x7fffffff) < stored` (xt_statistic.c). */
export const STATISTIC_SCALE = 0x80000000;

const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * `x` printed with `digits` decimals, exactly as C's `printf("%.*f")` and Go's `%.*f` print a double:
 * from its exact binary value, ties rounded to even. Throws RangeError for a non-finite `x`.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot format ${x}`);
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) throw new RangeError(`bad digits ${digits}`);
  const negative = x < 0 || Object.is(x, -0);
  let m = Math.abs(x);
  let shift = 0n;
  // Doubling is exact until the value is an integer: x = m / 2^shift with m an integer below 2^1075.
  while (!Number.isInteger(m)) {
    m *= 2;
    shift += 1n;
  }
  const den = 1n << shift;
  const scaled = BigInt(m) * 10n ** BigInt(digits);
  let q = scaled / den;
  const twice = (scaled % den) * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  let text = q.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, '0');
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return negative ? `-${text}` : text;
}

/** kube-proxy's probability for the first of `n` remaining endpoints: `%0.10f` of 1/n ("0.3333333333"). */
export function kubeProxyProbability(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`endpoint count ${n} must be a positive integer`);
  return formatFixed(1 / n, 10);
}

/** The u32 iptables stores for probability `p` in [0, 1]: `lround(p × 2^31)`. */
export function probabilityToStored(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} not in [0, 1]`);
  // p × 2^31 is exact in a double; Math.round equals lround for non-negative values.
  return Math.round(p * STATISTIC_SCALE);
}

/**
 * Parses `--probability TEXT` as strtod would read a decimal number and returns the stored u32, or
 * undefined when the text is not a number in [0, 1] (libxt_statistic: "--probability must be between 0 and 1").
 */
export function parseProbability(text: string): number | undefined {
  if (!DECIMAL_RE.test(text)) return undefined;
  const p = Number(text);
  if (!(p >= 0 && p <= 1)) return undefined;
  return probabilityToStored(p);
}

/** What iptables-save prints for a stored value: `%.11f` of stored / 2^31 (715827883 → "0.33333333349"). */
export function formatStoredProbability(stored: number): string {
  return formatFixed(stored / STATISTIC_SCALE, 11);
}
