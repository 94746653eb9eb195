/**
 * TCP segment (RFC 9293) with its options (RFC 7323 timestamps and window scale, RFC 2018 SACK
 * permitted). Options are kept in order; a known kind with an unusual length is kept as `unknown` so
 * that emit reproduces the bytes exactly.
 */
import { checkRoom, put16, put32, u8, u16, u32 } from './bytes.js';
import {
  checksumValid,
  finishChecksum,
  type PseudoAddrs,
  pseudoHeaderSum,
  sumBytes,
  swapSum,
} from './checksum.js';
import { fail, type ParseOptions, truncated } from './result.js';
import { IPPROTO_TCP, type ParseResult, type TcpOption, type TcpSegment } from './types.js';

/** TCP header length without options. */
export const TCP_HLEN = 20;
/** Most option bytes a header can carry (data offset 15). */
export const TCP_MAX_OPTIONS = 40;
/** Option kinds. */
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_TIMESTAMP = 8;

const OFF_SRC = 0;
const OFF_DST = 2;
const OFF_SEQ = 4;
const OFF_ACK = 8;
const OFF_DOFF = 12;
const OFF_FLAGS = 13;
const OFF_WIN = 14;
const OFF_CSUM = 16;
const OFF_URP = 18;

function parseOptions(bytes: Uint8Array, start: number, end: number): ParseResult<readonly TcpOption[]> {
  const out: TcpOption[] = [];
  let i = start;
  while (i < end) {
    const kind = u8(bytes, i);
    if (kind === TCPOPT_EOL) {
      out.push({ kind: 'eol' });
      for (let j = i + 1; j < end; j++) {
        if (u8(bytes, j) !== 0) return fail('tcp', 'options', j, 'zero padding after EOL');
      }
      break;
    }
    if (kind === TCPOPT_NOP) {
      out.push({ kind: 'nop' });
      i += 1;
      continue;
    }
    if (i + 1 >= end) return fail('tcp', 'options', i, `a length byte for option kind ${kind}`);
    const len = u8(bytes, i + 1);
    if (len < 2 || i + len > end) return fail('tcp', 'options', i + 1, `an option length in 2..${end - i}`);
    if (kind === TCPOPT_MSS && len === 4) out.push({ kind: 'mss', mss: u16(bytes, i + 2) });
    else if (kind === TCPOPT_WINDOW && len === 3) out.push({ kind: 'wscale', shift: u8(bytes, i + 2) });
    else if (kind === TCPOPT_SACK_PERM && len === 2) out.push({ kind: 'sackPermitted' });
    else if (kind === TCPOPT_TIMESTAMP && len === 10) {
      out.push({ kind: 'timestamps', tsval: u32(bytes, i + 2), tsecr: u32(bytes, i + 6) });
    } else out.push({ kind: 'unknown', code: kind, data: bytes.slice(i + 2, i + len) });
    i += len;
  }
  return { ok: true, value: out };
}

/** Parses the segment at `offset`, which runs to the end of `bytes`; verifies the checksum if asked. */
export function parseTcp(
  bytes: Uint8Array,
  offset: number,
  ip: PseudoAddrs,
  opts: ParseOptions = {},
): ParseResult<TcpSegment> {
  const end = bytes.length;
  const avail = end - offset;
  if (!(offset >= 0) || avail < TCP_HLEN) return truncated('tcp', offset, TCP_HLEN, avail);
  const doffByte = u8(bytes, offset + OFF_DOFF);
  const dataOffset = doffByte >>> 4;
  if (dataOffset < 5) return fail('tcp', 'dataOffset', offset + OFF_DOFF, 'at least 5 (20 bytes)');
  const hlen = dataOffset * 4;
  if (hlen > avail)
    return fail('tcp', 'dataOffset', offset + OFF_DOFF, `a header within the ${avail} bytes available`);
  const checksum = u16(bytes, offset + OFF_CSUM);
  if (opts.verifyChecksums === true) {
    const pseudo = pseudoHeaderSum(ip.src, ip.dst, IPPROTO_TCP, avail);
    if (!checksumValid(bytes, offset, end, pseudo)) {
      const right = finishChecksum(sumBytes(bytes, offset, end, pseudo) - checksum);
      return fail('tcp', 'checksum', offset + OFF_CSUM, `0x${right.toString(16).padStart(4, '0')}`);
    }
  }
  const options = parseOptions(bytes, offset + TCP_HLEN, offset + hlen);
  if (!options.ok) return options;
  return {
    ok: true,
    value: {
      kind: 'tcp',
      srcPort: u16(bytes, offset + OFF_SRC),
      dstPort: u16(bytes, offset + OFF_DST),
      seq: u32(bytes, offset + OFF_SEQ),
      ack: u32(bytes, offset + OFF_ACK),
      dataOffset,
      reserved: doffByte & 0x0f,
      flags: u8(bytes, offset + OFF_FLAGS),
      window: u16(bytes, offset + OFF_WIN),
      checksum,
      urgent: u16(bytes, offset + OFF_URP),
      options: options.value,
      payload: bytes.slice(offset + hlen, end),
    },
  };
}

/** Byte length of one option. */
export function tcpOptionLen(o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'timestamps':
      return 10;
    case 'unknown':
      return 2 + o.data.length;
  }
}

/** Byte length of an option list, before padding to a 32-bit boundary. */
export function tcpOptionsLen(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) n += tcpOptionLen(o);
  return n;
}

/** Byte length of the segment: the header as its data offset says, plus the payload. */
export function tcpLen(s: TcpSegment): number {
  return s.dataOffset * 4 + s.payload.length;
}

function writeOption(o: TcpOption, buf: Uint8Array, at: number): void {
  switch (o.kind) {
    case 'eol':
      buf[at] = TCPOPT_EOL;
      return;
    case 'nop':
      buf[at] = TCPOPT_NOP;
      return;
    case 'mss':
      buf[at] = TCPOPT_MSS;
      buf[at + 1] = 4;
      put16(buf, at + 2, o.mss);
      return;
    case 'wscale':
      buf[at] = TCPOPT_WINDOW;
      buf[at + 1] = 3;
      buf[at + 2] = o.shift;
      return;
    case 'sackPermitted':
      buf[at] = TCPOPT_SACK_PERM;
      buf[at + 1] = 2;
      return;
    case 'timestamps':
      buf[at] = TCPOPT_TIMESTAMP;
      buf[at + 1] = 10;
      put32(buf, at + 2, o.tsval);
      put32(buf, at + 6, o.tsecr);
      return;
    case 'unknown':
      buf[at] = o.code;
      buf[at + 1] = 2 + o.data.length;
      buf.set(o.data, at + 2);
  }
}

/** Writes the segment at `offset` of `buf` (a new array by default), fields as stored; returns `buf`. */
export function emitTcp(s: TcpSegment, buf: Uint8Array = new Uint8Array(tcpLen(s)), offset = 0): Uint8Array {
  const hlen = s.dataOffset * 4;
  const optLen = tcpOptionsLen(s.options);
  if (s.dataOffset < 5 || s.dataOffset > 15 || optLen > hlen - TCP_HLEN) {
    throw new RangeError(`emitTcp: ${optLen} option bytes do not fit data offset ${s.dataOffset}`);
  }
  checkRoom(buf, offset, tcpLen(s), 'emitTcp');
  put16(buf, offset + OFF_SRC, s.srcPort);
  put16(buf, offset + OFF_DST, s.dstPort);
  put32(buf, offset + OFF_SEQ, s.seq);
  put32(buf, offset + OFF_ACK, s.ack);
  buf[offset + OFF_DOFF] = (s.dataOffset << 4) | (s.reserved & 0x0f);
  buf[offset + OFF_FLAGS] = s.flags;
  put16(buf, offset + OFF_WIN, s.window);
  put16(buf, offset + OFF_CSUM, s.checksum);
  put16(buf, offset + OFF_URP, s.urgent);
  let at = offset + TCP_HLEN;
  for (const o of s.options) {
    writeOption(o, buf, at);
    at += tcpOptionLen(o);
  }
  buf.fill(0, at, offset + hlen);
  buf.set(s.payload, offset + hlen);
  return buf;
}

/** A 16-bit value's contribution when it starts at byte position `pos` of the checksummed range. */
function wordAt(v: number, pos: number): number {
  return (pos & 1) === 0 ? v : ((v & 0xff) << 8) | (v >>> 8);
}

/** Sum of the option bytes as 16-bit words, options starting at an even position (offset 20). */
export function tcpOptionsSum(options: readonly TcpOption[]): number {
  let s = 0;
  let pos = 0;
  for (const o of options) {
    switch (o.kind) {
      case 'eol':
        break;
      case 'nop':
        s += wordAt(TCPOPT_NOP << 8, pos);
        break;
      case 'mss':
        s += wordAt((TCPOPT_MSS << 8) | 4, pos) + wordAt(o.mss, pos);
        break;
      case 'wscale':
        s += wordAt((TCPOPT_WINDOW << 8) | 3, pos) + wordAt((o.shift & 0xff) << 8, pos);
        break;
      case 'sackPermitted':
        s += wordAt((TCPOPT_SACK_PERM << 8) | 2, pos);
        break;
      case 'timestamps':
        s += wordAt((TCPOPT_TIMESTAMP << 8) | 10, pos);
        s += wordAt(o.tsval >>> 16, pos) + wordAt(o.tsval & 0xffff, pos);
        s += wordAt(o.tsecr >>> 16, pos) + wordAt(o.tsecr & 0xffff, pos);
        break;
      case 'unknown': {
        s += wordAt(((o.code & 0xff) << 8) | ((2 + o.data.length) & 0xff), pos);
        const d = sumBytes(o.data, 0, o.data.length);
        s += (pos & 1) === 0 ? d : swapSum(d);
      }
    }
    pos += tcpOptionLen(o);
  }
  return s;
}

/** Sum of the segment's words except the checksum field, without the pseudo-header, from the fields. */
export function tcpSegmentFieldSum(s: Omit<TcpSegment, 'kind' | 'checksum'>): number {
  return (
    s.srcPort +
    s.dstPort +
    (s.seq >>> 16) +
    (s.seq & 0xffff) +
    (s.ack >>> 16) +
    (s.ack & 0xffff) +
    (((s.dataOffset & 0xf) << 12) | ((s.reserved & 0xf) << 8) | (s.flags & 0xff)) +
    s.window +
    s.urgent +
    tcpOptionsSum(s.options) +
    sumBytes(s.payload, 0, s.payload.length)
  );
}

/** Sum of the segment and pseudo-header except the checksum field, from the fields. */
export function tcpFieldSum(s: Omit<TcpSegment, 'kind' | 'checksum'>, ip: PseudoAddrs): number {
  const len = s.dataOffset * 4 + s.payload.length;
  return pseudoHeaderSum(ip.src, ip.dst, IPPROTO_TCP, len) + tcpSegmentFieldSum(s);
}

/** The correct checksum for this segment between these addresses (the stored one is ignored). */
export function tcpChecksum(s: Omit<TcpSegment, 'kind' | 'checksum'>, ip: PseudoAddrs): number {
  return finishChecksum(tcpFieldSum(s, ip));
}

/** True when the stored checksum is right for these addresses. */
export function verifyTcp(s: TcpSegment, ip: PseudoAddrs): boolean {
  return finishChecksum(tcpFieldSum(s, ip) + s.checksum) === 0;
}

const FLAG_CHARS: readonly (readonly [number, string])[] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];

function describeOption(o: TcpOption): string {
  switch (o.kind) {
    case 'eol':
      return 'eol';
    case 'nop':
      return 'nop';
    case 'mss':
      return `mss ${o.mss}`;
    case 'wscale':
      return `wscale ${o.shift}`;
    case 'sackPermitted':
      return 'sackOK';
    case 'timestamps':
      return `TS val ${o.tsval} ecr ${o.tsecr}`;
    case 'unknown':
      return `unknown-${o.code} len ${o.data.length + 2}`;
  }
}

/** One line like tcpdump: "TCP 40001 > 8080: Flags [S], seq 1, win 64860, options [mss 1410,…], length 0". */
export function describeTcp(s: TcpSegment): string {
  let flags = '';
  for (const [bit, ch] of FLAG_CHARS) if ((s.flags & bit) !== 0) flags += ch;
  const ack = (s.flags & 0x10) !== 0 ? `, ack ${s.ack}` : '';
  const opts = s.options.length > 0 ? `, options [${s.options.map(describeOption).join(',')}]` : '';
  return `TCP ${s.srcPort} > ${s.dstPort}: Flags [${flags === '' ? 'none' : flags}], seq ${s.seq}${ack}, win ${s.window}${opts}, length ${s.payload.length}`;
}
