/**
 * Whole frames: the one place where headers nest. Ethernet dispatches on EtherType (ARP, IPv4, else
 * raw), IPv4 on protocol (ICMP, UDP, TCP, else raw; fragments stay raw), UDP to a VXLAN port tries VXLAN
 * with an inner Ethernet frame and falls back to raw. Offsets in errors are absolute in the input: nested
 * parsers see `bytes.subarray(0, end)` so the packet's end is the array's end without renumbering.
 */
import { ARP_LEN, describeArp, emitArp, parseArp } from './arp.js';
import { checkRoom } from './bytes.js';
import type { PseudoAddrs } from './checksum.js';
import { describeEthernet, ETH_HLEN, emitEthernetHeader, parseEthernetHeader } from './ethernet.js';
import { describeIcmp, emitIcmp, icmpLen, parseIcmp } from './icmp.js';
import { describeIpv4, emitIpv4Header, IPV4_HLEN, isFragment, parseIpv4Header } from './ipv4.js';
import { DEFAULT_VXLAN_PORTS, type ParseOptions } from './result.js';
import { describeTcp, emitTcp, parseTcp, tcpLen } from './tcp.js';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  type EthernetFrame,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ipv4Packet,
  type ParseResult,
  type RawPayload,
  type UdpDatagram,
  type VxlanPacket,
} from './types.js';
import { describeUdp, emitUdpHeader, parseUdpHeader, UDP_HLEN } from './udp.js';
import { describeVxlan, emitVxlanHeader, parseVxlanHeader, VXLAN_HLEN } from './vxlan.js';

const EMPTY = new Uint8Array(0);

function raw(bytes: Uint8Array, start: number, end: number): RawPayload {
  return { kind: 'raw', bytes: bytes.slice(start, end) };
}

/** Parses a whole captured frame (linktype 1). Never throws. */
export function parseEthernet(bytes: Uint8Array, opts: ParseOptions = {}): ParseResult<EthernetFrame> {
  return parseEthernetAt(bytes, 0, opts);
}

/** Parses a frame starting at `offset` and running to the end of `bytes` (a VXLAN inner frame). */
export function parseEthernetAt(
  bytes: Uint8Array,
  offset: number,
  opts: ParseOptions = {},
): ParseResult<EthernetFrame> {
  const h = parseEthernetHeader(bytes, offset);
  if (!h.ok) return h;
  const { dst, src, etherType } = h.value;
  const at = offset + ETH_HLEN;
  let payload: EthernetFrame['payload'];
  let end: number;
  if (etherType === ETHERTYPE_ARP) {
    const a = parseArp(bytes, at);
    if (!a.ok) return a;
    payload = a.value;
    end = at + ARP_LEN;
  } else if (etherType === ETHERTYPE_IPV4) {
    const p = parseIpv4(bytes, at, opts);
    if (!p.ok) return p;
    payload = p.value;
    end = at + p.value.totalLength;
  } else {
    payload = raw(bytes, at, bytes.length);
    end = bytes.length;
  }
  const trailer = end < bytes.length ? bytes.slice(end) : EMPTY;
  return { ok: true, value: { kind: 'eth', dst, src, etherType, payload, trailer } };
}

/** Parses an IPv4 packet at `offset`; bytes after its total length are ignored. Never throws. */
export function parseIpv4(bytes: Uint8Array, offset = 0, opts: ParseOptions = {}): ParseResult<Ipv4Packet> {
  const h = parseIpv4Header(bytes, offset, opts);
  if (!h.ok) return h;
  const hdr = h.value;
  const at = offset + IPV4_HLEN + hdr.options.length;
  const end = offset + hdr.totalLength;
  let payload: Ipv4Packet['payload'];
  if (isFragment(hdr)) payload = raw(bytes, at, end);
  else {
    const l4 = parseL4(end === bytes.length ? bytes : bytes.subarray(0, end), at, hdr.protocol, hdr, opts);
    if (!l4.ok) return l4;
    payload = l4.value;
  }
  return { ok: true, value: { ...hdr, payload } };
}

/** Parses the transport payload of an unfragmented packet: ICMP, UDP, TCP by protocol, else raw. */
export function parseL4(
  bytes: Uint8Array,
  offset: number,
  protocol: number,
  ip: PseudoAddrs,
  opts: ParseOptions = {},
): ParseResult<Ipv4Packet['payload']> {
  if (protocol === IPPROTO_ICMP) return parseIcmp(bytes, offset, opts);
  if (protocol === IPPROTO_UDP) return parseUdp(bytes, offset, ip, opts);
  if (protocol === IPPROTO_TCP) return parseTcp(bytes, offset, ip, opts);
  return { ok: true, value: raw(bytes, offset, bytes.length) };
}

/** Parses a UDP datagram at `offset` running to the end of `bytes`; VXLAN ports get VXLAN when it parses. */
export function parseUdp(
  bytes: Uint8Array,
  offset: number,
  ip: PseudoAddrs,
  opts: ParseOptions = {},
): ParseResult<UdpDatagram> {
  const h = parseUdpHeader(bytes, offset, ip, opts);
  if (!h.ok) return h;
  const at = offset + UDP_HLEN;
  let payload: UdpDatagram['payload'] | undefined;
  if ((opts.vxlanPorts ?? DEFAULT_VXLAN_PORTS).includes(h.value.dstPort)) {
    const v = parseVxlan(bytes, at, opts);
    if (v.ok) payload = v.value;
  }
  return { ok: true, value: { ...h.value, payload: payload ?? raw(bytes, at, bytes.length) } };
}

/** Parses a VXLAN header and its inner Ethernet frame, which runs to the end of `bytes`. */
export function parseVxlan(
  bytes: Uint8Array,
  offset: number,
  opts: ParseOptions = {},
): ParseResult<VxlanPacket> {
  const h = parseVxlanHeader(bytes, offset);
  if (!h.ok) return h;
  const inner = parseEthernetAt(bytes, offset + VXLAN_HLEN, opts);
  if (!inner.ok) return inner;
  return { ok: true, value: { ...h.value, inner: inner.value } };
}

/** Byte length of a frame: header, payload and trailer. */
export function ethernetLen(f: EthernetFrame): number {
  const p = f.payload;
  const n = p.kind === 'ipv4' ? ipv4Len(p) : p.kind === 'arp' ? ARP_LEN : p.bytes.length;
  return ETH_HLEN + n + f.trailer.length;
}

/** Byte length of an IPv4 packet as emitted: header, options and payload (the stored totalLength is not consulted). */
export function ipv4Len(p: Ipv4Packet): number {
  return IPV4_HLEN + p.options.length + l4Len(p.payload);
}

/** Byte length of an IPv4 payload. */
export function l4Len(p: Ipv4Packet['payload']): number {
  switch (p.kind) {
    case 'icmp':
      return icmpLen(p);
    case 'udp':
      return udpLen(p);
    case 'tcp':
      return tcpLen(p);
    case 'raw':
      return p.bytes.length;
  }
}

/** Byte length of a UDP datagram as emitted. */
export function udpLen(d: UdpDatagram): number {
  return UDP_HLEN + (d.payload.kind === 'vxlan' ? vxlanLen(d.payload) : d.payload.bytes.length);
}

/** Byte length of a VXLAN packet: 8 plus the inner frame. */
export function vxlanLen(v: VxlanPacket): number {
  return VXLAN_HLEN + ethernetLen(v.inner);
}

/** Writes the frame at `offset` of `buf` (a new array by default), every field as stored; returns `buf`. */
export function emitEthernet(f: EthernetFrame, buf?: Uint8Array, offset = 0): Uint8Array {
  const len = ethernetLen(f);
  const out = buf ?? new Uint8Array(len);
  checkRoom(out, offset, len, 'emitEthernet');
  emitEthernetHeader(f, out, offset);
  const at = offset + ETH_HLEN;
  const p = f.payload;
  if (p.kind === 'ipv4') emitIpv4(p, out, at);
  else if (p.kind === 'arp') emitArp(p, out, at);
  else out.set(p.bytes, at);
  out.set(f.trailer, offset + len - f.trailer.length);
  return out;
}

/** Writes the packet at `offset` of `buf` (a new array by default), every field as stored; returns `buf`. */
export function emitIpv4(p: Ipv4Packet, buf?: Uint8Array, offset = 0): Uint8Array {
  const len = ipv4Len(p);
  const out = buf ?? new Uint8Array(len);
  checkRoom(out, offset, len, 'emitIpv4');
  emitIpv4Header(p, out, offset);
  emitL4(p.payload, out, offset + IPV4_HLEN + p.options.length);
  return out;
}

/** Writes an IPv4 payload at `offset` of `buf` (a new array by default); returns `buf`. */
export function emitL4(p: Ipv4Packet['payload'], buf?: Uint8Array, offset = 0): Uint8Array {
  const out = buf ?? new Uint8Array(l4Len(p));
  switch (p.kind) {
    case 'icmp':
      return emitIcmp(p, out, offset);
    case 'udp':
      return emitUdp(p, out, offset);
    case 'tcp':
      return emitTcp(p, out, offset);
    case 'raw':
      checkRoom(out, offset, p.bytes.length, 'emitL4');
      out.set(p.bytes, offset);
      return out;
  }
}

/** Writes the datagram at `offset` of `buf` (a new array by default), every field as stored; returns `buf`. */
export function emitUdp(d: UdpDatagram, buf?: Uint8Array, offset = 0): Uint8Array {
  const len = udpLen(d);
  const out = buf ?? new Uint8Array(len);
  checkRoom(out, offset, len, 'emitUdp');
  emitUdpHeader(d, out, offset);
  if (d.payload.kind === 'vxlan') emitVxlan(d.payload, out, offset + UDP_HLEN);
  else out.set(d.payload.bytes, offset + UDP_HLEN);
  return out;
}

/** Writes the VXLAN header and inner frame at `offset` of `buf` (a new array by default); returns `buf`. */
export function emitVxlan(v: VxlanPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  const len = vxlanLen(v);
  const out = buf ?? new Uint8Array(len);
  checkRoom(out, offset, len, 'emitVxlan');
  emitVxlanHeader(v, out, offset);
  emitEthernet(v.inner, out, offset + VXLAN_HLEN);
  return out;
}

function describeL4(p: Ipv4Packet['payload']): string {
  switch (p.kind) {
    case 'icmp':
      return describeIcmp(p);
    case 'tcp':
      return describeTcp(p);
    case 'udp':
      return p.payload.kind === 'vxlan'
        ? `${describeUdp(p)}: ${describeVxlan(p.payload)}: ${describeFrame(p.payload.inner)}`
        : describeUdp(p);
    case 'raw':
      return `data, length ${p.bytes.length}`;
  }
}

/** The whole frame on one line, tcpdump -e -v style, nested headers joined by ": ". */
export function describeFrame(f: EthernetFrame): string {
  const head = `${describeEthernet(f)}, length ${ethernetLen(f)}`;
  const p = f.payload;
  if (p.kind === 'arp') return `${head}: ${describeArp(p)}`;
  if (p.kind === 'raw') return head;
  return `${head}: ${describeIpv4(p)}: ${describeL4(p.payload)}`;
}
