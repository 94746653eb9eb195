import {
  BROADCAST_MAC,
  decrementTtl,
  type EthernetFrame,
  ethernet,
  fragment,
  IP_FLAG_DF,
  IP_FLAG_MF,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  icmpEcho,
  icmpError,
  ipv4,
  parseIcmpQuote,
} from '../wire/index.js';
import { isBroadcast, isLocalAddress, isMulticast, selectSource } from './addr-select.js';
import { arpReceive, arpSolicit } from './arp.js';
import { BrNetfilter } from './br-netfilter.js';
import { ICMP, IP } from './defaults.js';
import { isGroupMac, type NetDevice, type RxHandler } from './dev/index.js';
import type { Route } from './fib.js';
import { type HookResult, type NfSkb, newSkb } from './hooks.js';
import { IcmpRateLimit } from './icmp-limit.js';
import { icmpSilence } from './icmp-silence.js';
import { IpIdent } from './ident.js';
import type { NeighEntry, NeighHost } from './neigh.js';
import { nfResetPacket } from './nf-reject.js';
import { PathMtu, type PmtuException } from './pmtu.js';
import { Reassembly } from './reassembly.js';
import type { StackView } from './view.js';

/** Socket errors a local send can fail with (the errno names). */
export type SendErrno =
  | 'ENETUNREACH'
  | 'EHOSTUNREACH'
  | 'EACCES'
  | 'EINVAL'
  | 'EMSGSIZE'
  | 'EADDRNOTAVAIL'
  /** A netfilter rule in OUTPUT dropped or rejected the packet (NF_DROP → -EPERM). */
  | 'EPERM';

/** The route a local send takes (ip_route_output_key): device, chosen source, path MTU. */
export type OutputRoute =
  | {
      readonly ok: true;
      readonly route: Route;
      readonly dev: NetDevice;
      readonly src: Ip4;
      /** Path MTU: the device's, or smaller when a router reported one (a route exception). */
      readonly mtu: number;
      /** The learned path MTU exception behind `mtu`, when there is one. */
      readonly pmtu?: PmtuException;
    }
  | { readonly ok: false; readonly errno: SendErrno };

/** IP_MTU_DISCOVER: `want` sets DF when the packet fits (ping's default), `do` always, `dont` never. */
export type PmtuDisc = 'want' | 'do' | 'dont';

export interface SendOptions {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly protocol: number;
  readonly payload: Ipv4Packet['payload'];
  readonly ttl?: number;
  readonly tos?: number;
  readonly pmtudisc?: PmtuDisc;
  /** IP identification; by default the per-destination counter. */
  readonly id?: number;
}

export type SendResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly errno: SendErrno; readonly mtu?: number };

/**
 * The IPv4 layer of one namespace: ip_rcv → local delivery or ip_forward → ip_output → neighbour
 * output, with the ICMP errors Linux sends on the way (time exceeded, unreachable, fragmentation needed).
 */
export class Ipv4Stack implements RxHandler, NeighHost {
  // Made at first use, each where its first use gives what one made with the stack would (none draws
  // or schedules anything when made): a pod namespace mostly never fragments, rate-limits or bridges.
  private limitV: IcmpRateLimit | undefined;
  private identV: IpIdent | undefined;
  private fragsV: Reassembly | undefined;
  private pmtuV: PathMtu | undefined;
  private brnfV: BrNetfilter | undefined;
  private deviceUpV: ((r: Route) => boolean) | undefined;
  /** Packets on their way through `lo` with their netfilter state (the skb keeps its conntrack entry). */
  private loopSkbsMap: WeakMap<Ipv4Packet, NfSkb> | undefined;
  /** Made at the first packet looped back through the hooks. */
  private get loopSkbs(): WeakMap<Ipv4Packet, NfSkb> {
    this.loopSkbsMap ??= new WeakMap();
    return this.loopSkbsMap;
  }

  constructor(private readonly view: StackView) {}

  /** br_netfilter for the namespace's bridges (NetNs.attach sets it as their `nfHooks`). */
  get brnf(): BrNetfilter {
    this.brnfV ??= new BrNetfilter(this.view, (r, pkt, dev, skb) => this.nfVerdict(r, pkt, dev, skb));
    return this.brnfV;
  }

  private get limit(): IcmpRateLimit {
    this.limitV ??= new IcmpRateLimit();
    return this.limitV;
  }

  /** The per-destination IDs, with the namespace's `ip-ident` stream (its draws depend on nothing else). */
  private get ident(): IpIdent {
    this.identV ??= new IpIdent(this.view.sim.rng(`${this.view.name}/ip-ident`));
    return this.identV;
  }

  private get frags(): Reassembly {
    this.fragsV ??= new Reassembly(this.view.sim, (first) => {
      if (first !== undefined) this.icmpSend(first, 11, 1, 0);
    });
    return this.fragsV;
  }

  /** Routes through a device that is down are skipped (fib_table_lookup ignores dead nexthops). */
  private get deviceUp(): (r: Route) => boolean {
    this.deviceUpV ??= (r) => this.view.device(r.dev)?.adminUp === true;
    return this.deviceUpV;
  }

  /** A frame arrived on one of the namespace's devices (the netif_receive_skb → ip_rcv / arp_rcv step). */
  receive(dev: NetDevice, frame: EthernetFrame): void {
    const toUs = frame.dst === dev.mac;
    if (!toUs && frame.dst !== BROADCAST_MAC && !isGroupMac(frame.dst)) {
      this.count('rx_otherhost'); // PACKET_OTHERHOST: not for this host's MAC
      const x = this.view.explain;
      if (x !== undefined && frame.payload.kind === 'ipv4') x.drop(dev, frame.payload, 'rx_otherhost');
      return;
    }
    const p = frame.payload;
    if (p.kind === 'ipv4') this.ipRcv(dev, p);
    else if (p.kind === 'arp') arpReceive(this.view, dev, p, toUs);
    else this.count('rx_unknown_protocol');
  }

  /** ip_rcv + ip_route_input: deliver locally, forward, or drop with the ICMP error Linux sends. */
  private ipRcv(dev: NetDevice, pkt: Ipv4Packet): void {
    const hooks = this.view.hooks;
    let skb: NfSkb | undefined;
    if (hooks !== undefined) {
      // ip_sabotage_in: br_netfilter already ran PREROUTING on a frame it passed up. Everything else
      // passes PREROUTING here; a looped-back packet with the state (conntrack entry) it left with.
      skb = dev.kind === 'bridge' ? this.brnf.sabotage(pkt) : undefined;
      if (skb === undefined) {
        skb = this.loopedBack(dev, pkt) ?? newSkb();
        const p = hooks.run('PREROUTING', pkt, dev.name, undefined, skb);
        if (p === undefined || p.kind !== 'ipv4') {
          this.nfVerdict(p, pkt, dev, skb);
          return;
        }
        pkt = p;
      }
    }
    const x = this.view.explain;
    const localRoute = this.view.local.lookup(pkt.dst);
    if (localRoute !== undefined && localRoute.type === 'local') {
      if (x !== undefined) x.routeInput(dev, pkt, 'local', localRoute);
      this.localDeliver(dev, pkt, false, skb);
      return;
    }
    if (pkt.dst === 0xffffffff || (localRoute !== undefined && localRoute.type === 'broadcast')) {
      if (x !== undefined && localRoute !== undefined) x.routeInput(dev, pkt, 'local', localRoute);
      this.localDeliver(dev, pkt, true, skb);
      return;
    }
    if (isMulticast(pkt.dst)) {
      this.dropped('rx_multicast_dropped', pkt, dev);
      return;
    }
    if (!this.view.ipForward) {
      this.dropped('InAddrErrors', pkt, dev); // forwarding off: dropped without ICMP (ip_error)
      return;
    }
    const route = this.view.main.lookup(pkt.dst, this.deviceUp);
    if (x !== undefined) x.routeInput(dev, pkt, 'main', route);
    if (route === undefined) {
      if (this.limit.allowRouteError(this.view.sim.now, pkt.src)) this.icmpSend(pkt, 3, 0, 0);
      else if (x !== undefined) x.icmpError(pkt, 3, 0, 0, 'rate limited (icmp_ratelimit)');
      this.dropped('no_route', pkt, dev);
      return;
    }
    if (route.type !== 'unicast') {
      this.rejectByRoute(dev, pkt, route);
      return;
    }
    this.forward(dev, pkt, route, skb);
  }

  /** ip_forward: TTL, MTU with DF, TTL decrement, then output. */
  private forward(inDev: NetDevice, pkt: Ipv4Packet, route: Route, skb: NfSkb | undefined): void {
    if (pkt.ttl <= 1) {
      this.icmpSend(pkt, 11, 0, 0);
      this.dropped('ttl_exceeded', pkt, inDev);
      return;
    }
    const out = this.view.device(route.dev);
    if (out === undefined) {
      this.dropped('no_device', pkt, inDev);
      return;
    }
    if (pkt.totalLength > out.mtu && (pkt.flags & IP_FLAG_DF) !== 0) {
      this.icmpSend(pkt, 3, 4, out.mtu);
      this.dropped('frag_needed', pkt, inDev);
      return;
    }
    let fwd = decrementTtl(pkt);
    const x = this.view.explain;
    if (x !== undefined) x.forward(inDev, out, pkt, fwd);
    const hooks = this.view.hooks;
    if (hooks !== undefined) {
      const s = skb ?? newSkb();
      const p = hooks.run('FORWARD', fwd, inDev.name, out.name, s);
      if (p === undefined || p.kind !== 'ipv4') {
        this.nfVerdict(p, fwd, inDev, s);
        return;
      }
      fwd = p;
      skb = s;
    }
    this.postRouting(out, route.gateway ?? fwd.dst, fwd, out.mtu, skb);
  }

  /** POSTROUTING, then ip_finish_output: fragment if needed, then hand to the neighbour layer. */
  private postRouting(
    out: NetDevice,
    nexthop: Ip4,
    pkt: Ipv4Packet,
    mtu: number,
    skb: NfSkb | undefined,
  ): void {
    const hooks = this.view.hooks;
    if (hooks !== undefined) {
      const s = skb ?? newSkb();
      const p = hooks.run('POSTROUTING', pkt, undefined, out.name, s);
      if (p === undefined || p.kind !== 'ipv4') {
        this.nfVerdict(p, pkt, undefined, s);
        return;
      }
      pkt = p;
      // A packet looped back keeps its state: PREROUTING on `lo` must not track it again.
      if (out.kind === 'loopback') this.loopSkbs.set(pkt, s);
    }
    if (pkt.totalLength <= mtu) {
      this.neighOutput(out, nexthop, pkt);
      return;
    }
    if ((pkt.flags & IP_FLAG_DF) !== 0) {
      this.icmpSend(pkt, 3, 4, mtu);
      this.dropped('frag_needed', pkt, undefined);
      return;
    }
    for (const f of fragment(pkt, mtu)) this.neighOutput(out, nexthop, f);
  }

  /** neigh_output: loopback, TUN (NOARP) and broadcasts need no resolution; everything else goes through ARP. */
  private neighOutput(out: NetDevice, nexthop: Ip4, pkt: Ipv4Packet): void {
    if (out.kind === 'loopback' || out.kind === 'tun') {
      out.xmit(ethernet(0, 0, pkt), 14 + pkt.totalLength);
      return;
    }
    if (nexthop === 0xffffffff || isBroadcast(this.view, nexthop)) {
      out.xmit(ethernet(BROADCAST_MAC, out.mac, pkt), 14 + pkt.totalLength);
      return;
    }
    const x = this.view.explain;
    if (x !== undefined) x.neighLookup(out, nexthop, pkt, this.view.neigh.get(out.ifindex, nexthop));
    this.view.neigh.output(out.ifindex, nexthop, pkt);
  }

  /** ip_local_deliver: reassembly, INPUT hook, raw sockets, then the protocol handler. */
  private localDeliver(dev: NetDevice, pkt: Ipv4Packet, broadcast: boolean, skb: NfSkb | undefined): void {
    const hooks = this.view.hooks;
    if (hooks !== undefined) {
      const s = skb ?? newSkb();
      const p = hooks.run('INPUT', pkt, dev.name, undefined, s);
      if (p === undefined || p.kind !== 'ipv4') {
        this.nfVerdict(p, pkt, dev, s);
        return;
      }
      if (p.dst !== pkt.dst && !isLocalAddress(this.view, p.dst)) {
        this.inputRedirect(p, s);
        return;
      }
      pkt = p;
    }
    if ((pkt.flags & IP_FLAG_MF) !== 0 || pkt.fragOffset !== 0) {
      const whole = this.frags.add(pkt);
      if (whole === undefined) return;
      pkt = whole;
    }
    const x = this.view.explain;
    const inName = dev.name;
    const raw = this.view.sockets.rawListeners(pkt.protocol);
    if (raw !== undefined) {
      if (x !== undefined && raw.length > 0) x.deliver(dev, pkt, 'raw-socket', 0);
      for (const l of raw) l(pkt, inName);
    }
    const l4 = pkt.payload;
    if (l4.kind === 'icmp') {
      if (l4.type === 8 && l4.code === 0 && !broadcast && !this.view.icmpEchoIgnoreAll) {
        if (x !== undefined) x.deliver(dev, pkt, 'icmp-echo', 0);
        this.echoReply(pkt, l4.rest, l4.data);
      } else if (l4.type === 3 || l4.type === 11 || l4.type === 12) {
        if (l4.type === 3 && l4.code === 4) {
          if (x !== undefined) x.deliver(dev, pkt, 'icmp-kernel', 0);
          this.learnPmtu(l4.data, l4.rest & 0xffff);
        }
        // icmp_unreach → the err_handler of the quoted protocol (tcp_v4_err, udp_err).
        this.view.sockets.icmpError(l4.type, l4.code, l4.rest, l4.data);
      }
      return;
    }
    if (l4.kind === 'udp') {
      const sock = this.view.sockets.udpListener(l4.dstPort, pkt.src, l4.srcPort);
      if (sock !== undefined) {
        if (x !== undefined) x.deliver(dev, pkt, 'udp-socket', l4.dstPort);
        sock(pkt, l4, inName);
        return;
      }
      if (!broadcast) this.icmpSend(pkt, 3, 3, 0);
      this.dropped('udp_no_port', pkt, dev);
      return;
    }
    if (l4.kind === 'tcp' && !broadcast) {
      if (x !== undefined) x.deliver(dev, pkt, 'tcp-socket', l4.dstPort);
      this.view.sockets.tcpReceive(pkt, l4); // tcp_v4_rcv: a connection, a listener, or a reset
      return;
    }
    if (pkt.protocol !== IPPROTO_ICMP && pkt.protocol !== IPPROTO_UDP && raw === undefined && !broadcast) {
      // ip_protocol_deliver_rcu: nobody wants it.
      if (l4.kind !== 'tcp') this.icmpSend(pkt, 3, 2, 0);
    }
    this.dropped('rx_no_socket', pkt, dev);
  }

  /** icmp_unreach → ipv4_update_pmtu: remember the next-hop MTU for the destination the error quotes. */
  private learnPmtu(quote: Uint8Array, mtu: number): void {
    const q = parseIcmpQuote(quote);
    if (q === undefined || mtu === 0) return;
    const r = this.view.main.lookup(q.dst, this.deviceUp);
    const dev = r === undefined ? undefined : this.view.device(r.dev);
    if (dev === undefined) return;
    this.pmtuV ??= new PathMtu();
    this.pmtuV.learn(q.dst, mtu, dev.mtu, this.view.sim.now);
  }

  /** icmp_echo → icmp_reply: same id/seq/data, from the address pinged, TOS copied, DF clear. */
  private echoReply(req: Ipv4Packet, rest: number, data: Uint8Array): void {
    const msg = icmpEcho({ type: 0, id: rest >>> 16, seq: rest & 0xffff, data });
    this.sendKernel({
      src: req.dst,
      dst: req.src,
      protocol: IPPROTO_ICMP,
      payload: msg,
      tos: req.tos,
      pmtudisc: 'dont',
    });
  }

  /**
   * icmp_send: an error about `orig` back to its sender, unless Linux stays silent (an error about an
   * error, a non-first fragment, a broadcast, a rate-limited destination).
   */
  icmpSend(orig: Ipv4Packet, type: number, code: number, rest: number): void {
    const x = this.view.explain;
    const silent = icmpSilence(this.view, orig);
    if (silent !== undefined) {
      if (x !== undefined) x.icmpError(orig, type, code, rest, silent);
      return;
    }
    // Errors about packets addressed to us come from that address; otherwise routing picks the source.
    const ourDst = isLocalAddress(this.view, orig.dst);
    const back = this.routeOutput(orig.src, ourDst ? orig.dst : undefined);
    if (!back.ok) {
      if (x !== undefined) x.icmpError(orig, type, code, rest, `no route back to the sender (${back.errno})`);
      return;
    }
    if (back.dev.kind !== 'loopback' && !this.limit.allow(this.view.sim.now, orig.src, type, code)) {
      this.count('icmp_ratelimited');
      if (x !== undefined) x.icmpError(orig, type, code, rest, 'rate limited (icmp_ratelimit)');
      return;
    }
    if (x !== undefined) x.icmpError(orig, type, code, rest, undefined);
    const msg = icmpError({ type, code, rest, original: orig });
    this.sendKernel({
      src: back.src,
      dst: orig.src,
      protocol: IPPROTO_ICMP,
      payload: msg,
      tos: ICMP.errorTos | (orig.tos & 0x1e),
      pmtudisc: 'dont',
    });
    this.count(`icmp_out_${type}_${code}`);
  }

  /** ip_route_output_key: route, device and source for a locally generated packet. */
  routeOutput(dst: Ip4, src?: Ip4): OutputRoute {
    if (src !== undefined && !isLocalAddress(this.view, src)) return { ok: false, errno: 'EADDRNOTAVAIL' };
    const local = this.view.local.lookup(dst);
    if (local !== undefined && local.type === 'local') {
      const lo = this.view.deviceByName('lo');
      if (lo === undefined) return { ok: false, errno: 'ENETUNREACH' };
      return { ok: true, route: local, dev: lo, src: src ?? dst, mtu: lo.mtu };
    }
    const route = this.view.main.lookup(dst, this.deviceUp);
    if (route === undefined) return { ok: false, errno: 'ENETUNREACH' };
    if (route.type === 'unreachable') return { ok: false, errno: 'EHOSTUNREACH' };
    if (route.type === 'prohibit') return { ok: false, errno: 'EACCES' };
    if (route.type === 'blackhole') return { ok: false, errno: 'EINVAL' };
    const dev = this.view.device(route.dev);
    if (dev === undefined) return { ok: false, errno: 'ENETUNREACH' };
    const chosen =
      src ?? route.prefsrc ?? selectSource(this.view, route.dev, route.gateway ?? dst, route.scope);
    if (chosen === undefined) return { ok: false, errno: 'EADDRNOTAVAIL' };
    const pmtu = this.pmtuV?.get(dst, this.view.sim.now);
    if (pmtu === undefined || pmtu.mtu >= dev.mtu) return { ok: true, route, dev, src: chosen, mtu: dev.mtu };
    return { ok: true, route, dev, src: chosen, mtu: pmtu.mtu, pmtu };
  }

  /** A locally generated packet: route, DF per IP_MTU_DISCOVER, OUTPUT hook, fragmentation, neighbour output. */
  send(opts: SendOptions): SendResult {
    const r = this.routeOutput(opts.dst, opts.src);
    if (!r.ok) return r;
    const payloadLen = l4Length(opts.payload);
    const fits = 20 + payloadLen <= r.mtu;
    const mode = opts.pmtudisc ?? 'want';
    if (mode === 'do' && !fits) return { ok: false, errno: 'EMSGSIZE', mtu: r.mtu };
    const df = mode === 'do' || (mode === 'want' && fits);
    const pkt = ipv4({
      src: opts.src,
      dst: opts.dst,
      protocol: opts.protocol,
      ttl: opts.ttl ?? IP.defaultTtl,
      tos: opts.tos ?? 0,
      id: opts.id ?? this.ident.take(opts.dst),
      flags: df ? IP_FLAG_DF : 0,
      payload: opts.payload,
    });
    return this.localOut(pkt, r, this.view.hooks === undefined ? undefined : newSkb());
  }

  /**
   * __ip_local_out + ip_output: the OUTPUT hook; a new route when NAT moved the destination
   * (ip_route_me_harder, keeping the source); POSTROUTING and the neighbour layer.
   */
  private localOut(
    pkt: Ipv4Packet,
    r: Extract<OutputRoute, { ok: true }>,
    skb: NfSkb | undefined,
  ): SendResult {
    const hooks = this.view.hooks;
    if (hooks !== undefined) {
      const s = skb ?? newSkb();
      const p = hooks.run('OUTPUT', pkt, undefined, r.dev.name, s);
      if (p === undefined || p.kind !== 'ipv4') {
        this.nfVerdict(p, pkt, undefined, s);
        return { ok: false, errno: 'EPERM' };
      }
      if (p.dst !== pkt.dst) {
        const again = this.routeOutput(p.dst);
        if (!again.ok) {
          this.dropped('no_route', p, undefined);
          return again;
        }
        r = again;
      }
      pkt = p;
      skb = s;
    }
    const x = this.view.explain;
    if (x !== undefined) x.localOut(pkt, r.route, r.dev);
    const nexthop = r.route.type === 'local' ? pkt.dst : (r.route.gateway ?? pkt.dst);
    this.postRouting(r.dev, nexthop, pkt, r.mtu, skb);
    return { ok: true };
  }

  /**
   * The INPUT hook gave back a packet no longer addressed to this host (IPVS rewrote it, as ip_vs_nat_xmit
   * does): it leaves through the output path — OUTPUT, POSTROUTING — with its netfilter state.
   */
  private inputRedirect(pkt: Ipv4Packet, skb: NfSkb): void {
    const r = this.routeOutput(pkt.dst);
    if (!r.ok) {
      this.dropped('no_route', pkt, undefined);
      return;
    }
    this.localOut(pkt, r, skb);
  }

  /** What the stack does with a hook's verdict: count the drop, after sending a REJECT's error. */
  private nfVerdict(r: HookResult, pkt: Ipv4Packet, dev: NetDevice | undefined, skb: NfSkb): void {
    if (r === undefined || r.kind === 'ipv4') {
      this.dropped('nf_drop', pkt, dev);
      return;
    }
    if (r.kind === 'reject') this.icmpSend(pkt, r.type ?? 3, r.code, 0);
    else if (r.kind === 'reset') this.sendReset(pkt, skb);
    this.dropped(r.reason, pkt, dev);
  }

  /** nf_send_reset: the RST of `REJECT --reject-with tcp-reset`, sent as part of `orig`'s connection. */
  private sendReset(orig: Ipv4Packet, skb: NfSkb): void {
    const rst = nfResetPacket(orig);
    if (rst === undefined) return;
    const r = this.routeOutput(rst.dst);
    if (!r.ok) return;
    const nskb = newSkb();
    this.view.hooks?.attachReply?.(nskb, skb);
    this.localOut(rst, r, nskb);
  }

  /** The state a packet sent through `lo` left with (the skb keeps its conntrack entry across lo). */
  private loopedBack(dev: NetDevice, pkt: Ipv4Packet): NfSkb | undefined {
    if (dev.kind !== 'loopback') return undefined;
    const skb = this.loopSkbsMap?.get(pkt);
    if (skb !== undefined) this.loopSkbs.delete(pkt);
    return skb;
  }

  /** Packets the kernel itself generates (ICMP): failures are silent. */
  private sendKernel(opts: SendOptions): void {
    this.send(opts);
  }

  // NeighHost: the neighbour table's calls back into the stack.

  solicit(entry: NeighEntry, unicastTo: number | undefined): void {
    const dev = this.view.device(entry.dev);
    if (dev !== undefined) arpSolicit(this.view, dev, entry, unicastTo);
  }

  transmit(entry: NeighEntry, packet: Ipv4Packet): void {
    const dev = this.view.device(entry.dev);
    if (dev === undefined || entry.mac === undefined) return;
    const x = this.view.explain;
    if (x !== undefined) x.neighTransmit(entry, packet);
    dev.xmit(ethernet(entry.mac, dev.mac, packet), 14 + packet.totalLength);
  }

  unreachable(entry: NeighEntry, packet: Ipv4Packet): void {
    this.dropped('neigh_failed', packet, this.view.device(entry.dev));
    this.icmpSend(packet, 3, 1, 0);
  }

  private rejectByRoute(dev: NetDevice, pkt: Ipv4Packet, route: Route): void {
    if (route.type !== 'blackhole' && this.limit.allowRouteError(this.view.sim.now, pkt.src)) {
      this.icmpSend(pkt, 3, route.type === 'prohibit' ? 13 : 1, 0);
    }
    this.dropped(`route_${route.type}`, pkt, dev);
  }

  private count(reason: string): void {
    const s = this.view.stats;
    s.set(reason, (s.get(reason) ?? 0) + 1);
  }

  /** A drop: the counter `reason`, and the explainer told when someone is tracing. */
  private dropped(reason: string, pkt: Ipv4Packet, dev: NetDevice | undefined): void {
    this.count(reason);
    const x = this.view.explain;
    if (x !== undefined) x.drop(dev, pkt, reason);
  }
}

/** Bytes of an IPv4 payload record. */
function l4Length(p: Ipv4Packet['payload']): number {
  switch (p.kind) {
    case 'raw':
      return p.bytes.length;
    case 'icmp':
      return 8 + p.data.length;
    case 'udp':
      return p.length;
    case 'tcp':
      return p.dataOffset * 4 + p.payload.length;
  }
}
