/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4): length-prefixed labels ending in the root label, or a
 * 2-byte pointer (top bits 11) to an earlier occurrence of the rest of the name.
 *
 * In a record, a name is the presentation text miekg/dns uses: fully qualified with a trailing dot
 * (`web.default.svc.cluster.local.`, the root is `.`), a byte that is `.` or `\` inside a label written
 * `\.` / `\\`, and bytes outside printable ASCII written `\DDD` (decimal), so any label bytes survive
 * parse → emit unchanged.
 */
import { u8 } from './bytes.js';

/** Longest name on the wire, length bytes included (RFC 1035 §2.3.4). */
export const DNS_MAX_NAME = 255;
/** Longest label (RFC 1035 §2.3.4). */
export const DNS_MAX_LABEL = 63;
/** Pointers hold a 14-bit offset, so only names starting below 16384 can be pointed at. */
const MAX_POINTER_OFFSET = 0x3fff;

/** A name read from a message: its text, and the offset just past it where it was written. */
export interface NameRead {
  readonly name: string;
  readonly end: number;
}

/** Why a name could not be read: the offset of the bad byte and what was expected there. */
export interface NameError {
  readonly offset: number;
  readonly expected: string;
}

/**
 * Reads the name at `offset`, following compression pointers. A pointer must point strictly before the
 * pointer itself, so every jump moves backwards and a loop is impossible (miekg/dns instead counts
 * pointers; a backwards-only rule rejects the same loops and also forward references, which no encoder
 * writes).
 */
export function readName(b: Uint8Array, offset: number): NameRead | NameError {
  let at = offset;
  let end = -1;
  let wire = 1; // the root label
  let text = '';
  for (;;) {
    if (at >= b.length) return { offset: at, expected: 'a label length or a pointer, got the end' };
    const len = u8(b, at);
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= b.length) return { offset: at, expected: 'a 2-byte compression pointer' };
      const target = ((len & 0x3f) << 8) | u8(b, at + 1);
      if (end < 0) end = at + 2;
      if (target >= at) return { offset: at, expected: `a pointer to before offset ${at}, got ${target}` };
      at = target;
      continue;
    }
    if ((len & 0xc0) !== 0) return { offset: at, expected: 'a label length below 64 or a pointer (0xc0)' };
    if (len === 0) {
      if (end < 0) end = at + 1;
      return { name: text === '' ? '.' : text, end };
    }
    if (at + 1 + len > b.length) return { offset: at, expected: `a ${len}-byte label` };
    wire += len + 1;
    if (wire > DNS_MAX_NAME) return { offset: at, expected: `a name of at most ${DNS_MAX_NAME} bytes` };
    text += escapeLabel(b, at + 1, len);
    text += '.';
    at += 1 + len;
  }
}

/** True when `r` is an error rather than a name. */
export function isNameError(r: NameRead | NameError): r is NameError {
  return (r as NameError).expected !== undefined;
}

function escapeLabel(b: Uint8Array, from: number, len: number): string {
  let s = '';
  for (let i = from; i < from + len; i++) {
    const c = u8(b, i);
    if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c < 0x21 || c > 0x7e) s += `\\${c.toString().padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return s;
}

/**
 * The labels of a presentation name as bytes (escapes undone); a missing trailing dot is accepted. Throws
 * RangeError for a name that cannot be sent: an empty label, a label over 63 bytes or a name over 255.
 */
export function nameLabels(name: string): Uint8Array[] {
  if (name === '.' || name === '') return [];
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  let total = 1;
  const finish = (): void => {
    if (cur.length === 0) throw new RangeError(`DNS name ${JSON.stringify(name)} has an empty label`);
    if (cur.length > DNS_MAX_LABEL)
      throw new RangeError(`DNS name ${JSON.stringify(name)} has a label over ${DNS_MAX_LABEL} bytes`);
    labels.push(Uint8Array.from(cur));
    total += cur.length + 1;
    cur = [];
  };
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch === 0x5c) {
      const d = /^\d{3}/.exec(name.slice(i + 1, i + 4));
      if (d !== null) {
        cur.push(Number(d[0]) & 0xff);
        i += 3;
      } else {
        cur.push(name.charCodeAt(i + 1) & 0xff);
        i += 1;
      }
    } else if (ch === 0x2e) {
      finish();
    } else {
      cur.push(ch & 0xff);
    }
  }
  if (cur.length > 0) finish();
  if (total > DNS_MAX_NAME) throw new RangeError(`DNS name ${JSON.stringify(name)} is over 255 bytes`);
  return labels;
}

/**
 * Where names already written start, keyed by the lower-cased wire form of each suffix — what
 * miekg/dns's compression map holds (it compares names case-insensitively).
 */
export type CompressionMap = Map<string, number>;

/** The wire bytes of `name` written at `offset`: compressed against `map` when one is given. */
export function encodeName(name: string, offset: number, map: CompressionMap | undefined): Uint8Array {
  const labels = nameLabels(name);
  const parts: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (map !== undefined) {
      const key = suffixKey(labels, i);
      const at = map.get(key);
      if (at !== undefined) {
        parts.push(0xc0 | (at >> 8), at & 0xff);
        return Uint8Array.from(parts);
      }
      const here = offset + parts.length;
      if (here <= MAX_POINTER_OFFSET) map.set(key, here);
    }
    const l = labels[i] ?? new Uint8Array(0);
    parts.push(l.length, ...l);
  }
  parts.push(0);
  return Uint8Array.from(parts);
}

function suffixKey(labels: readonly Uint8Array[], from: number): string {
  let k = '';
  for (let i = from; i < labels.length; i++) {
    const l = labels[i] ?? new Uint8Array(0);
    k += String.fromCharCode(l.length);
    for (const c of l) k += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return k;
}

/** Lower-cases ASCII letters only, as DNS name comparison does (RFC 4343). */
export function dnsLower(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** `name` with exactly one trailing dot (the root stays `.`). */
export function fqdn(name: string): string {
  if (name === '' || name === '.') return '.';
  return name.endsWith('.') && !name.endsWith('\\.') ? name : `${name}.`;
}
