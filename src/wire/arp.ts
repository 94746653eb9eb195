/** ARP for Ethernet/IPv4 (RFC 826): a fixed 28-byte packet. */
import { formatIp4, formatMac } from './addr.js';
import { checkRoom, put16, put32, readMac, u8, u16, u32, writeMac } from './bytes.js';
import { fail, truncated } from './result.js';
import { type ArpPacket, ETHERTYPE_IPV4, type ParseResult } from './types.js';

/** ARP packet length for Ethernet/IPv4. */
export const ARP_LEN = 28;
/** ARP opcodes. */
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
/** Hardware type Ethernet. */
export const ARPHRD_ETHER = 1;

const OFF_HTYPE = 0;
const OFF_PTYPE = 2;
const OFF_HLEN = 4;
const OFF_PLEN = 5;
const OFF_OPER = 6;
const OFF_SHA = 8;
const OFF_SPA = 14;
const OFF_THA = 18;
const OFF_TPA = 24;

/** Parses the 28 bytes at `offset`; rejects hardware/protocol types other than Ethernet/IPv4. */
export function parseArp(bytes: Uint8Array, offset = 0): ParseResult<ArpPacket> {
  if (!(offset >= 0) || bytes.length - offset < ARP_LEN)
    return truncated('arp', offset, ARP_LEN, bytes.length - offset);
  if (u16(bytes, offset + OFF_HTYPE) !== ARPHRD_ETHER)
    return fail('arp', 'htype', offset + OFF_HTYPE, '1 (Ethernet)');
  if (u16(bytes, offset + OFF_PTYPE) !== ETHERTYPE_IPV4)
    return fail('arp', 'ptype', offset + OFF_PTYPE, '0x0800 (IPv4)');
  if (u8(bytes, offset + OFF_HLEN) !== 6) return fail('arp', 'hlen', offset + OFF_HLEN, '6');
  if (u8(bytes, offset + OFF_PLEN) !== 4) return fail('arp', 'plen', offset + OFF_PLEN, '4');
  return {
    ok: true,
    value: {
      kind: 'arp',
      op: u16(bytes, offset + OFF_OPER),
      senderMac: readMac(bytes, offset + OFF_SHA),
      senderIp: u32(bytes, offset + OFF_SPA),
      targetMac: readMac(bytes, offset + OFF_THA),
      targetIp: u32(bytes, offset + OFF_TPA),
    },
  };
}

/** Byte length of an ARP packet (always 28). */
export function arpLen(_pkt?: ArpPacket): number {
  return ARP_LEN;
}

/** Writes the 28 bytes at `offset` of `buf` (a new array by default) and returns `buf`. */
export function emitArp(pkt: ArpPacket, buf: Uint8Array = new Uint8Array(ARP_LEN), offset = 0): Uint8Array {
  checkRoom(buf, offset, ARP_LEN, 'emitArp');
  put16(buf, offset + OFF_HTYPE, ARPHRD_ETHER);
  put16(buf, offset + OFF_PTYPE, ETHERTYPE_IPV4);
  buf[offset + OFF_HLEN] = 6;
  buf[offset + OFF_PLEN] = 4;
  put16(buf, offset + OFF_OPER, pkt.op);
  writeMac(buf, offset + OFF_SHA, pkt.senderMac);
  put32(buf, offset + OFF_SPA, pkt.senderIp);
  writeMac(buf, offset + OFF_THA, pkt.targetMac);
  put32(buf, offset + OFF_TPA, pkt.targetIp);
  return buf;
}

/** One line like tcpdump: "Request who-has 192.168.56.12 tell 192.168.56.11, length 28". */
export function describeArp(pkt: ArpPacket): string {
  if (pkt.op === ARP_REQUEST)
    return `Request who-has ${formatIp4(pkt.targetIp)} tell ${formatIp4(pkt.senderIp)}, length 28`;
  if (pkt.op === ARP_REPLY)
    return `Reply ${formatIp4(pkt.senderIp)} is-at ${formatMac(pkt.senderMac)}, length 28`;
  return `ARP op ${pkt.op} ${formatIp4(pkt.senderIp)} > ${formatIp4(pkt.targetIp)}, length 28`;
}
