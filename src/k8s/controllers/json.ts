/**
 * apiequality.Semantic.DeepEqual over JSON-like values: an empty map or list equals an absent one, and an
 * absent member equals one set to undefined. Written with loops and no temporary key lists: the
 * Deployment controller compares a status with this in every sync.
 */
export function deepEqualJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqualJson(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  // Every key of either side once: a's, then those only b has.
  for (const k of Object.keys(ra)) if (!deepEqualJson(ra[k], rb[k])) return false;
  for (const k of Object.keys(rb)) if (!Object.hasOwn(ra, k) && !deepEqualJson(ra[k], rb[k])) return false;
  return true;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v === null || typeof v !== 'object') return false;
  for (const k in v) if (Object.hasOwn(v, k)) return false;
  return true;
}
