/**
 * Which packets are the traced ones. The request is known by its protocol, IP id and addresses and
 * ports — every pair NAT gave it on the way, since a Service's DNAT or a MASQUERADE rewrites them but
 * never the IP id. The reply is a packet that comes back the reverse way of any of those pairs and
 * answers the request (an echo reply, a UDP datagram, a SYN-ACK or RST), plus the pairs NAT gives it in
 * turn; or an ICMP error quoting the request. Both are found inside a VXLAN datagram or flanneld's UDP,
 * where they are the inner packet.
 */
import { FLANNEL_UDP_PORT } from '../flannel/index.js';
import {
  type Ip4,
  type Ipv4Packet,
  parseIpv4,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type UdpDatagram,
} from '../wire/index.js';

/** Which of the two traced packets a packet is, and whether it is their carrier rather than itself. */
export interface Match {
  readonly dir: 'request' | 'reply';
  readonly outer: boolean;
  /** The traced packet itself (the inner one when `outer`). */
  readonly packet: Ipv4Packet;
}

/** Addresses and ports of one packet: TCP/UDP ports; an ICMP echo's identifier as both ports. */
interface Ends {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly sport: number;
  readonly dport: number;
}

/** ICMP types that are errors, which quote the packet they are about. */
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

/** The request and the reply of one trace, as NAT made them along the way. */
export class TracedFlow {
  /** The request as its sender built it; undefined until it was sent. */
  request: Ipv4Packet | undefined;
  private readonly requestEnds: Ends[] = [];
  private readonly replyEnds: Ends[] = [];
  /** The reply's IP id, once it was seen: later packets of the same ends are not it. */
  private replyId: number | undefined;

  /** The sender built the request. */
  sent(pkt: Ipv4Packet): void {
    this.request = pkt;
    this.rewritten('request', pkt);
  }

  /** The first reply was seen: it keeps its IP id from here on. */
  replied(pkt: Ipv4Packet): void {
    this.replyId ??= pkt.id;
  }

  /** NAT rewrote a traced packet into `after`: its new ends belong to the same packet. */
  rewritten(dir: 'request' | 'reply', after: Ipv4Packet): void {
    const e = endsOf(after);
    if (dir === 'request') {
      if (!has(this.requestEnds, e)) this.requestEnds.push(e);
      const back = { src: e.dst, dst: e.src, sport: e.dport, dport: e.sport };
      if (!has(this.replyEnds, back)) this.replyEnds.push(back);
    } else if (!has(this.replyEnds, e)) this.replyEnds.push(e);
  }

  /** Which traced packet `pkt` is, looking inside VXLAN and flanneld's UDP; undefined: neither. */
  classify(pkt: Ipv4Packet): Match | undefined {
    const dir = this.direct(pkt);
    if (dir !== undefined) return { dir, outer: false, packet: pkt };
    const l4 = pkt.payload;
    if (l4.kind !== 'udp') return undefined;
    const inner = innerPacket(l4);
    const innerDir = inner === undefined ? undefined : this.direct(inner);
    return inner === undefined || innerDir === undefined
      ? undefined
      : { dir: innerDir, outer: true, packet: inner };
  }

  private direct(pkt: Ipv4Packet): 'request' | 'reply' | undefined {
    const req = this.request;
    if (req === undefined || pkt.protocol !== req.protocol) {
      const l4 = pkt.payload;
      return req !== undefined && l4.kind === 'icmp' && ICMP_ERRORS.has(l4.type) && this.quotes(l4.data)
        ? 'reply'
        : undefined;
    }
    const e = endsOf(pkt);
    if (pkt.id === req.id && has(this.requestEnds, e)) return 'request';
    if (has(this.replyEnds, e) && (this.replyId === undefined ? isAnswer(pkt, req) : pkt.id === this.replyId))
      return 'reply';
    const l4 = pkt.payload;
    if (l4.kind === 'icmp' && ICMP_ERRORS.has(l4.type) && this.quotes(l4.data)) return 'reply';
    return undefined;
  }

  /** Whether an ICMP error's quoted header is the request's (protocol, IP id, addresses). */
  private quotes(quote: Uint8Array): boolean {
    const req = this.request;
    if (req === undefined || quote.length < 20) return false;
    const id = ((quote[4] ?? 0) << 8) | (quote[5] ?? 0);
    if (id !== req.id || quote[9] !== req.protocol) return false;
    const src = u32(quote, 12);
    const dst = u32(quote, 16);
    return this.requestEnds.some((e) => e.src === src && e.dst === dst);
  }
}

/** The ends of a packet; an ICMP echo's identifier stands for both ports (NAT maps it as one). */
function endsOf(p: Ipv4Packet): Ends {
  const l4 = p.payload;
  if (l4.kind === 'udp' || l4.kind === 'tcp')
    return { src: p.src, dst: p.dst, sport: l4.srcPort, dport: l4.dstPort };
  if (l4.kind === 'icmp' && (l4.type === 8 || l4.type === 0)) {
    const id = l4.rest >>> 16;
    return { src: p.src, dst: p.dst, sport: id, dport: id };
  }
  return { src: p.src, dst: p.dst, sport: 0, dport: 0 };
}

function has(list: readonly Ends[], e: Ends): boolean {
  return list.some((x) => x.src === e.src && x.dst === e.dst && x.sport === e.sport && x.dport === e.dport);
}

/** An echo reply to the echo request (same sequence), any UDP datagram, a SYN-ACK or a RST. */
function isAnswer(pkt: Ipv4Packet, req: Ipv4Packet): boolean {
  const a = pkt.payload;
  const q = req.payload;
  if (a.kind === 'icmp' && q.kind === 'icmp')
    return a.type === 0 && q.type === 8 && (a.rest & 0xffff) === (q.rest & 0xffff);
  if (a.kind === 'udp' && q.kind === 'udp') return true;
  if (a.kind === 'tcp' && q.kind === 'tcp')
    return (a.flags & TCP_RST) !== 0 || (a.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
  return false;
}

/** The packet inside a VXLAN datagram or flanneld's UDP (a bare IP packet), if any. */
function innerPacket(d: UdpDatagram): Ipv4Packet | undefined {
  const v = d.payload;
  if (v.kind === 'vxlan') return v.inner.payload.kind === 'ipv4' ? v.inner.payload : undefined;
  if (d.srcPort !== FLANNEL_UDP_PORT && d.dstPort !== FLANNEL_UDP_PORT) return undefined;
  const parsed = parseIpv4(v.bytes);
  return parsed.ok ? parsed.value : undefined;
}

function u32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}
