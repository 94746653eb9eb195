/**
 * Packet records: what travels through the simulated fabric. A frame is a tree of readonly header
 * records; a payload is either the next header record or raw bytes. Every numeric field holds exactly
 * what is on the wire (lengths, checksums, flags), so `emit` is a plain write and `parse(emit(r))` is `r`.
 * Builders in `build.ts` fill lengths and checksums for new packets; devices never mutate a record.
 */

/** A MAC address as a 48-bit unsigned integer (0x0a0000000002 is 0a:00:00:00:00:02). */
export type Mac = number;
/** An IPv4 address as a 32-bit unsigned integer (0x0af40102 is 10.244.1.2). */
export type Ip4 = number;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** IPv4 flag bits as they sit in the 3-bit flags field. */
export const IP_FLAG_DF = 0b010;
export const IP_FLAG_MF = 0b001;

export const BROADCAST_MAC: Mac = 0xffffffffffff;

/** Bytes that no codec interprets (an unknown EtherType, a fragment, application data). */
export interface RawPayload {
  readonly kind: 'raw';
  readonly bytes: Uint8Array;
}

/** Ethernet II without preamble and FCS, as Linux captures it (linktype 1). */
export interface EthernetFrame {
  readonly kind: 'eth';
  readonly dst: Mac;
  readonly src: Mac;
  readonly etherType: number;
  readonly payload: ArpPacket | Ipv4Packet | RawPayload;
  /** Bytes after the IPv4/ARP packet (NIC padding to 60 bytes); empty for frames Linux sends. */
  readonly trailer: Uint8Array;
}

/** ARP for Ethernet/IPv4 (RFC 826), 28 bytes. */
export interface ArpPacket {
  readonly kind: 'arp';
  readonly op: number; // 1 request, 2 reply
  readonly senderMac: Mac;
  readonly senderIp: Ip4;
  readonly targetMac: Mac;
  readonly targetIp: Ip4;
}

/** IPv4 header (RFC 791) and its payload. */
export interface Ipv4Packet {
  readonly kind: 'ipv4';
  readonly tos: number;
  readonly totalLength: number;
  readonly id: number;
  readonly flags: number; // IP_FLAG_DF | IP_FLAG_MF | reserved 0b100
  readonly fragOffset: number; // in 8-byte units, as on the wire
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: Ip4;
  readonly dst: Ip4;
  /** Header options (IHL > 5); empty for packets Linux sends by default. */
  readonly options: Uint8Array;
  /** A fragment (MF set or offset > 0) always carries raw bytes. */
  readonly payload: IcmpMessage | UdpDatagram | TcpSegment | RawPayload;
}

/** ICMP message (RFC 792). `rest` is bytes 4–7: id<<16|seq for echo, next-hop MTU for frag-needed. */
export interface IcmpMessage {
  readonly kind: 'icmp';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly rest: number;
  /** Echo data, or for errors the quoted original datagram. */
  readonly data: Uint8Array;
}

/** UDP datagram (RFC 768). Checksum 0 means "none" (IPv4). */
export interface UdpDatagram {
  readonly kind: 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly length: number;
  readonly checksum: number;
  readonly payload: VxlanPacket | RawPayload;
}

/** VXLAN header (RFC 7348), 8 bytes, carrying a whole inner Ethernet frame. */
export interface VxlanPacket {
  readonly kind: 'vxlan';
  readonly flags: number; // 0x08 = I bit (VNI valid)
  readonly reserved1: number; // 24 bits
  readonly vni: number; // 24 bits
  readonly reserved2: number; // 8 bits
  readonly inner: EthernetFrame;
}

/** A TCP option as Linux emits them on a SYN (MSS, SACK permitted, timestamps, NOP, window scale). */
export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly mss: number }
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'sackPermitted' }
  | { readonly kind: 'timestamps'; readonly tsval: number; readonly tsecr: number }
  | { readonly kind: 'unknown'; readonly code: number; readonly data: Uint8Array };

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** TCP segment (RFC 9293). */
export interface TcpSegment {
  readonly kind: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly dataOffset: number; // header length in 32-bit words
  readonly reserved: number; // 4 bits between data offset and flags (includes the old NS bit)
  readonly flags: number; // CWR..FIN, one byte
  readonly window: number;
  readonly checksum: number;
  readonly urgent: number;
  /** Options in order; bytes after an `eol` up to the data offset are zero padding. */
  readonly options: readonly TcpOption[];
  readonly payload: Uint8Array;
}

/** Why bytes could not be parsed: the layer, the field, the byte offset in the whole input, what was expected. */
export interface WireError {
  readonly layer: 'ethernet' | 'arp' | 'ipv4' | 'icmp' | 'udp' | 'tcp' | 'vxlan';
  readonly field: string;
  readonly offset: number;
  readonly expected: string;
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: WireError };
