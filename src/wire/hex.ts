/**
 * Lowercase hex text of bytes and 16/32-bit words, from a byte table. The results are flat strings (no
 * piece is 13 characters or more, so V8 copies rather than ropes them): texts the model keeps for a whole
 * run — uids, container IDs, MACs — stay their own size.
 */

const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Two hex digits of the low byte of `v`. */
export function hexByte(v: number): string {
  return HEX_BYTES[v & 0xff] as string;
}

/** Four hex digits of the low 16 bits of `v`. */
export function hex16(v: number): string {
  return hexByte(v >>> 8) + hexByte(v);
}

/** Eight hex digits of `v` as an unsigned 32-bit value. */
export function hex32(v: number): string {
  return hex16(v >>> 16) + hex16(v);
}
