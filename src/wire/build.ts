/**
 * Builders for new packets: records with lengths and checksums filled, computed from the fields (and
 * payload bytes) without emitting. What Linux puts in fields it chooses (TTL 64, TOS 0xc0 on ICMP
 * errors, SYN option order, ping data) is given here as defaults or helpers; the caller decides the rest.
 */

import { ARP_REPLY, ARP_REQUEST } from './arp.js';
import { finishChecksum, pseudoHeaderSum } from './checksum.js';
import { emitIpv4, ipv4Len, l4Len, vxlanLen } from './frame.js';
import { ICMP_HLEN, icmpFieldSum } from './icmp.js';
import { checkIpv4Options, IPV4_DEFAULT_TTL, IPV4_HLEN, ipv4FieldSumOf, isFragment } from './ipv4.js';
import { TCP_HLEN, TCP_MAX_OPTIONS, tcpOptionsLen, tcpSegmentFieldSum } from './tcp.js';
import {
  type ArpPacket,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  type EthernetFrame,
  type IcmpMessage,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  type Mac,
  type RawPayload,
  type TcpOption,
  type TcpSegment,
  type UdpDatagram,
  type VxlanPacket,
} from './types.js';
import { UDP_HLEN, udpFinish } from './udp.js';
import { udpPayloadSum } from './verify.js';
import { VXLAN_FLAG_I } from './vxlan.js';

/** TOS of ICMP errors Linux generates (DSCP CS6; icmp_send uses IPTOS_PREC_INTERNETCONTROL). */
export const ICMP_ERROR_TOS = 0xc0;
/** Most bytes of the original datagram Linux quotes: 576 − 20 (IP) − 8 (ICMP), see icmp_send. */
export const ICMP_QUOTE_MAX = 548;
/** Default ping data size (iputils `-s 56`). */
export const PING_DEFAULT_SIZE = 56;

const EMPTY = new Uint8Array(0);

/** Wraps bytes as a raw payload. */
export function rawPayload(bytes: Uint8Array): RawPayload {
  return { kind: 'raw', bytes };
}

/** An Ethernet frame with no trailer; the EtherType follows the payload (give it for raw bytes). */
export function ethernet(
  dst: Mac,
  src: Mac,
  payload: EthernetFrame['payload'] | Uint8Array,
  etherType?: number,
): EthernetFrame {
  const p = payload instanceof Uint8Array ? rawPayload(payload) : payload;
  const type = p.kind === 'arp' ? ETHERTYPE_ARP : p.kind === 'ipv4' ? ETHERTYPE_IPV4 : etherType;
  if (type === undefined) throw new RangeError('ethernet(): a raw payload needs an EtherType');
  if (etherType !== undefined && etherType !== type) {
    throw new RangeError(
      `ethernet(): EtherType 0x${etherType.toString(16)} does not match a ${p.kind} payload`,
    );
  }
  return { kind: 'eth', dst, src, etherType: type, payload: p, trailer: EMPTY };
}

/** An ARP request as Linux sends it: target MAC zero (send it to BROADCAST_MAC, or unicast when probing). */
export function arpRequest(a: {
  readonly senderMac: Mac;
  readonly senderIp: Ip4;
  readonly targetIp: Ip4;
  readonly targetMac?: Mac;
}): ArpPacket {
  return {
    kind: 'arp',
    op: ARP_REQUEST,
    senderMac: a.senderMac,
    senderIp: a.senderIp,
    targetMac: a.targetMac ?? 0,
    targetIp: a.targetIp,
  };
}

/** An ARP reply: "senderIp is at senderMac", addressed to the requester. */
export function arpReply(a: {
  readonly senderMac: Mac;
  readonly senderIp: Ip4;
  readonly targetMac: Mac;
  readonly targetIp: Ip4;
}): ArpPacket {
  return {
    kind: 'arp',
    op: ARP_REPLY,
    senderMac: a.senderMac,
    senderIp: a.senderIp,
    targetMac: a.targetMac,
    targetIp: a.targetIp,
  };
}

/** Fields of a new IPv4 packet; lengths and the header checksum are computed. */
export interface Ipv4Args {
  readonly src: Ip4;
  readonly dst: Ip4;
  /** Follows the payload kind; required for raw payloads. */
  readonly protocol?: number;
  /** Default 64 (net.ipv4.ip_default_ttl). */
  readonly ttl?: number;
  readonly tos?: number;
  readonly id?: number;
  /** Default 0; Linux sockets set IP_FLAG_DF (PMTU discovery "want"), echo replies and VXLAN outers do not. */
  readonly flags?: number;
  readonly fragOffset?: number;
  readonly options?: Uint8Array;
  readonly payload: Ipv4Packet['payload'] | Uint8Array;
}

function protocolOf(p: Ipv4Packet['payload']): number | undefined {
  if (p.kind === 'icmp') return IPPROTO_ICMP;
  if (p.kind === 'udp') return IPPROTO_UDP;
  if (p.kind === 'tcp') return IPPROTO_TCP;
  return undefined;
}

/** A new IPv4 packet; UDP/TCP payloads must have been built for the same src and dst. */
export function ipv4(a: Ipv4Args): Ipv4Packet {
  const payload = a.payload instanceof Uint8Array ? rawPayload(a.payload) : a.payload;
  const inferred = protocolOf(payload);
  const protocol = a.protocol ?? inferred;
  if (protocol === undefined) throw new RangeError('ipv4(): a raw payload needs a protocol');
  if (inferred !== undefined && protocol !== inferred) {
    throw new RangeError(`ipv4(): protocol ${protocol} does not match a ${payload.kind} payload`);
  }
  const options = a.options ?? EMPTY;
  checkIpv4Options(options);
  const flags = a.flags ?? 0;
  const fragOffset = a.fragOffset ?? 0;
  if (inferred !== undefined && isFragment({ flags, fragOffset })) {
    throw new RangeError('ipv4(): a fragment carries raw bytes; use fragment() to split a packet');
  }
  const totalLength = IPV4_HLEN + options.length + l4Len(payload);
  if (totalLength > 0xffff) throw new RangeError(`ipv4(): total length ${totalLength} exceeds 65535`);
  const tos = a.tos ?? 0;
  const id = a.id ?? 0;
  const ttl = a.ttl ?? IPV4_DEFAULT_TTL;
  const sum = ipv4FieldSumOf(tos, totalLength, id, flags, fragOffset, ttl, protocol, a.src, a.dst, options);
  return {
    kind: 'ipv4',
    tos,
    totalLength,
    id,
    flags,
    fragOffset,
    ttl,
    protocol,
    checksum: finishChecksum(sum),
    src: a.src,
    dst: a.dst,
    options,
    payload,
  };
}

/** An echo request (type 8) or reply (type 0) with its checksum. */
export function icmpEcho(a: {
  readonly type: 8 | 0;
  readonly id: number;
  readonly seq: number;
  readonly data: Uint8Array;
}): IcmpMessage {
  const rest = (a.id & 0xffff) * 0x10000 + (a.seq & 0xffff);
  const checksum = finishChecksum(icmpFieldSum(a.type, 0, rest, a.data));
  return { kind: 'icmp', type: a.type, code: 0, checksum, rest, data: a.data };
}

/**
 * An ICMP error quoting `original` as Linux's icmp_send does: the IP header and as much of the datagram
 * as keeps the error packet within 576 bytes. Wrap it with ipv4({tos: ICMP_ERROR_TOS, ttl: 64, …}).
 * `rest` is bytes 4–7: the next-hop MTU for fragmentation needed (type 3 code 4), else 0.
 */
export function icmpError(a: {
  readonly type: number;
  readonly code: number;
  readonly rest?: number;
  readonly original: Ipv4Packet;
}): IcmpMessage {
  const full = emitIpv4(a.original);
  const data = full.length > ICMP_QUOTE_MAX ? full.slice(0, ICMP_QUOTE_MAX) : full;
  const rest = a.rest ?? 0;
  const checksum = finishChecksum(icmpFieldSum(a.type, a.code, rest, data));
  return { kind: 'icmp', type: a.type, code: a.code, checksum, rest, data };
}

/** A UDP datagram; the checksum covers the pseudo-header of src/dst ('zero' sends none, as UDP allows). */
export function udp(a: {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array | VxlanPacket | RawPayload;
  readonly checksum?: 'compute' | 'zero';
}): UdpDatagram {
  const payload = a.payload instanceof Uint8Array ? rawPayload(a.payload) : a.payload;
  const length = UDP_HLEN + (payload.kind === 'vxlan' ? vxlanLen(payload) : payload.bytes.length);
  if (length > 0xffff) throw new RangeError(`udp(): length ${length} exceeds 65535`);
  let checksum = 0;
  if (a.checksum !== 'zero') {
    const pseudo = pseudoHeaderSum(a.src, a.dst, IPPROTO_UDP, length);
    checksum = udpFinish(pseudo + a.srcPort + a.dstPort + length + udpPayloadSum({ payload }));
  }
  return { kind: 'udp', srcPort: a.srcPort, dstPort: a.dstPort, length, checksum, payload };
}

/** Fields of a new TCP segment; data offset and checksum are computed. */
export interface TcpArgs {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Padded with one EOL (then zeros) when their length is not a multiple of 4. */
  readonly options?: readonly TcpOption[];
  readonly payload?: Uint8Array;
  readonly urgent?: number;
  readonly reserved?: number;
}

/** A TCP segment with data offset and checksum computed for src/dst. */
export function tcp(a: TcpArgs): TcpSegment {
  let options = a.options ?? [];
  let optLen = tcpOptionsLen(options);
  if (optLen % 4 !== 0 && options[options.length - 1]?.kind !== 'eol') {
    options = [...options, { kind: 'eol' }];
    optLen += 1;
  }
  if (optLen > TCP_MAX_OPTIONS) throw new RangeError(`tcp(): ${optLen} option bytes exceed 40`);
  const dataOffset = (TCP_HLEN + optLen + 3) >>> 2;
  const payload = a.payload ?? EMPTY;
  const s = {
    srcPort: a.srcPort,
    dstPort: a.dstPort,
    seq: a.seq >>> 0,
    ack: a.ack >>> 0,
    dataOffset,
    reserved: a.reserved ?? 0,
    flags: a.flags,
    window: a.window,
    urgent: a.urgent ?? 0,
    options,
    payload,
  };
  const pseudo = pseudoHeaderSum(a.src, a.dst, IPPROTO_TCP, dataOffset * 4 + payload.length);
  return { kind: 'tcp', ...s, checksum: finishChecksum(pseudo + tcpSegmentFieldSum(s)) };
}

/**
 * The options Linux puts on a SYN (tcp_options_write): MSS, SACK_PERM, TS, NOP, WS — 20 bytes; without
 * timestamps MSS, NOP, NOP, SACK_PERM, NOP, WS — 12 bytes. A SYN-ACK passes the peer's TSval as tsecr.
 */
export function linuxSynOptions(a: {
  readonly mss: number;
  readonly tsval: number;
  readonly tsecr?: number;
  readonly wscale?: number;
  readonly timestamps?: boolean;
  readonly sack?: boolean;
  readonly windowScaling?: boolean;
}): readonly TcpOption[] {
  const out: TcpOption[] = [{ kind: 'mss', mss: a.mss }];
  const sack = a.sack ?? true;
  if (a.timestamps ?? true) {
    if (sack) out.push({ kind: 'sackPermitted' });
    else out.push({ kind: 'nop' }, { kind: 'nop' });
    out.push({ kind: 'timestamps', tsval: a.tsval >>> 0, tsecr: (a.tsecr ?? 0) >>> 0 });
  } else if (sack) {
    out.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sackPermitted' });
  }
  if (a.windowScaling ?? true) out.push({ kind: 'nop' }, { kind: 'wscale', shift: a.wscale ?? 10 });
  return out;
}

/** The options of an established segment with timestamps: NOP, NOP, TS (12 bytes). */
export function timestampOptions(tsval: number, tsecr: number): readonly TcpOption[] {
  return [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsval: tsval >>> 0, tsecr: tsecr >>> 0 }];
}

/** A VXLAN header (flags 0x08, reserved 0) around an inner frame. */
export function vxlan(a: { readonly vni: number; readonly inner: EthernetFrame }): VxlanPacket {
  return { kind: 'vxlan', flags: VXLAN_FLAG_I, reserved1: 0, vni: a.vni, reserved2: 0, inner: a.inner };
}

/**
 * Echo data as iputils ping writes it: byte i is i & 0xff, and when there is room the first 16 bytes
 * are a struct timeval (tv_sec, tv_usec as 64-bit little-endian, x86-64 host order) of `timeNs`.
 */
export function pingPayload(size = PING_DEFAULT_SIZE, timeNs = 0): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = i & 0xff;
  if (size >= 16) {
    const sec = Math.floor(timeNs / 1e9);
    const usec = Math.floor((timeNs - sec * 1e9) / 1000);
    const dv = new DataView(out.buffer, out.byteOffset, 16);
    dv.setUint32(0, sec % 0x1_0000_0000, true);
    dv.setUint32(4, Math.floor(sec / 0x1_0000_0000), true);
    dv.setUint32(8, usec, true);
    dv.setUint32(12, 0, true);
  }
  return out;
}

/** Length of the ICMP IP packet an error quoting `original` makes (at most 576). */
export function icmpErrorPacketLen(original: Ipv4Packet): number {
  return IPV4_HLEN + ICMP_HLEN + Math.min(ipv4Len(original), ICMP_QUOTE_MAX);
}
