/**
 * controller.ComputeHash (pkg/controller/controller_utils.go): FNV-32a over the pod template, then the
 * collision count as 8 little-endian bytes when set, printed in decimal and passed through
 * rand.SafeEncodeString — each decimal digit mapped to `bcdfghjklmnpqrstvwxz2456789[code % 27]`, which
 * is why every pod-template-hash is made of the ten characters 4-9, b, c, d, f.
 *
 * Deviation: Go hashes `hashutil.DeepHashObject`, a go-spew dump of the Go struct (type names, pointer
 * markers, field order of the Go types); that text cannot be rebuilt from JSON. podwire hashes canonical
 * JSON instead (object keys sorted, absent fields omitted), so names have Kubernetes' shape and change
 * exactly when the template changes, but are not the values a real cluster prints.
 */

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bit, continuing from `h`. */
export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  let x = h;
  for (let i = 0; i < bytes.length; i++) {
    x ^= bytes[i] ?? 0;
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return x >>> 0;
}

/** rand.SafeEncodeString. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/**
 * JSON with object keys sorted (by UTF-16 code units, as Array.prototype.sort compares strings) at every
 * level and undefined members left out. Built by concatenation, without per-level entry lists.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole prints as nothing (as Array.prototype.map and join leave it).
      if (i in value) out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(record).sort()) {
    const v = record[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

const encoder = new TextEncoder();

/** The pod-template-hash / controller-revision-hash of a template. */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(encoder.encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
