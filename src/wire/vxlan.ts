/**
 * VXLAN header (RFC 7348), 8 bytes: flags, 24 reserved bits, the 24-bit VNI, 8 reserved bits. The inner
 * Ethernet frame is parsed and emitted in frame.ts.
 */
import { put24, u8, u24 } from './bytes.js';
import { fail, truncated } from './result.js';
import type { ParseResult, VxlanPacket } from './types.js';

/** VXLAN header length. */
export const VXLAN_HLEN = 8;
/** The I flag: the VNI is valid. Linux drops VXLAN without it. */
export const VXLAN_FLAG_I = 0x08;
/** Linux's (and flannel's) VXLAN UDP port. */
export const VXLAN_PORT_LINUX = 8472;
/** The IANA VXLAN UDP port. */
export const VXLAN_PORT_IANA = 4789;
/** Outer overhead of VXLAN over IPv4: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD = 50;

const OFF_FLAGS = 0;
const OFF_RES1 = 1;
const OFF_VNI = 4;
const OFF_RES2 = 7;

/** The header fields of a VXLAN packet. */
export type VxlanHeader = Omit<VxlanPacket, 'inner'>;

/** Parses the 8-byte header at `offset`; requires the I flag. Reserved bits are kept as they are. */
export function parseVxlanHeader(bytes: Uint8Array, offset: number): ParseResult<VxlanHeader> {
  if (!(offset >= 0) || bytes.length - offset < VXLAN_HLEN)
    return truncated('vxlan', offset, VXLAN_HLEN, bytes.length - offset);
  const flags = u8(bytes, offset + OFF_FLAGS);
  if ((flags & VXLAN_FLAG_I) === 0)
    return fail('vxlan', 'flags', offset + OFF_FLAGS, 'the I flag (0x08) set');
  return {
    ok: true,
    value: {
      kind: 'vxlan',
      flags,
      reserved1: u24(bytes, offset + OFF_RES1),
      vni: u24(bytes, offset + OFF_VNI),
      reserved2: u8(bytes, offset + OFF_RES2),
    },
  };
}

/** Writes the 8-byte header at `offset` (the caller has checked room). */
export function emitVxlanHeader(h: VxlanHeader, buf: Uint8Array, offset: number): void {
  buf[offset + OFF_FLAGS] = h.flags;
  put24(buf, offset + OFF_RES1, h.reserved1);
  put24(buf, offset + OFF_VNI, h.vni);
  buf[offset + OFF_RES2] = h.reserved2;
}

/** Sum of the header as 16-bit words (for checksums over an outer UDP datagram). */
export function vxlanHeaderSum(h: VxlanHeader): number {
  return (
    ((h.flags & 0xff) << 8) +
    ((h.reserved1 >>> 16) & 0xff) +
    (h.reserved1 & 0xffff) +
    ((h.vni >>> 8) & 0xffff) +
    (((h.vni & 0xff) << 8) | (h.reserved2 & 0xff))
  );
}

/** One line like tcpdump: "VXLAN, flags [I] (0x08), vni 1". */
export function describeVxlan(h: VxlanHeader): string {
  const i = (h.flags & VXLAN_FLAG_I) !== 0 ? 'I' : '.';
  return `VXLAN, flags [${i}] (0x${h.flags.toString(16).padStart(2, '0')}), vni ${h.vni}`;
}
