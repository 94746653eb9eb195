/**
 * fast-check arbitraries for valid packets, made by the wire builders as a Linux host would send them
 * (right lengths and checksums, Linux-shaped TCP options and ping data), and byte strings for parser
 * robustness properties.
 */
import fc from 'fast-check';
import {
  arpReply,
  arpRequest,
  DEFAULT_VXLAN_PORTS,
  type EthernetFrame,
  emitEthernet,
  ethernet,
  ethernetLen,
  ICMP_ERROR_TOS,
  IP_FLAG_DF,
  type Ipv4Packet,
  icmpEcho,
  icmpError,
  ipv4,
  linuxSynOptions,
  type Mac,
  pingPayload,
  rawPayload,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  type TcpOption,
  type TcpSegment,
  tcp,
  timestampOptions,
  udp,
  vxlan,
} from '../wire/index.js';
import { arbBytes, arbEthernetFrame, arbIp4, arbMac, arbU8, arbU16, arbU32 } from './packets.js';

const notIn = (values: readonly number[]) => (v: number) => !values.includes(v);

/** A unicast MAC (group bit clear), as a host's interface has. */
export const arbUnicastMac = (): fc.Arbitrary<Mac> =>
  arbMac().map((m) => m - (Math.floor(m / 2 ** 40) % 2) * 2 ** 40);

const arbEphemeralPort = (): fc.Arbitrary<number> => fc.integer({ min: 32768, max: 60999 });

function arbValidTcp(src: number, dst: number, maxData: number): fc.Arbitrary<TcpSegment> {
  const syn = fc
    .record({
      ack: fc.boolean(),
      mss: fc.integer({ min: 536, max: 8960 }),
      tsval: arbU32(),
      tsecr: arbU32(),
      timestamps: fc.boolean(),
      wscale: fc.integer({ min: 0, max: 14 }),
    })
    .map((o) => ({
      flags: o.ack ? TCP_SYN | TCP_ACK : TCP_SYN,
      options: linuxSynOptions({
        mss: o.mss,
        tsval: o.tsval,
        tsecr: o.ack ? o.tsecr : 0,
        wscale: o.wscale,
        timestamps: o.timestamps,
      }),
      payload: new Uint8Array(0),
    }));
  const established = fc.record({
    flags: fc.constantFrom(TCP_ACK, TCP_PSH | TCP_ACK, TCP_FIN | TCP_ACK),
    options: fc.oneof(
      fc.constant<readonly TcpOption[]>([]),
      fc.tuple(arbU32(), arbU32()).map(([a, b]) => timestampOptions(a, b)),
    ),
    payload: arbBytes(maxData),
  });
  return fc
    .record({
      srcPort: arbEphemeralPort(),
      dstPort: fc.integer({ min: 1024, max: 32767 }),
      seq: arbU32(),
      ack: arbU32(),
      window: arbU16(),
      shape: fc.oneof(syn, established),
    })
    .map(({ shape, ...f }) => {
      const ack = (shape.flags & TCP_ACK) !== 0 ? f.ack : 0;
      return tcp({ src, dst, ...f, ack, ...shape });
    });
}

function arbValidL4(
  src: number,
  dst: number,
  depth: number,
  maxData: number,
  errors: boolean,
): fc.Arbitrary<Ipv4Packet['payload']> {
  const echo = fc
    .record({
      type: fc.constantFrom<8 | 0>(8, 0),
      id: arbU16(),
      seq: arbU16(),
      data: fc.oneof(
        fc.tuple(fc.integer({ min: 0, max: maxData }), fc.nat()).map(([n, t]) => pingPayload(n, t * 1000)),
        arbBytes(maxData),
      ),
    })
    .map(icmpEcho);
  const udpRaw = fc
    .record({
      srcPort: arbEphemeralPort(),
      dstPort: fc.integer({ min: 1024, max: 32767 }).filter(notIn(DEFAULT_VXLAN_PORTS)),
      payload: arbBytes(maxData),
      zero: fc.boolean(),
    })
    .map(({ zero, ...f }) => udp({ src, dst, ...f, checksum: zero ? 'zero' : 'compute' }));
  const choices: fc.Arbitrary<Ipv4Packet['payload']>[] = [echo, udpRaw, arbValidTcp(src, dst, maxData)];
  choices.push(arbBytes(maxData).map(rawPayload));
  if (depth > 0) {
    choices.push(
      fc
        .record({
          srcPort: arbEphemeralPort(),
          dstPort: fc.constantFrom(...DEFAULT_VXLAN_PORTS),
          vni: fc.integer({ min: 1, max: 0xffffff }),
          inner: arbValidEthernetFrame(depth - 1, maxData),
        })
        .map(({ vni, inner, ...f }) => udp({ src, dst, ...f, payload: vxlan({ vni, inner }) })),
    );
  }
  if (errors) {
    choices.push(
      fc
        .record({
          tc: fc.constantFrom(
            { type: 3, code: 0 },
            { type: 3, code: 1 },
            { type: 3, code: 3 },
            { type: 3, code: 4 },
            { type: 3, code: 13 },
            { type: 11, code: 0 },
          ),
          original: arbValidIpv4Packet(0, maxData, false),
        })
        .map(({ tc: { type, code }, original }) =>
          icmpError({ type, code, rest: code === 4 && type === 3 ? 1450 : 0, original }),
        ),
    );
  }
  return fc.oneof(...choices);
}

/** A packet as the builders make it: right lengths and checksums; ICMP errors quote a valid packet. */
export function arbValidIpv4Packet(depth = 1, maxData = 64, errors = true): fc.Arbitrary<Ipv4Packet> {
  return fc
    .record({
      src: arbIp4(),
      dst: arbIp4(),
      ttl: fc.integer({ min: 1, max: 255 }),
      id: arbU16(),
      df: fc.boolean(),
      tos: fc.constantFrom(0, 0x10, ICMP_ERROR_TOS),
    })
    .chain((h) =>
      arbValidL4(h.src, h.dst, depth, maxData, errors).map((payload) =>
        ipv4({
          src: h.src,
          dst: h.dst,
          ttl: h.ttl,
          id: h.id,
          tos: h.tos,
          flags: h.df ? IP_FLAG_DF : 0,
          payload,
          ...(payload.kind === 'raw' ? { protocol: 253 } : {}),
        }),
      ),
    );
}

/** A frame as a Linux host sends it (ARP, valid IPv4 with VXLAN up to `depth`, or an experimental EtherType), sometimes padded to 60 bytes. */
export function arbValidEthernetFrame(depth = 1, maxData = 64): fc.Arbitrary<EthernetFrame> {
  const arp = fc
    .record({ a: arbUnicastMac(), ai: arbIp4(), b: arbUnicastMac(), bi: arbIp4(), reply: fc.boolean() })
    .map(({ a, ai, b, bi, reply }) =>
      reply
        ? ethernet(b, a, arpReply({ senderMac: a, senderIp: ai, targetMac: b, targetIp: bi }))
        : ethernet(0xffff_ffff_ffff, a, arpRequest({ senderMac: a, senderIp: ai, targetIp: bi })),
    );
  const ip = fc
    .record({ d: arbUnicastMac(), s: arbUnicastMac(), p: arbValidIpv4Packet(depth, maxData) })
    .map(({ d, s, p }) => ethernet(d, s, p));
  const other = fc
    .record({ d: arbUnicastMac(), s: arbUnicastMac(), bytes: arbBytes(maxData) })
    .map(({ d, s, bytes }) => ethernet(d, s, bytes, 0x88b5));
  return fc
    .tuple(fc.oneof(arp, ip, other), fc.boolean())
    .map(([f, pad]) => (pad && f.payload.kind !== 'raw' ? padTo60(f) : f));
}

/** The frame with zero padding to the 60-byte Ethernet minimum in its trailer, as a NIC adds. */
export function padTo60(f: EthernetFrame): EthernetFrame {
  const len = ethernetLen(f);
  return len >= 60 ? f : { ...f, trailer: new Uint8Array(60 - len + f.trailer.length) };
}

/** Bytes of canonical frames, valid or with random fields. */
export function arbFrameBytes(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(arbEthernetFrame(), arbValidEthernetFrame()).map((f) => emitEthernet(f));
}

/** Bytes of valid frames with a few bytes overwritten, and sometimes cut short or extended. */
export function arbMutatedFrameBytes(): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      bytes: arbValidEthernetFrame().map((f) => emitEthernet(f)),
      edits: fc.array(fc.tuple(fc.nat(), arbU8()), { minLength: 1, maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      extra: arbBytes(8),
    })
    .map(({ bytes, edits, cut, extra }) => {
      const out = new Uint8Array(bytes.length + extra.length);
      out.set(bytes);
      out.set(extra, bytes.length);
      for (const [at, v] of edits) out[at % bytes.length] = v;
      return cut === undefined ? out : out.slice(0, cut % (out.length + 1));
    });
}
