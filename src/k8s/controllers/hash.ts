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

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value)
    .filter((e) => e[1] !== undefined)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
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
