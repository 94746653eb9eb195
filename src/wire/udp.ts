/**
 * UDP header (RFC 768). The checksum covers the IPv4 pseudo-header, the header and the data; 0 on the
 * wire means "no checksum" and is always accepted. Whether the payload is VXLAN is decided in frame.ts.
 */
import { put16, u16 } from './bytes.js';
import { checksumValid, finishChecksum, type PseudoAddrs, pseudoHeaderSum, sumBytes } from './checksum.js';
import { fail, type ParseOptions, truncated } from './result.js';
import { IPPROTO_UDP, type ParseResult, type UdpDatagram } from './types.js';

/** UDP header length. */
export const UDP_HLEN = 8;

const OFF_SRC = 0;
const OFF_DST = 2;
const OFF_LEN = 4;
const OFF_CSUM = 6;

/** The header fields of a UDP datagram. */
export type UdpHeader = Omit<UdpDatagram, 'payload'>;

/**
 * Parses the header at `offset`; the datagram runs to the end of `bytes` and its length field must say
 * exactly that (a datagram shorter than its IP payload is rejected rather than silently trimmed).
 */
export function parseUdpHeader(
  bytes: Uint8Array,
  offset: number,
  ip: PseudoAddrs,
  opts: ParseOptions,
): ParseResult<UdpHeader> {
  const avail = bytes.length - offset;
  if (!(offset >= 0) || avail < UDP_HLEN) return truncated('udp', offset, UDP_HLEN, avail);
  const length = u16(bytes, offset + OFF_LEN);
  if (length !== avail) return fail('udp', 'length', offset + OFF_LEN, `${avail} (the IP payload length)`);
  const checksum = u16(bytes, offset + OFF_CSUM);
  if (opts.verifyChecksums === true && checksum !== 0) {
    const pseudo = pseudoHeaderSum(ip.src, ip.dst, IPPROTO_UDP, length);
    if (!checksumValid(bytes, offset, offset + length, pseudo)) {
      const right = udpFinish(sumBytes(bytes, offset, offset + length, pseudo) - checksum);
      return fail('udp', 'checksum', offset + OFF_CSUM, `0x${right.toString(16).padStart(4, '0')} or 0`);
    }
  }
  return {
    ok: true,
    value: {
      kind: 'udp',
      srcPort: u16(bytes, offset + OFF_SRC),
      dstPort: u16(bytes, offset + OFF_DST),
      length,
      checksum,
    },
  };
}

/** Writes the 8-byte header at `offset`, fields as stored (the caller has checked room). */
export function emitUdpHeader(h: UdpHeader, buf: Uint8Array, offset: number): void {
  put16(buf, offset + OFF_SRC, h.srcPort);
  put16(buf, offset + OFF_DST, h.dstPort);
  put16(buf, offset + OFF_LEN, h.length);
  put16(buf, offset + OFF_CSUM, h.checksum);
}

/** Finishes a UDP checksum from a sum: a computed 0x0000 is sent as 0xffff (RFC 768), since 0 means "none". */
export function udpFinish(sum: number): number {
  const c = finishChecksum(sum);
  return c === 0 ? 0xffff : c;
}

/** One line like tcpdump: "UDP 50640 > 8472, length 106" (length of the data). */
export function describeUdp(h: UdpHeader): string {
  return `UDP ${h.srcPort} > ${h.dstPort}, length ${h.length - UDP_HLEN}`;
}
