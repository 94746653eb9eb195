/**
 * Checksums computed from records, without emitting bytes: the ones'-complement sum of what `emit`
 * would write, assembled field by field. A range that starts at an odd position contributes its
 * byte-swapped sum (RFC 1071 §2B), which is how an Ethernet trailer after an odd-length packet counts.
 */
import { finishChecksum, foldSum, type PseudoAddrs, pseudoHeaderSum, sumBytes, swapSum } from './checksum.js';
import { ipv4Len } from './frame.js';
import { icmpFieldSum, verifyIcmp } from './icmp.js';
import { ipv4HeaderFieldSum, isFragment, verifyIpv4Header } from './ipv4.js';
import { tcpSegmentFieldSum, verifyTcp } from './tcp.js';
import {
  type ArpPacket,
  ETHERTYPE_IPV4,
  type EthernetFrame,
  IPPROTO_UDP,
  type Ipv4Packet,
  type Mac,
  type UdpDatagram,
} from './types.js';
import { udpFinish } from './udp.js';
import { vxlanHeaderSum } from './vxlan.js';

const TWO_32 = 0x1_0000_0000;

function macSum(m: Mac): number {
  const lo = m % TWO_32;
  return Math.floor(m / TWO_32) + (lo >>> 16) + (lo & 0xffff);
}

function arpSum(a: ArpPacket): number {
  // htype 1, ptype 0x0800, hlen 6 | plen 4
  const fixed = 1 + ETHERTYPE_IPV4 + 0x0604;
  return (
    fixed +
    a.op +
    macSum(a.senderMac) +
    (a.senderIp >>> 16) +
    (a.senderIp & 0xffff) +
    macSum(a.targetMac) +
    (a.targetIp >>> 16) +
    (a.targetIp & 0xffff)
  );
}

/** Folded sum of the bytes emitEthernet(f) writes, as 16-bit words from an even position. */
export function ethernetSum(f: EthernetFrame): number {
  let s = macSum(f.dst) + macSum(f.src) + f.etherType;
  const p = f.payload;
  let payloadLen: number;
  if (p.kind === 'ipv4') {
    s += ipv4Sum(p);
    payloadLen = ipv4Len(p);
  } else if (p.kind === 'arp') {
    s += arpSum(p);
    payloadLen = 28;
  } else {
    s += sumBytes(p.bytes, 0, p.bytes.length);
    payloadLen = p.bytes.length;
  }
  const t = sumBytes(f.trailer, 0, f.trailer.length);
  return foldSum(s + ((payloadLen & 1) === 0 ? t : swapSum(t)));
}

/** Folded sum of the bytes emitIpv4(p) writes (header words with the stored checksum, then the payload). */
export function ipv4Sum(p: Ipv4Packet): number {
  return foldSum(ipv4HeaderFieldSum(p) + p.checksum + l4Sum(p.payload));
}

/** Folded sum of the bytes of an IPv4 payload as emitted (stored checksums included, no pseudo-header). */
export function l4Sum(p: Ipv4Packet['payload']): number {
  switch (p.kind) {
    case 'icmp':
      return foldSum(icmpFieldSum(p.type, p.code, p.rest, p.data) + p.checksum);
    case 'udp':
      return foldSum(udpPayloadSum(p) + p.srcPort + p.dstPort + p.length + p.checksum);
    case 'tcp':
      return foldSum(tcpSegmentFieldSum(p) + p.checksum);
    case 'raw':
      return foldSum(sumBytes(p.bytes, 0, p.bytes.length));
  }
}

/** Sum of a UDP payload: raw bytes, or the VXLAN header and the whole inner frame. */
export function udpPayloadSum(d: Pick<UdpDatagram, 'payload'>): number {
  const p = d.payload;
  if (p.kind === 'vxlan') return vxlanHeaderSum(p) + ethernetSum(p.inner);
  return sumBytes(p.bytes, 0, p.bytes.length);
}

/** The correct UDP checksum between these addresses (0xffff when the sum gives 0; the stored one is ignored). */
export function udpChecksum(d: Omit<UdpDatagram, 'kind' | 'checksum'>, ip: PseudoAddrs): number {
  const pseudo = pseudoHeaderSum(ip.src, ip.dst, IPPROTO_UDP, d.length);
  return udpFinish(pseudo + d.srcPort + d.dstPort + d.length + udpPayloadSum(d));
}

/** True when the stored UDP checksum is right, or 0 ("no checksum"). */
export function verifyUdp(d: UdpDatagram, ip: PseudoAddrs): boolean {
  if (d.checksum === 0) return true;
  const pseudo = pseudoHeaderSum(ip.src, ip.dst, IPPROTO_UDP, d.length);
  return finishChecksum(pseudo + l4Sum(d)) === 0;
}

/**
 * True when every checksum of the packet is right: the IPv4 header, the ICMP/UDP/TCP checksum of an
 * unfragmented packet, and the checksums of a frame carried in VXLAN.
 */
export function verifyIpv4(p: Ipv4Packet): boolean {
  if (!verifyIpv4Header(p)) return false;
  if (isFragment(p)) return true;
  const l4 = p.payload;
  switch (l4.kind) {
    case 'icmp':
      return verifyIcmp(l4);
    case 'tcp':
      return verifyTcp(l4, p);
    case 'udp':
      return verifyUdp(l4, p) && (l4.payload.kind !== 'vxlan' || verifyEthernet(l4.payload.inner));
    case 'raw':
      return true;
  }
}

/** True when every checksum in the frame is right (ARP and raw payloads have none). */
export function verifyEthernet(f: EthernetFrame): boolean {
  return f.payload.kind === 'ipv4' ? verifyIpv4(f.payload) : true;
}
