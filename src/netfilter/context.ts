/**
 * The per-hook scratch state (the kernel's struct nf_hook_state + xt_action_param + the parsed headers):
 * one object per Netfilter instance, refilled for each hook call, so matching and conntrack read numbers
 * from fields and the per-packet path allocates nothing. A hook call never re-enters the engine, so one
 * object is enough.
 */
import { IP_FLAG_MF, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Ipv4Packet } from '../wire/index.js';
import type { NfHook, PacketMeta } from './types.js';

/** Placeholders until the first hook call fills the context. */
const NO_PACKET: Ipv4Packet = {
  kind: 'ipv4',
  tos: 0,
  totalLength: 20,
  id: 0,
  flags: 0,
  fragOffset: 0,
  ttl: 0,
  protocol: 0,
  checksum: 0,
  src: 0,
  dst: 0,
  options: new Uint8Array(0),
  payload: { kind: 'raw', bytes: new Uint8Array(0) },
};

export class HookCtx {
  hook: NfHook = 'PREROUTING';
  pkt: Ipv4Packet = NO_PACKET;
  meta: PacketMeta = { mark: 0, nfct: undefined, ctinfo: 0, physIn: undefined, physOut: undefined };
  inDev: string | undefined = undefined;
  outDev: string | undefined = undefined;
  /** Device numbers (DevNames) of in/out and the bridge ports; 0 for none. */
  inId = 0;
  outId = 0;
  physInId = 0;
  physOutId = 0;
  /** IP protocol of the packet. */
  proto = 0;
  /** Fragment offset (8-byte units); non-zero for every fragment but the first. */
  fragoff = 0;
  /** MF set or an offset: a fragment (not tracked; see Netfilter). */
  fragment = false;
  /** TCP/UDP ports, -1 when the header is not there. */
  sport = -1;
  dport = -1;
  /** ICMP type, code, echo identifier; -1 when not ICMP. */
  icmpType = -1;
  icmpCode = -1;
  icmpId = 0;
  tcpFlags = 0;
  /** The packet as `-m set` reads it (filled only when a set match runs). */
  readonly setPkt = { src: 0, dst: 0, proto: 0, sport: 0, dport: 0 };
  /** The ICMP destination-unreachable code (or -1, tcp-reset) of the REJECT that ended a traversal. */
  rejectCode = 3;

  /** Reads the headers of `pkt` into the fields. */
  setPacket(pkt: Ipv4Packet): void {
    this.pkt = pkt;
    this.proto = pkt.protocol;
    this.fragoff = pkt.fragOffset;
    this.fragment = pkt.fragOffset !== 0 || (pkt.flags & IP_FLAG_MF) !== 0;
    this.sport = -1;
    this.dport = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.icmpId = 0;
    this.tcpFlags = 0;
    const l4 = pkt.payload;
    switch (l4.kind) {
      case 'tcp':
        this.sport = l4.srcPort;
        this.dport = l4.dstPort;
        this.tcpFlags = l4.flags;
        return;
      case 'udp':
        this.sport = l4.srcPort;
        this.dport = l4.dstPort;
        return;
      case 'icmp':
        this.icmpType = l4.type;
        this.icmpCode = l4.code;
        this.icmpId = l4.rest >>> 16;
        return;
      case 'raw': {
        // The first fragment carries the transport header as bytes.
        if (this.fragoff !== 0) return;
        const b = l4.bytes;
        if ((this.proto === IPPROTO_TCP || this.proto === IPPROTO_UDP) && b.length >= 4) {
          this.sport = ((b[0] ?? 0) << 8) | (b[1] ?? 0);
          this.dport = ((b[2] ?? 0) << 8) | (b[3] ?? 0);
          if (this.proto === IPPROTO_TCP && b.length >= 14) this.tcpFlags = b[13] ?? 0;
        } else if (this.proto === IPPROTO_ICMP && b.length >= 8) {
          this.icmpType = b[0] ?? 0;
          this.icmpCode = b[1] ?? 0;
          this.icmpId = ((b[4] ?? 0) << 8) | (b[5] ?? 0);
        }
        return;
      }
    }
  }
}
