/**
 * Ethernet II header (RFC 894) as Linux captures it: no preamble, no FCS, no padding on frames the
 * host sends. Whole frames (header + nested payload + trailer) are assembled in frame.ts.
 */
import { formatMac } from './addr.js';
import { put16, readMac, u16, writeMac } from './bytes.js';
import { truncated } from './result.js';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  type EthernetFrame,
  type ParseResult,
} from './types.js';

/** Ethernet header length: dst(6) src(6) EtherType(2). */
export const ETH_HLEN = 14;
const OFF_DST = 0;
const OFF_SRC = 6;
const OFF_TYPE = 12;

/** The header fields of a frame, without payload and trailer. */
export type EthernetHeader = Pick<EthernetFrame, 'dst' | 'src' | 'etherType'>;

/** Parses the 14-byte header at `offset`. */
export function parseEthernetHeader(bytes: Uint8Array, offset: number): ParseResult<EthernetHeader> {
  if (!(offset >= 0) || bytes.length - offset < ETH_HLEN)
    return truncated('ethernet', offset, ETH_HLEN, bytes.length - offset);
  return {
    ok: true,
    value: {
      dst: readMac(bytes, offset + OFF_DST),
      src: readMac(bytes, offset + OFF_SRC),
      etherType: u16(bytes, offset + OFF_TYPE),
    },
  };
}

/** Writes the 14-byte header at `offset` (the caller has checked room). */
export function emitEthernetHeader(h: EthernetHeader, buf: Uint8Array, offset: number): void {
  writeMac(buf, offset + OFF_DST, h.dst);
  writeMac(buf, offset + OFF_SRC, h.src);
  put16(buf, offset + OFF_TYPE, h.etherType);
}

/** tcpdump's name for an EtherType ("IPv4", "ARP", …) or its hex value. */
export function etherTypeName(etherType: number): string {
  if (etherType === ETHERTYPE_IPV4) return 'IPv4';
  if (etherType === ETHERTYPE_ARP) return 'ARP';
  if (etherType === ETHERTYPE_IPV6) return 'IPv6';
  if (etherType === 0x8100) return '802.1Q';
  return 'Unknown';
}

/** One line like tcpdump -e: "e2:e7:1a:71:4d:d3 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806)". */
export function describeEthernet(h: EthernetHeader): string {
  const hex = h.etherType.toString(16).padStart(4, '0');
  return `${formatMac(h.src)} > ${formatMac(h.dst)}, ethertype ${etherTypeName(h.etherType)} (0x${hex})`;
}
