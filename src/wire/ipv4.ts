/**
 * IPv4 header (RFC 791): parse, emit and the header checksum computed from the fields. The payload is
 * dispatched in frame.ts; here the header is checked so that every later read is in bounds.
 */
import { formatIp4 } from './addr.js';
import { put16, put32, u8, u16, u32 } from './bytes.js';
import { checksumValid, finishChecksum, sumBytes } from './checksum.js';
import { fail, type ParseOptions, truncated } from './result.js';
import {
  IP_FLAG_DF,
  IP_FLAG_MF,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  type ParseResult,
} from './types.js';

/** Header length without options. */
export const IPV4_HLEN = 20;
/** Most option bytes a header can carry (IHL 15). */
export const IPV4_MAX_OPTIONS = 40;
/** Linux's default TTL (net.ipv4.ip_default_ttl). */
export const IPV4_DEFAULT_TTL = 64;

const OFF_VIHL = 0;
const OFF_TOS = 1;
const OFF_LEN = 2;
const OFF_ID = 4;
const OFF_FRAG = 6;
const OFF_TTL = 8;
const OFF_PROTO = 9;
const OFF_CSUM = 10;
const OFF_SRC = 12;
const OFF_DST = 16;
const OFF_OPTIONS = 20;

/** The header fields of an IPv4 packet. */
export type Ipv4Header = Omit<Ipv4Packet, 'payload'>;

/** Parses and checks the header at `offset`: version, IHL, total length within the input, checksum if asked. */
export function parseIpv4Header(
  bytes: Uint8Array,
  offset: number,
  opts: ParseOptions,
): ParseResult<Ipv4Header> {
  const avail = bytes.length - offset;
  if (!(offset >= 0) || avail < IPV4_HLEN) return truncated('ipv4', offset, IPV4_HLEN, avail);
  const vihl = u8(bytes, offset + OFF_VIHL);
  if (vihl >>> 4 !== 4) return fail('ipv4', 'version', offset, '4');
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < IPV4_HLEN) return fail('ipv4', 'ihl', offset, 'at least 5 (20 bytes)');
  if (hlen > avail) return fail('ipv4', 'ihl', offset, `a header within the ${avail} bytes available`);
  const totalLength = u16(bytes, offset + OFF_LEN);
  if (totalLength < hlen)
    return fail('ipv4', 'totalLength', offset + OFF_LEN, `at least the header length ${hlen}`);
  if (totalLength > avail)
    return fail('ipv4', 'totalLength', offset + OFF_LEN, `at most the ${avail} bytes available`);
  const checksum = u16(bytes, offset + OFF_CSUM);
  if (opts.verifyChecksums === true && !checksumValid(bytes, offset, offset + hlen)) {
    const right = finishChecksum(sumBytes(bytes, offset, offset + hlen) - checksum);
    return fail('ipv4', 'checksum', offset + OFF_CSUM, `0x${right.toString(16).padStart(4, '0')}`);
  }
  const frag = u16(bytes, offset + OFF_FRAG);
  return {
    ok: true,
    value: {
      kind: 'ipv4',
      tos: u8(bytes, offset + OFF_TOS),
      totalLength,
      id: u16(bytes, offset + OFF_ID),
      flags: frag >>> 13,
      fragOffset: frag & 0x1fff,
      ttl: u8(bytes, offset + OFF_TTL),
      protocol: u8(bytes, offset + OFF_PROTO),
      checksum,
      src: u32(bytes, offset + OFF_SRC),
      dst: u32(bytes, offset + OFF_DST),
      options: bytes.slice(offset + OFF_OPTIONS, offset + hlen),
    },
  };
}

/** Header length in bytes: 20 plus the options. */
export function ipv4HeaderLen(h: Pick<Ipv4Header, 'options'>): number {
  return IPV4_HLEN + h.options.length;
}

/** Throws RangeError for options an IHL cannot describe (not a multiple of 4, or over 40 bytes). */
export function checkIpv4Options(options: Uint8Array): void {
  if (options.length % 4 !== 0 || options.length > IPV4_MAX_OPTIONS) {
    throw new RangeError(`IPv4 options must be a multiple of 4 bytes up to 40, got ${options.length}`);
  }
}

/** Writes the header (20 bytes + options) at `offset`, fields as stored; IHL follows the options. */
export function emitIpv4Header(h: Ipv4Header, buf: Uint8Array, offset: number): void {
  checkIpv4Options(h.options);
  buf[offset + OFF_VIHL] = 0x40 | (5 + (h.options.length >>> 2));
  buf[offset + OFF_TOS] = h.tos;
  put16(buf, offset + OFF_LEN, h.totalLength);
  put16(buf, offset + OFF_ID, h.id);
  put16(buf, offset + OFF_FRAG, ((h.flags & 0x7) << 13) | (h.fragOffset & 0x1fff));
  buf[offset + OFF_TTL] = h.ttl;
  buf[offset + OFF_PROTO] = h.protocol;
  put16(buf, offset + OFF_CSUM, h.checksum);
  put32(buf, offset + OFF_SRC, h.src);
  put32(buf, offset + OFF_DST, h.dst);
  buf.set(h.options, offset + OFF_OPTIONS);
}

/** Sum of the header words except the checksum field, from the fields (no bytes are written). */
export function ipv4HeaderFieldSum(h: Omit<Ipv4Header, 'kind' | 'checksum'>): number {
  return ipv4FieldSumOf(
    h.tos,
    h.totalLength,
    h.id,
    h.flags,
    h.fragOffset,
    h.ttl,
    h.protocol,
    h.src,
    h.dst,
    h.options,
  );
}

/** ipv4HeaderFieldSum from plain values, so builders need no intermediate record. */
export function ipv4FieldSumOf(
  tos: number,
  totalLength: number,
  id: number,
  flags: number,
  fragOffset: number,
  ttl: number,
  protocol: number,
  src: Ip4,
  dst: Ip4,
  options: Uint8Array,
): number {
  return (
    (((0x40 | (5 + (options.length >>> 2))) << 8) | tos) +
    totalLength +
    id +
    (((flags & 0x7) << 13) | (fragOffset & 0x1fff)) +
    ((ttl << 8) | protocol) +
    (src >>> 16) +
    (src & 0xffff) +
    (dst >>> 16) +
    (dst & 0xffff) +
    sumBytes(options, 0, options.length)
  );
}

/** The correct header checksum for these fields (the stored checksum is ignored). */
export function ipv4HeaderChecksum(h: Omit<Ipv4Header, 'kind' | 'checksum'>): number {
  return finishChecksum(ipv4HeaderFieldSum(h));
}

/** True when the stored header checksum is right (the header sums to 0xffff). */
export function verifyIpv4Header(h: Ipv4Header): boolean {
  return finishChecksum(ipv4HeaderFieldSum(h) + h.checksum) === 0;
}

/** True for a fragment (MF set or a non-zero offset): its payload is carried as raw bytes. */
export function isFragment(h: Pick<Ipv4Header, 'flags' | 'fragOffset'>): boolean {
  return (h.flags & IP_FLAG_MF) !== 0 || h.fragOffset !== 0;
}

/** tcpdump's name for an IP protocol number. */
export function protocolName(protocol: number): string {
  if (protocol === IPPROTO_ICMP) return 'ICMP';
  if (protocol === IPPROTO_TCP) return 'TCP';
  if (protocol === IPPROTO_UDP) return 'UDP';
  return 'unknown';
}

/** One line like tcpdump -v: "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 134) a > b". */
export function describeIpv4(h: Ipv4Header): string {
  let flags = '';
  if ((h.flags & 0b100) !== 0) flags += 'rsvd';
  if ((h.flags & IP_FLAG_DF) !== 0) flags += 'DF';
  if ((h.flags & IP_FLAG_MF) !== 0) flags += '+';
  const head =
    `IP (tos 0x${h.tos.toString(16)}, ttl ${h.ttl}, id ${h.id}, offset ${h.fragOffset * 8}, ` +
    `flags [${flags === '' ? 'none' : flags}], proto ${protocolName(h.protocol)} (${h.protocol}), length ${h.totalLength}`;
  const opts = h.options.length > 0 ? `, options (${h.options.length} bytes)` : '';
  return `${head}${opts}) ${formatIp4(h.src)} > ${formatIp4(h.dst)}`;
}
