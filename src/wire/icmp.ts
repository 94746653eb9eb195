/**
 * ICMP for IPv4 (RFC 792): an 8-byte header whose checksum covers the whole message, no pseudo-header.
 * Error messages keep the quoted original datagram as bytes in `data`.
 */
import { formatIp4 } from './addr.js';
import { checkRoom, put16, put32, u8, u16, u32 } from './bytes.js';
import { checksumValid, finishChecksum, sumBytes } from './checksum.js';
import { fail, type ParseOptions, truncated } from './result.js';
import type { IcmpMessage, Ip4, ParseResult } from './types.js';

/** ICMP header length: type, code, checksum, rest-of-header. */
export const ICMP_HLEN = 8;

/** ICMP types (Linux names). */
export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
/** Destination unreachable codes. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_PKT_FILTERED = 13;
/** Time exceeded codes. */
export const ICMP_EXC_TTL = 0;
export const ICMP_EXC_FRAGTIME = 1;

const OFF_TYPE = 0;
const OFF_CODE = 1;
const OFF_CSUM = 2;
const OFF_REST = 4;

/** Parses the message at `offset`, which runs to the end of `bytes`; verifies the checksum if asked. */
export function parseIcmp(bytes: Uint8Array, offset = 0, opts: ParseOptions = {}): ParseResult<IcmpMessage> {
  const end = bytes.length;
  if (!(offset >= 0) || end - offset < ICMP_HLEN) return truncated('icmp', offset, ICMP_HLEN, end - offset);
  const checksum = u16(bytes, offset + OFF_CSUM);
  if (opts.verifyChecksums === true && !checksumValid(bytes, offset, end)) {
    const right = finishChecksum(sumBytes(bytes, offset, end) - checksum);
    return fail('icmp', 'checksum', offset + OFF_CSUM, `0x${right.toString(16).padStart(4, '0')}`);
  }
  return {
    ok: true,
    value: {
      kind: 'icmp',
      type: u8(bytes, offset + OFF_TYPE),
      code: u8(bytes, offset + OFF_CODE),
      checksum,
      rest: u32(bytes, offset + OFF_REST),
      data: bytes.slice(offset + ICMP_HLEN, end),
    },
  };
}

/** Byte length of the message: 8 plus the data. */
export function icmpLen(m: IcmpMessage): number {
  return ICMP_HLEN + m.data.length;
}

/** Writes the message at `offset` of `buf` (a new array by default), fields as stored; returns `buf`. */
export function emitIcmp(
  m: IcmpMessage,
  buf: Uint8Array = new Uint8Array(icmpLen(m)),
  offset = 0,
): Uint8Array {
  checkRoom(buf, offset, icmpLen(m), 'emitIcmp');
  buf[offset + OFF_TYPE] = m.type;
  buf[offset + OFF_CODE] = m.code;
  put16(buf, offset + OFF_CSUM, m.checksum);
  put32(buf, offset + OFF_REST, m.rest);
  buf.set(m.data, offset + ICMP_HLEN);
  return buf;
}

/** Sum of the message words except the checksum field. */
export function icmpFieldSum(type: number, code: number, rest: number, data: Uint8Array): number {
  return ((type << 8) | code) + (rest >>> 16) + (rest & 0xffff) + sumBytes(data, 0, data.length);
}

/** The correct checksum for this message (the stored one is ignored). */
export function icmpChecksum(m: Omit<IcmpMessage, 'kind' | 'checksum'>): number {
  return finishChecksum(icmpFieldSum(m.type, m.code, m.rest, m.data));
}

/** True when the stored checksum is right. */
export function verifyIcmp(m: IcmpMessage): boolean {
  return finishChecksum(icmpFieldSum(m.type, m.code, m.rest, m.data) + m.checksum) === 0;
}

/** Echo identifier (bytes 4–5 of an echo request/reply). */
export function echoId(m: IcmpMessage): number {
  return m.rest >>> 16;
}

/** Echo sequence number (bytes 6–7 of an echo request/reply). */
export function echoSeq(m: IcmpMessage): number {
  return m.rest & 0xffff;
}

/** True for the error types that quote an original datagram (destination unreachable, time exceeded, …). */
export function isIcmpError(type: number): boolean {
  return type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED || type === 4 || type === 5 || type === 12;
}

const UNREACH: readonly string[] = ['net', 'host', 'protocol', 'port'];

function quotedDst(m: IcmpMessage): string {
  return m.data.length >= 20 ? `${formatIp4(u32(m.data, 16))} ` : '';
}

/** One line like tcpdump: "ICMP echo request, id 13952, seq 1, length 64". */
export function describeIcmp(m: IcmpMessage): string {
  const len = `length ${icmpLen(m)}`;
  if (m.type === ICMP_ECHO || m.type === ICMP_ECHOREPLY) {
    const what = m.type === ICMP_ECHO ? 'request' : 'reply';
    return `ICMP echo ${what}, id ${echoId(m)}, seq ${echoSeq(m)}, ${len}`;
  }
  if (m.type === ICMP_TIME_EXCEEDED) {
    return `ICMP time exceeded ${m.code === ICMP_EXC_TTL ? 'in-transit' : 'reassembly'}, ${len}`;
  }
  if (m.type === ICMP_DEST_UNREACH) {
    if (m.code === ICMP_FRAG_NEEDED)
      return `ICMP ${quotedDst(m)}unreachable - need to frag (mtu ${m.rest & 0xffff}), ${len}`;
    if (m.code === ICMP_PKT_FILTERED)
      return `ICMP ${quotedDst(m)}unreachable - admin prohibited filter, ${len}`;
    const what = UNREACH[m.code] ?? `code ${m.code}`;
    return `ICMP ${quotedDst(m)}${what} unreachable, ${len}`;
  }
  return `ICMP type ${m.type}, code ${m.code}, ${len}`;
}

/** What an ICMP error's quoted datagram says of the packet it is about (the quote may be truncated). */
export interface IcmpQuote {
  readonly protocol: number;
  readonly dst: Ip4;
  /** Where the quoted transport header starts in the quote (the quoted IHL × 4). */
  readonly headerLen: number;
}

/**
 * Reads the IPv4 header an ICMP error quotes: protocol, destination and header length, which is what
 * the sender needs to find the socket or route the error is about. Unlike parseIpv4Header it accepts a
 * quote cut short of the datagram's total length; undefined if not even an IPv4 header is there.
 */
export function parseIcmpQuote(quote: Uint8Array): IcmpQuote | undefined {
  if (quote.length < 20 || u8(quote, 0) >>> 4 !== 4) return undefined;
  return { protocol: u8(quote, 9), dst: u32(quote, 16), headerLen: (u8(quote, 0) & 0x0f) * 4 };
}
