import type { Tun } from '../net/index.js';
import {
  decrementTtl,
  emitIpv4,
  ethernet,
  formatIp4,
  type IcmpMessage,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  icmpChecksum,
  ipv4,
  ipv4Len,
  maskOf,
  parseIpv4,
  rawPayload,
  type UdpDatagram,
  udp,
} from '../wire/index.js';
import { type Backend, type BackendContext, backendMtu, formatSubnet } from './backend.js';
import type { Lease } from './lease.js';

/** flannel's udp backend port (`Port` of the backend config). */
export const FLANNEL_UDP_PORT = 8285;
/** TTL of the net-unreachable flanneld's proxy writes back into the TUN (proxy_amd64.c). */
const PROXY_ICMP_TTL = 8;
/** Bytes of the offender's payload the proxy quotes after its IP header. */
const PROXY_QUOTE_L4 = 8;

interface ProxyRoute {
  readonly network: Ip4;
  readonly mask: number;
  readonly nextHop: Ip4;
}

/**
 * The udp backend (pkg/backend/udp, debug only): a TUN `flannel0` with the lease's network address as a
 * /32 and one route for the whole cluster network through it. flanneld's C proxy reads each packet off
 * the TUN, finds the peer whose lease holds the destination, decrements the TTL (it is a router in user
 * space) and sends the bare IP packet in UDP from port 8285 to the peer's port 8285; the peer's proxy
 * decrements the TTL again and writes it into its TUN. So a pod-to-pod packet loses four TTL, not two.
 */
export class UdpBackend implements Backend {
  readonly type = 'udp' as const;
  readonly mtu: number;
  private tun: Tun | undefined;
  /** The proxy's route list (set_route/del_route), most recently hit first as find_route keeps it. */
  private routes: ProxyRoute[] = [];

  constructor(private readonly ctx: BackendContext) {
    this.mtu = backendMtu(ctx, 'udp');
  }

  start(): Pick<Lease, 'vni' | 'vtepMac'> {
    const { ns, lease, network } = this.ctx;
    const tun = ns.addTun('flannel0', this.mtu);
    ns.addAddress('flannel0', lease.network, 32);
    ns.addRoute({
      dst: network.network,
      prefixLen: network.prefixLen,
      dev: 'flannel0',
      scope: 'global',
    });
    tun.reader = (p) => this.tunToUdp(p);
    ns.sockets.bindUdp(FLANNEL_UDP_PORT, (_pkt, d) => this.udpToTun(d));
    this.tun = tun;
    return {};
  }

  added(lease: Lease): void {
    this.ctx.log('I', `Subnet added: ${formatSubnet(lease.subnet)}`);
    const mask = maskOf(lease.subnet.prefixLen);
    this.routes = this.routes.filter((r) => !(r.network === lease.subnet.network && r.mask === mask));
    this.routes.push({ network: lease.subnet.network, mask, nextHop: lease.publicIp });
  }

  removed(lease: Lease): void {
    this.ctx.log('I', `Subnet removed: ${formatSubnet(lease.subnet)}`);
    const mask = maskOf(lease.subnet.prefixLen);
    this.routes = this.routes.filter((r) => !(r.network === lease.subnet.network && r.mask === mask));
  }

  /** tun_to_udp: route lookup, net-unreachable back into the TUN when none, TTL, send. */
  private tunToUdp(p: Ipv4Packet): void {
    const i = this.routes.findIndex((r) => (p.dst & r.mask) >>> 0 === r.network);
    const route = this.routes[i];
    const { ns, publicIp } = this.ctx;
    const x = ns.explain;
    if (route === undefined) {
      if (x !== undefined) x.proxy({ program: 'flanneld', action: 'no-route', packet: p });
      this.netUnreachable(p);
      return;
    }
    if (i !== 0) [this.routes[0], this.routes[i]] = [route, this.routes[0] as ProxyRoute];
    if (p.ttl <= 1) {
      if (x !== undefined) x.proxy({ program: 'flanneld', action: 'ttl-expired', packet: p });
      this.ctx.log('E', `Discarding IP fragment ${formatIp4(p.src)} -> ${formatIp4(p.dst)} due to zero TTL`);
      return;
    }
    if (x !== undefined) {
      const { network, mask, nextHop: peer } = route;
      x.proxy({ program: 'flanneld', action: 'tun-to-udp', packet: p, network, mask, peer });
    }
    const bytes = emitIpv4(decrementTtl(p));
    const datagram = udp({
      src: publicIp,
      dst: route.nextHop,
      srcPort: FLANNEL_UDP_PORT,
      dstPort: FLANNEL_UDP_PORT,
      payload: rawPayload(bytes),
    });
    // An unconnected UDP socket: DF when it fits (IP_PMTUDISC_WANT), and then IP ID 0 (ip_select_ident_segs).
    ns.send({ src: publicIp, dst: route.nextHop, protocol: IPPROTO_UDP, payload: datagram, id: 0 });
  }

  /** udp_to_tun: the bare packet, TTL decremented, written into the TUN. */
  private udpToTun(d: UdpDatagram): void {
    const tun = this.tun;
    if (tun === undefined || d.payload.kind !== 'raw') return;
    const parsed = parseIpv4(d.payload.bytes);
    if (!parsed.ok) return;
    const p = parsed.value;
    const x = this.ctx.ns.explain;
    if (p.ttl <= 1) {
      if (x !== undefined) x.proxy({ program: 'flanneld', action: 'ttl-expired', packet: p });
      this.ctx.log('E', `Discarding IP fragment ${formatIp4(p.src)} -> ${formatIp4(p.dst)} due to zero TTL`);
      return;
    }
    if (x !== undefined) x.proxy({ program: 'flanneld', action: 'udp-to-tun', packet: p });
    const fwd = decrementTtl(p);
    tun.write(ethernet(0, 0, fwd), 14 + ipv4Len(fwd));
  }

  /**
   * send_net_unreachable: type 3 code 0 from the TUN's address with TTL 8, quoting the IP header and 8
   * bytes — never about ICMP, never about a non-first fragment.
   */
  private netUnreachable(p: Ipv4Packet): void {
    const tun = this.tun;
    if (tun === undefined || p.protocol === IPPROTO_ICMP || p.fragOffset !== 0) return;
    const data = emitIpv4(p).slice(0, 20 + p.options.length + PROXY_QUOTE_L4);
    const msg: IcmpMessage = { kind: 'icmp', type: 3, code: 0, rest: 0, data, checksum: 0 };
    const checked: IcmpMessage = { ...msg, checksum: icmpChecksum(msg) };
    const reply = ipv4({
      src: this.ctx.lease.network,
      dst: p.src,
      protocol: IPPROTO_ICMP,
      ttl: PROXY_ICMP_TTL,
      tos: 0,
      id: 0,
      flags: 0,
      payload: checked,
    });
    tun.write(ethernet(0, 0, reply), 14 + ipv4Len(reply));
  }
}
