/**
 * Hot-path rewrites a forwarding or NAT device makes: each returns a new record (the input is never
 * touched) and patches checksums incrementally, as the kernel does, instead of summing the packet again.
 * No strings, no BigInt, no allocation beyond the new records.
 */
import { updateChecksum16, updateChecksum32 } from './checksum.js';
import { ICMP_ECHO, ICMP_ECHOREPLY } from './icmp.js';
import type { IcmpMessage, Ip4, Ipv4Packet } from './types.js';

function withHeader(
  p: Ipv4Packet,
  ttl: number,
  checksum: number,
  src: Ip4,
  dst: Ip4,
  payload: Ipv4Packet['payload'],
): Ipv4Packet {
  return {
    kind: 'ipv4',
    tos: p.tos,
    totalLength: p.totalLength,
    id: p.id,
    flags: p.flags,
    fragOffset: p.fragOffset,
    ttl,
    protocol: p.protocol,
    checksum,
    src,
    dst,
    options: p.options,
    payload,
  };
}

/**
 * TTL minus one with the header checksum patched as Linux's ip_decrease_ttl does: add 0x0100 and fold
 * the carry (a result of 0xffff becomes 0x0000). Throws RangeError for TTL 0: forwarding checks first.
 */
export function decrementTtl(p: Ipv4Packet): Ipv4Packet {
  if (p.ttl === 0) throw new RangeError('decrementTtl(): TTL is already 0');
  const c = p.checksum + 0x0100;
  const checksum = (c + (c >= 0xffff ? 1 : 0)) & 0xffff;
  return withHeader(p, p.ttl - 1, checksum, p.src, p.dst, p.payload);
}

function rewriteL4(
  p: Ipv4Packet,
  src: Ip4,
  dst: Ip4,
  srcPort: number,
  dstPort: number,
): Ipv4Packet['payload'] {
  const l4 = p.payload;
  if (l4.kind === 'udp') {
    // nf_nat udp_manip_pkt: a datagram without checksum keeps none; a result of 0 is sent as 0xffff.
    if (l4.checksum === 0 && l4.srcPort === srcPort && l4.dstPort === dstPort) return l4;
    let c = l4.checksum;
    if (c !== 0) {
      if (src !== p.src) c = updateChecksum32(c, p.src, src);
      if (dst !== p.dst) c = updateChecksum32(c, p.dst, dst);
      if (srcPort !== l4.srcPort) c = updateChecksum16(c, l4.srcPort, srcPort);
      if (dstPort !== l4.dstPort) c = updateChecksum16(c, l4.dstPort, dstPort);
      if (c === 0) c = 0xffff;
    }
    return {
      kind: 'udp',
      srcPort,
      dstPort,
      length: l4.length,
      checksum: c,
      payload: l4.payload,
    };
  }
  if (l4.kind === 'tcp') {
    let c = l4.checksum;
    if (src !== p.src) c = updateChecksum32(c, p.src, src);
    if (dst !== p.dst) c = updateChecksum32(c, p.dst, dst);
    if (srcPort !== l4.srcPort) c = updateChecksum16(c, l4.srcPort, srcPort);
    if (dstPort !== l4.dstPort) c = updateChecksum16(c, l4.dstPort, dstPort);
    return {
      kind: 'tcp',
      srcPort,
      dstPort,
      seq: l4.seq,
      ack: l4.ack,
      dataOffset: l4.dataOffset,
      reserved: l4.reserved,
      flags: l4.flags,
      window: l4.window,
      checksum: c,
      urgent: l4.urgent,
      options: l4.options,
      payload: l4.payload,
    };
  }
  // ICMP has no pseudo-header; fragments and unknown protocols carry raw bytes.
  return l4;
}

function ipChecksum(p: Ipv4Packet, src: Ip4, dst: Ip4): number {
  let c = p.checksum;
  if (src !== p.src) c = updateChecksum32(c, p.src, src);
  if (dst !== p.dst) c = updateChecksum32(c, p.dst, dst);
  return c;
}

function portsOf(p: Ipv4Packet, what: string): { readonly srcPort: number; readonly dstPort: number } {
  const l4 = p.payload;
  if (l4.kind === 'udp' || l4.kind === 'tcp') return l4;
  throw new RangeError(`${what}: ports need an unfragmented UDP or TCP packet, got ${l4.kind}`);
}

/**
 * New addresses with the IPv4 and UDP/TCP checksums patched (RFC 1624, as csum_replace4 in nf_nat).
 * ICMP and raw payloads (fragments) are kept; a UDP checksum of 0 stays 0.
 */
export function withAddresses(p: Ipv4Packet, src: Ip4, dst: Ip4): Ipv4Packet {
  if (src === p.src && dst === p.dst) return p;
  const l4 = p.payload;
  const payload =
    l4.kind === 'udp' || l4.kind === 'tcp' ? rewriteL4(p, src, dst, l4.srcPort, l4.dstPort) : l4;
  return withHeader(p, p.ttl, ipChecksum(p, src, dst), src, dst, payload);
}

/** New UDP/TCP ports with the L4 checksum patched; throws RangeError for other payloads. */
export function withPorts(p: Ipv4Packet, srcPort: number, dstPort: number): Ipv4Packet {
  const ports = portsOf(p, 'withPorts()');
  if (ports.srcPort === srcPort && ports.dstPort === dstPort) return p;
  return withHeader(p, p.ttl, p.checksum, p.src, p.dst, rewriteL4(p, p.src, p.dst, srcPort, dstPort));
}

/** Addresses and UDP/TCP ports at once (one NAT step): two new records instead of four. */
export function withEndpoints(
  p: Ipv4Packet,
  src: Ip4,
  dst: Ip4,
  srcPort: number,
  dstPort: number,
): Ipv4Packet {
  portsOf(p, 'withEndpoints()');
  return withHeader(p, p.ttl, ipChecksum(p, src, dst), src, dst, rewriteL4(p, src, dst, srcPort, dstPort));
}

/** A new echo identifier (the "port" conntrack NATs for ping) with the ICMP checksum patched. */
export function withIcmpEchoId(p: Ipv4Packet, id: number): Ipv4Packet {
  const m = p.payload;
  if (m.kind !== 'icmp' || (m.type !== ICMP_ECHO && m.type !== ICMP_ECHOREPLY)) {
    throw new RangeError('withIcmpEchoId(): needs an ICMP echo request or reply');
  }
  const old = m.rest >>> 16;
  if (old === id) return p;
  const payload: IcmpMessage = {
    kind: 'icmp',
    type: m.type,
    code: m.code,
    checksum: updateChecksum16(m.checksum, old, id),
    rest: (id & 0xffff) * 0x10000 + (m.rest & 0xffff),
    data: m.data,
  };
  return withHeader(p, p.ttl, p.checksum, p.src, p.dst, payload);
}
