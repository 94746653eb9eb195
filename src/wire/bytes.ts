/**
 * Big-endian field access on byte arrays. Callers check lengths first (every codec does one length
 * check before its field reads), so these never see an index past the end; `?? 0` only satisfies
 * noUncheckedIndexedAccess and keeps reads of a short array total instead of producing NaN.
 */
import type { Mac } from './types.js';

const TWO_32 = 0x1_0000_0000;

/** Reads an unsigned 8-bit value. */
export function u8(b: Uint8Array, off: number): number {
  return b[off] ?? 0;
}

/** Reads an unsigned big-endian 16-bit value. */
export function u16(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) << 8) | (b[off + 1] ?? 0);
}

/** Reads an unsigned big-endian 24-bit value. */
export function u24(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) << 16) | ((b[off + 1] ?? 0) << 8) | (b[off + 2] ?? 0);
}

/** Reads an unsigned big-endian 32-bit value. */
export function u32(b: Uint8Array, off: number): number {
  return (
    (((b[off] ?? 0) << 24) | ((b[off + 1] ?? 0) << 16) | ((b[off + 2] ?? 0) << 8) | (b[off + 3] ?? 0)) >>> 0
  );
}

/** Reads a 48-bit MAC address as a number. */
export function readMac(b: Uint8Array, off: number): Mac {
  return u16(b, off) * TWO_32 + u32(b, off + 2);
}

/** Writes a big-endian 16-bit value. */
export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 8;
  b[off + 1] = v;
}

/** Writes a big-endian 24-bit value. */
export function put24(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 16;
  b[off + 1] = v >>> 8;
  b[off + 2] = v;
}

/** Writes a big-endian 32-bit value. */
export function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}

/** Writes a 48-bit MAC address. */
export function writeMac(b: Uint8Array, off: number, mac: Mac): void {
  put16(b, off, Math.floor(mac / TWO_32));
  put32(b, off + 2, mac % TWO_32);
}

/** Throws RangeError when `len` bytes do not fit at `offset`: emitting into a short buffer is a caller bug. */
export function checkRoom(buf: Uint8Array, offset: number, len: number, what: string): void {
  if (offset < 0 || offset + len > buf.length) {
    throw new RangeError(
      `${what}: ${len} bytes do not fit at offset ${offset} of a ${buf.length}-byte buffer`,
    );
  }
}
