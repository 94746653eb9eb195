/**
 * fast-check arbitraries for packets. Two families:
 * - `arb<Record>()`: any canonical record — every field random (checksums too) but lengths consistent,
 *   so `parse(emit(r))` is `r` when checksums are not verified;
 * - `arbValid<Record>()`: packets as the builders make them (lengths and checksums right, options and
 *   payloads shaped like Linux's), so every checksum verifies.
 * `arbFrameBytes()` and `arbMutatedFrameBytes()` give byte strings for parser robustness properties.
 */
import fc from 'fast-check';
import {
  type ArpPacket,
  DEFAULT_VXLAN_PORTS,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  type EthernetFrame,
  type IcmpMessage,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ipv4Packet,
  l4Len,
  type Mac,
  rawPayload,
  type TcpOption,
  type TcpSegment,
  tcpOptionsLen,
  type UdpDatagram,
  VXLAN_FLAG_I,
  type VxlanPacket,
  vxlanLen,
} from '../wire/index.js';

/** Any MAC address. */
export const arbMac = (): fc.Arbitrary<Mac> => fc.integer({ min: 0, max: 0xffff_ffff_ffff });
/** Any IPv4 address. */
export const arbIp4 = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0xffff_ffff });
/** Any 16-bit value (ports, ids, checksums). */
export const arbU16 = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0xffff });
/** Any 32-bit unsigned value. */
export const arbU32 = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0xffff_ffff });
/** Any 8-bit value. */
export const arbU8 = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0xff });
/** Bytes of length 0..maxLength. */
export const arbBytes = (maxLength = 64): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

const notIn = (values: readonly number[]) => (v: number) => !values.includes(v);

/** Any ARP packet (Ethernet/IPv4; any opcode). */
export function arbArpPacket(): fc.Arbitrary<ArpPacket> {
  return fc.record({
    kind: fc.constant<'arp'>('arp'),
    op: arbU16(),
    senderMac: arbMac(),
    senderIp: arbIp4(),
    targetMac: arbMac(),
    targetIp: arbIp4(),
  });
}

/** Any ICMP message, checksum random. */
export function arbIcmpMessage(maxData = 64): fc.Arbitrary<IcmpMessage> {
  return fc.record({
    kind: fc.constant<'icmp'>('icmp'),
    type: arbU8(),
    code: arbU8(),
    checksum: arbU16(),
    rest: arbU32(),
    data: arbBytes(maxData),
  });
}

/** One TCP option other than EOL; unknown kinds avoid the codes with a known meaning. */
export function arbTcpOption(): fc.Arbitrary<TcpOption> {
  return fc.oneof(
    fc.constant<TcpOption>({ kind: 'nop' }),
    arbU16().map((mss): TcpOption => ({ kind: 'mss', mss })),
    arbU8().map((shift): TcpOption => ({ kind: 'wscale', shift })),
    fc.constant<TcpOption>({ kind: 'sackPermitted' }),
    fc.tuple(arbU32(), arbU32()).map(([tsval, tsecr]): TcpOption => ({ kind: 'timestamps', tsval, tsecr })),
    fc
      .tuple(fc.integer({ min: 2, max: 255 }).filter(notIn([2, 3, 4, 8])), arbBytes(8))
      .map(([code, data]): TcpOption => ({ kind: 'unknown', code, data })),
  );
}

/** A canonical option list: at most 40 bytes, ended by EOL when not a multiple of 4. */
export function arbTcpOptions(): fc.Arbitrary<readonly TcpOption[]> {
  return fc.array(arbTcpOption(), { maxLength: 8 }).map((opts) => {
    const out: TcpOption[] = [];
    let len = 0;
    for (const o of opts) {
      const n = tcpOptionsLen([o]);
      if (len + n > 39) break;
      out.push(o);
      len += n;
    }
    if (len % 4 !== 0) out.push({ kind: 'eol' });
    return out;
  });
}

/** Any TCP segment with a consistent data offset, checksum random. */
export function arbTcpSegment(maxData = 64): fc.Arbitrary<TcpSegment> {
  return fc
    .record({
      srcPort: arbU16(),
      dstPort: arbU16(),
      seq: arbU32(),
      ack: arbU32(),
      reserved: fc.integer({ min: 0, max: 15 }),
      flags: arbU8(),
      window: arbU16(),
      checksum: arbU16(),
      urgent: arbU16(),
      options: arbTcpOptions(),
      payload: arbBytes(maxData),
    })
    .map((s): TcpSegment => ({ kind: 'tcp', ...s, dataOffset: 5 + Math.ceil(tcpOptionsLen(s.options) / 4) }));
}

/** Any VXLAN packet (I flag set, other bits random) around a frame of nesting depth `depth`. */
export function arbVxlanPacket(depth = 0): fc.Arbitrary<VxlanPacket> {
  return fc.record({
    kind: fc.constant<'vxlan'>('vxlan'),
    flags: arbU8().map((f) => f | VXLAN_FLAG_I),
    reserved1: fc.integer({ min: 0, max: 0xffffff }),
    vni: fc.integer({ min: 0, max: 0xffffff }),
    reserved2: arbU8(),
    inner: arbEthernetFrame(depth),
  });
}

/** Any UDP datagram, checksum random; VXLAN payloads go to a VXLAN port, raw ones never do. */
export function arbUdpDatagram(depth = 1, maxData = 64): fc.Arbitrary<UdpDatagram> {
  const rawUdp = fc.record({
    srcPort: arbU16(),
    dstPort: arbU16().filter(notIn(DEFAULT_VXLAN_PORTS)),
    payload: arbBytes(maxData).map(rawPayload),
  });
  const both =
    depth > 0
      ? fc.oneof(
          rawUdp,
          fc.record({
            srcPort: arbU16(),
            dstPort: fc.constantFrom(...DEFAULT_VXLAN_PORTS),
            payload: arbVxlanPacket(depth - 1),
          }),
        )
      : rawUdp;
  return fc.tuple(both, arbU16()).map(
    ([d, checksum]): UdpDatagram => ({
      kind: 'udp',
      ...d,
      length: 8 + (d.payload.kind === 'raw' ? d.payload.bytes.length : vxlanLen(d.payload)),
      checksum,
    }),
  );
}

/** Any IPv4 packet with consistent lengths, checksums random; fragments and unknown protocols carry raw bytes. */
export function arbIpv4Packet(depth = 1, maxData = 64): fc.Arbitrary<Ipv4Packet> {
  type L4 = {
    readonly protocol: number;
    readonly flags: number;
    readonly fragOffset: number;
    readonly payload: Ipv4Packet['payload'];
  };
  const unfragmented = fc.integer({ min: 0, max: 7 }).map((f) => f & ~1);
  const l4: fc.Arbitrary<L4> = fc.oneof(
    fc.record({
      protocol: fc.constant(IPPROTO_ICMP),
      flags: unfragmented,
      fragOffset: fc.constant(0),
      payload: arbIcmpMessage(maxData),
    }),
    fc.record({
      protocol: fc.constant(IPPROTO_UDP),
      flags: unfragmented,
      fragOffset: fc.constant(0),
      payload: arbUdpDatagram(depth, maxData),
    }),
    fc.record({
      protocol: fc.constant(IPPROTO_TCP),
      flags: unfragmented,
      fragOffset: fc.constant(0),
      payload: arbTcpSegment(maxData),
    }),
    fc.record({
      protocol: arbU8().filter(notIn([IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP])),
      flags: unfragmented,
      fragOffset: fc.constant(0),
      payload: arbBytes(maxData).map(rawPayload),
    }),
    fc
      .record({
        protocol: arbU8(),
        flags: fc.integer({ min: 0, max: 7 }),
        fragOffset: fc.integer({ min: 0, max: 0x1fff }),
        payload: arbBytes(maxData).map(rawPayload),
      })
      .filter((r) => (r.flags & 1) !== 0 || r.fragOffset !== 0),
  );
  const optionWords = fc
    .integer({ min: 0, max: 10 })
    .chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n }));
  return fc
    .record({
      tos: arbU8(),
      id: arbU16(),
      ttl: arbU8(),
      checksum: arbU16(),
      src: arbIp4(),
      dst: arbIp4(),
      options: fc.oneof(fc.constant(new Uint8Array(0)), optionWords),
      l4,
    })
    .map(
      ({ l4: body, ...h }): Ipv4Packet => ({
        kind: 'ipv4',
        ...h,
        ...body,
        totalLength: 20 + h.options.length + l4Len(body.payload),
      }),
    );
}

/** Any Ethernet frame: ARP, IPv4 (with VXLAN nesting up to `depth`) or raw; a trailer only after ARP/IPv4. */
export function arbEthernetFrame(depth = 1, maxData = 64): fc.Arbitrary<EthernetFrame> {
  const head = fc.record({ dst: arbMac(), src: arbMac() });
  const trailer = fc.oneof(fc.constant(new Uint8Array(0)), arbBytes(24));
  return fc.oneof(
    fc.record({ head, payload: arbArpPacket(), trailer }).map(
      ({ head: h, payload, trailer: t }): EthernetFrame => ({
        kind: 'eth',
        ...h,
        etherType: ETHERTYPE_ARP,
        payload,
        trailer: t,
      }),
    ),
    fc.record({ head, payload: arbIpv4Packet(depth, maxData), trailer }).map(
      ({ head: h, payload, trailer: t }): EthernetFrame => ({
        kind: 'eth',
        ...h,
        etherType: ETHERTYPE_IPV4,
        payload,
        trailer: t,
      }),
    ),
    fc
      .record({
        head,
        etherType: arbU16().filter(notIn([ETHERTYPE_ARP, ETHERTYPE_IPV4])),
        bytes: arbBytes(maxData),
      })
      .map(
        ({ head: h, etherType, bytes }): EthernetFrame => ({
          kind: 'eth',
          ...h,
          etherType,
          payload: rawPayload(bytes),
          trailer: new Uint8Array(0),
        }),
      ),
  );
}
