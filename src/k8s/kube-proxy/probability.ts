/**
 * The `-m statistic --mode random --probability P` values kube-proxy writes and what iptables keeps of
 * them. kube-proxy formats 1/n with Go's `%0.10f` (computeProbability); libxt_statistic parses it with
 * strtod and stores `lround(P × 2^31)` as a u32 (xt_statistic matches when `(random & 0x7fffffff) < stored`).
 */

const TEN_DIGITS = 10_000_000_000;

/**
 * Go's `fmt.Sprintf("%0.10f", 1.0/float64(n))` for n ≥ 1. JavaScript's toFixed rounds an exact tie up
 * where Go rounds it to even; the only integer n whose 1/n is an exact tie at ten digits is 2048
 * (0.00048828125 → Go "0.0004882812"), handled here in general for powers of two.
 */
export function formatProbability(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`endpoint count ${n} is not a positive integer`);
  const exact = (n & (n - 1)) === 0 && n <= 2 ** 30; // 1/n is exact in binary: ties are real ties
  if (exact && (TEN_DIGITS % n) * 2 === n) {
    const truncated = Math.floor(TEN_DIGITS / n);
    const even = truncated % 2 === 0 ? truncated : truncated + 1;
    return `0.${String(even).padStart(10, '0')}`;
  }
  return (1 / n).toFixed(10);
}

/** What iptables stores for a `--probability` text: `lround(strtod(text) × 2^31)`. */
export function storedProbability(text: string): number {
  const p = Number(text);
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new RangeError(`probability "${text}" not in 0..1`);
  return Math.round(p * 0x80000000);
}
