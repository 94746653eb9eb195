/**
 * resource.Quantity as written in manifests ("500m", "1", "0.5", "128Mi", "1Gi", "2G", "1e3"): the
 * scheduler reads cpu as MilliValue() and memory/pods as Value(), both rounding up. Parsed exactly as
 * digits × 10^exp × 1024^k, so "0.1" is 100 millicores, not 100.00000000000001.
 */

const BINARY: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const QUANTITY = /^([+-]?)(\d+)?(?:\.(\d*))?(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The quantity scaled by 10^scale, rounded up (Quantity.ScaledValue); undefined if unparsable. */
export function scaledQuantity(text: string, scale: number): number | undefined {
  const m = QUANTITY.exec(text.trim());
  if (m === null || (m[2] === undefined && (m[3] ?? '') === '')) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const frac = m[3] ?? '';
  const digits = Number(`${m[2] ?? '0'}${frac}`);
  let exp10 = -frac.length + scale;
  let pow2 = 0;
  if (m[4] !== undefined) exp10 += Number(m[4].slice(1));
  else if (m[5] !== undefined && m[5] in BINARY) pow2 = 10 * (BINARY[m[5]] ?? 0);
  else exp10 += DECIMAL[m[5] ?? ''] ?? 0;
  const bin = 2 ** pow2;
  const v = exp10 >= 0 ? digits * bin * 10 ** exp10 : Math.ceil((digits * bin) / 10 ** -exp10);
  return sign * v;
}

/** cpu in millicores (MilliValue). */
export function parseCpuMilli(text: string): number | undefined {
  return scaledQuantity(text, 3);
}

/** memory, ephemeral-storage, pods: integer Value(). */
export function parseQuantity(text: string): number | undefined {
  return scaledQuantity(text, 0);
}
