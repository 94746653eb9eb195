/**
 * One packet through a node's netfilter hooks, called directly in the order the IPv4 stack calls them
 * (src/net/ipv4.ts): ip_rcv's PREROUTING; then, by the `local` table, either ip_forward's FORWARD and
 * POSTROUTING, or ip_local_deliver's INPUT and — when INPUT gave back a packet no longer addressed to
 * the node (IPVS's ip_vs_nat_xmit) — OUTPUT and POSTROUTING. Devices, queues and the event loop are
 * left out, so what is timed is netfilter's part alone (services-stack.ts times the whole path). The
 * TTL is not decremented (the stack does that, not netfilter).
 */
import { newSkb } from '../src/net/index.js';
import {
  IP_FLAG_DF,
  type Ip4,
  type Ipv4Packet,
  ipv4,
  linuxSynOptions,
  TCP_ACK,
  TCP_SYN,
  tcp,
} from '../src/wire/index.js';
import { type BenchNode, podSubnet, SERVICE_PORT } from './services-cluster.js';

/** The device a packet to `dst` leaves node `k` by: cni0 for its own pods, flannel.1 for the others'. */
export function outDev(k: number, dst: Ip4): string {
  return (dst & 0xffffff00) >>> 0 === podSubnet(k) ? 'cni0' : 'flannel.1';
}

/** The packet as it leaves the node, or undefined when a hook dropped it or the node took it. */
export function throughNode(node: BenchNode, pkt: Ipv4Packet, inDev: string): Ipv4Packet | undefined {
  const { nf, ns, k } = node;
  const skb = newSkb();
  const p = nf.run('PREROUTING', pkt, inDev, undefined, skb);
  if (p.kind !== 'ipv4') return undefined;
  if (ns.local.lookup(p.dst)?.type === 'local') {
    const q = nf.run('INPUT', p, inDev, undefined, skb);
    if (q.kind !== 'ipv4' || ns.local.lookup(q.dst)?.type === 'local') return undefined;
    const dev = outDev(k, q.dst);
    const r = nf.run('OUTPUT', q, undefined, dev, skb);
    if (r.kind !== 'ipv4') return undefined;
    const s = nf.run('POSTROUTING', r, undefined, dev, skb);
    return s.kind === 'ipv4' ? s : undefined;
  }
  const dev = outDev(k, p.dst);
  const f = nf.run('FORWARD', p, inDev, dev, skb);
  if (f.kind !== 'ipv4') return undefined;
  const s = nf.run('POSTROUTING', f, undefined, dev, skb);
  return s.kind === 'ipv4' ? s : undefined;
}

/** One client connection to a Service: the client pod's address and port, the ClusterIP. */
export interface Conn {
  readonly client: Ip4;
  readonly sport: number;
  readonly clusterIP: Ip4;
}

/** Client pods on the node (.2–.254 of its subnet) × ephemeral ports: a distinct tuple per index. */
export function connection(k: number, index: number, clusterIP: Ip4): Conn {
  const pods = 253;
  return {
    client: (podSubnet(k) + 2 + (index % pods)) >>> 0,
    sport: 32768 + Math.floor(index / pods),
    clusterIP,
  };
}

const CLIENT_ISN = 1_000_000;
const SERVER_ISN = 5_000_000;
const WINDOW = 64860;

/** The client's SYN, with the options Linux puts on it (MSS for a VXLAN pod, 1410). */
export function syn(c: Conn): Ipv4Packet {
  const seg = tcp({
    src: c.client,
    dst: c.clusterIP,
    srcPort: c.sport,
    dstPort: SERVICE_PORT,
    seq: CLIENT_ISN,
    ack: 0,
    flags: TCP_SYN,
    window: WINDOW,
    options: linuxSynOptions({ mss: 1410, tsval: 1 }),
  });
  return ipv4({ src: c.client, dst: c.clusterIP, flags: IP_FLAG_DF, id: 0, payload: seg });
}

/** The client's ACK that completes the handshake, still addressed to the ClusterIP. */
export function ack(c: Conn): Ipv4Packet {
  const seg = tcp({
    src: c.client,
    dst: c.clusterIP,
    srcPort: c.sport,
    dstPort: SERVICE_PORT,
    seq: CLIENT_ISN + 1,
    ack: SERVER_ISN + 1,
    flags: TCP_ACK,
    window: WINDOW,
  });
  return ipv4({ src: c.client, dst: c.clusterIP, flags: IP_FLAG_DF, id: 1, payload: seg });
}

/** The backend's SYN-ACK to the SYN that reached it as `delivered` (after DNAT). */
export function synAck(delivered: Ipv4Packet): Ipv4Packet {
  const l4 = delivered.payload;
  if (l4.kind !== 'tcp') throw new Error('services bench: the SYN left the node as something else');
  const seg = tcp({
    src: delivered.dst,
    dst: delivered.src,
    srcPort: l4.dstPort,
    dstPort: l4.srcPort,
    seq: SERVER_ISN,
    ack: CLIENT_ISN + 1,
    flags: TCP_SYN | TCP_ACK,
    window: WINDOW,
    options: linuxSynOptions({ mss: 1410, tsval: 1, tsecr: 1 }),
  });
  return ipv4({ src: delivered.dst, dst: delivered.src, flags: IP_FLAG_DF, id: 0, payload: seg });
}
