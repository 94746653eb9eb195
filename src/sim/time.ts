/**
 * Simulated time is an integer count of nanoseconds held in a `number` (exact up to 2^53 ns ≈ 104 days).
 * These constants convert human units; never use floating-point seconds in the model.
 */
export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SECOND = 1_000_000_000;

const UNITS: ReadonlyMap<string, number> = new Map([
  ['ns', NS],
  ['us', US],
  ['µs', US],
  ['ms', MS],
  ['s', SECOND],
  ['m', 60 * SECOND],
  ['h', 3600 * SECOND],
]);

/** Parses a duration such as `10s`, `250ms`, `1500us` or `1.5s` to integer nanoseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)\s*$/.exec(text);
  if (m === null) return undefined;
  const unit = UNITS.get(m[2] ?? '');
  if (unit === undefined) return undefined;
  const value = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Formats nanoseconds the way the CLI prints times: `1.250000000s`-style seconds with 9 decimals trimmed to µs. */
export function formatSeconds(ns: number): string {
  const s = Math.floor(ns / SECOND);
  const frac = ns - s * SECOND;
  return `${s}.${String(Math.floor(frac / US)).padStart(6, '0')}`;
}
