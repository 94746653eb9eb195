/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624). Sums are plain numbers that
 * grow past 16 bits and are folded once at the end; byte ranges of any length fit without overflow
 * (65535 bytes of 0xffff words stay below 2^31), so no per-word carry handling is needed.
 */
import type { Ip4 } from './types.js';

/** Source and destination addresses for the UDP/TCP pseudo-header (an Ipv4Packet fits). */
export interface PseudoAddrs {
  readonly src: Ip4;
  readonly dst: Ip4;
}

/** Adds the big-endian 16-bit words of bytes[start, end) to `initial`; an odd last byte is padded with 0x00. */
export function sumBytes(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let s = initial;
  const pairsEnd = end - ((end - start) & 1);
  let i = start;
  for (; i < pairsEnd; i += 2) s += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (i < end) s += (bytes[i] ?? 0) << 8;
  return s;
}

/** Folds carries into 16 bits (end-around carry); a positive sum folds into 1..0xffff. */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Ones' complement of the folded sum: the value to store in a checksum field. */
export function finishChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** Swaps the bytes of a folded sum: the sum of a range that starts at an odd position (RFC 1071 §2B). */
export function swapSum(sum: number): number {
  const s = foldSum(sum);
  return ((s & 0xff) << 8) | (s >>> 8);
}

/** RFC 1071 checksum of bytes[start, end), continuing from `initial`. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return finishChecksum(sumBytes(bytes, start, end, initial));
}

/** Sum of the IPv4 pseudo-header: src, dst, zero, protocol, L4 length (RFC 768, RFC 9293 §3.1). */
export function pseudoHeaderSum(src: Ip4, dst: Ip4, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** True when bytes[start, end) plus `initial` sums to 0xffff, i.e. the stored checksum is right. */
export function checksumValid(bytes: Uint8Array, start: number, end: number, initial = 0): boolean {
  return foldSum(sumBytes(bytes, start, end, initial)) === 0xffff;
}

/**
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for a 16-bit word changing from m to m'. The constant
 * 0xffff0000 (≡ 0) keeps the sum non-zero as Linux's 32-bit csum_replace4 does, so a result is never
 * the other zero (0xffff) where Linux writes 0x0000.
 */
export function updateChecksum16(check: number, from: number, to: number): number {
  return ~foldSum(0xffff0000 + (~check & 0xffff) + (~from & 0xffff) + (to & 0xffff)) & 0xffff;
}

/** RFC 1624 update for a 32-bit field (an address) changing from `from` to `to`, as csum_replace4. */
export function updateChecksum32(check: number, from: number, to: number): number {
  const s =
    0xffff0000 +
    (~check & 0xffff) +
    (~(from >>> 16) & 0xffff) +
    (~from & 0xffff) +
    (to >>> 16) +
    (to & 0xffff);
  return ~foldSum(s) & 0xffff;
}
