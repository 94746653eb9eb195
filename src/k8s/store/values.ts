/**
 * Small helpers the store needs for the JSON-like values objects are made of: a deep copy that is frozen
 * (stored objects are shared by every reader), structural equality (a no-op update commits nothing, and
 * generation moves only when spec changes), and the server's random names.
 */

import type { Rng } from '../../sim/index.js';
import { hex16, hex32 } from '../../wire/index.js';

/**
 * A frozen deep copy of a JSON-like value (plain objects, arrays, primitives). A frozen object or array
 * in the input is taken as is: only this function freezes API values in podwire, so a frozen value is
 * one of its deeply frozen results and can be shared. A status update then keeps the stored spec and
 * metadata subtrees, and the versions of an object share every part that did not change.
 */
export function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  // for-in rather than Object.keys: no key array per object (API values are plain objects, so for-in
  // sees exactly their own enumerable keys).
  const out: Record<string, unknown> = {};
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = frozenCopy(v);
  }
  return Object.freeze(out) as T;
}

/** Structural equality of JSON-like values; an absent key equals one set to undefined. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k in ra) if (!deepEqual(ra[k], rb[k])) return false;
  for (const k in rb) if (!(k in ra) && rb[k] !== undefined) return false;
  return true;
}

/** A version-4 UUID from the seeded stream (the API server uses uuid.NewUUID; only the format matters). */
export function uuid4(rng: Rng): string {
  const w0 = rng.u32();
  const w1 = (rng.u32() & 0xffff0fff) | 0x00004000; // version 4 in the time_hi nibble
  const w2 = ((rng.u32() & 0x3fffffff) | 0x80000000) >>> 0; // RFC 4122 variant
  const w3 = rng.u32();
  // Joined from pieces under 13 characters: one flat string, which every object the store creates keeps
  // (a concatenated uid stayed a tree of pieces, several times the bytes, for the whole run).
  return [hex32(w0), hex16(w1 >>> 16), hex16(w1), hex16(w2 >>> 16), hex16(w2) + hex32(w3)].join('-');
}

/** apimachinery's util/rand alphabet: no vowels (no words), no 0/1/3 (look like letters). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** names.SimpleNameGenerator: the prefix plus 5 random characters (`web-7d4b9c8f5-` + `x2k9q`). */
export function generatedName(prefix: string, rng: Rng): string {
  const p = prefix.length > 58 ? prefix.slice(0, 58) : prefix; // maxGeneratedNameLength = 63 - 5
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHANUMS[rng.int(0, ALPHANUMS.length - 1)];
  // Joined into one flat string (see uuid4): a pod's name is kept in many places for the whole run.
  return [p, suffix].join('');
}
