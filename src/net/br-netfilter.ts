import type { EthernetFrame, Ipv4Packet, Mac } from '../wire/index.js';
import type { Bridge, BridgeNfHooks, BridgePort, NetDevice } from './dev/index.js';
import { type HookResult, type NfSkb, newSkb } from './hooks.js';
import type { StackView } from './view.js';

/** What the stack does with a hook's verdict: count the drop, send a REJECT's error (Ipv4Stack.nfVerdict). */
export type NfVerdictSink = (r: HookResult, pkt: Ipv4Packet, dev: NetDevice | undefined, skb: NfSkb) => void;

/** A bridged-DNAT frame waiting for its neighbour (br_nf_pre_routing_finish_bridge → neigh->output). */
interface PendingDnat {
  readonly port: BridgePort;
  readonly src: Mac;
  readonly skb: NfSkb;
}

/**
 * br_netfilter (net/bridge/br_netfilter_hooks.c) for the bridges of one namespace: while
 * net.bridge.bridge-nf-call-iptables is 1 and the namespace has netfilter hooks, an IPv4 frame entering
 * a bridge port passes iptables PREROUTING (in = the bridge, physdev in = the port) before the
 * forwarding decision, and a frame the bridge forwards passes FORWARD (in = out = the bridge) and
 * POSTROUTING. When DNAT moved the destination to an address routed out of the same bridge the frame is
 * bridged to it ("bridged DNAT": destination MAC from the neighbour table, TTL untouched); a frame for
 * the host goes up with its state, and the IP stack does not run PREROUTING again (ip_sabotage_in).
 */
export class BrNetfilter implements BridgeNfHooks {
  /** The packet being bridged right now (after PREROUTING) and its state: the skb's nf_bridge. */
  private curPkt: Ipv4Packet | undefined;
  private curSkb: NfSkb | undefined;
  private pendingMap: WeakMap<Ipv4Packet, PendingDnat> | undefined;
  /** Made at the first bridged packet DNAT sends back out of its port. */
  private get pending(): WeakMap<Ipv4Packet, PendingDnat> {
    this.pendingMap ??= new WeakMap();
    return this.pendingMap;
  }
  private pendingCount = 0;

  constructor(
    private readonly view: StackView,
    private readonly verdict: NfVerdictSink,
  ) {}

  /** br_nf_pre_routing → br_nf_pre_routing_finish. */
  preRouting(bridge: Bridge, port: BridgePort, frame: EthernetFrame, length: number): boolean {
    const hooks = this.view.hooks;
    const pkt = frame.payload;
    if (hooks === undefined || !this.view.bridgeNfCallIptables || pkt.kind !== 'ipv4') return false;
    const skb = newSkb();
    skb.physIn = port.dev.name;
    const r = hooks.run('PREROUTING', pkt, bridge.name, undefined, skb);
    if (r === undefined || r.kind !== 'ipv4') {
      this.verdict(r, pkt, bridge, skb);
      return true;
    }
    let out = r === pkt ? frame : { ...frame, payload: r };
    if (r.dst !== pkt.dst) {
      // br_nf_ipv4_daddr_was_changed: route the new destination as ip_route_input would.
      const local = this.view.local.lookup(r.dst);
      const route = local?.type === 'local' ? undefined : this.view.main.lookup(r.dst);
      if (local?.type !== 'local' && route === undefined) {
        this.verdict({ kind: 'drop', reason: 'no_route' }, r, bridge, skb);
        return true;
      }
      if (route !== undefined && route.type === 'unicast' && route.dev === bridge.ifindex) {
        // Bridged DNAT: the new destination lives behind this bridge; bridge the frame to it.
        const nexthop = route.gateway ?? r.dst;
        const e = this.view.neigh.get(bridge.ifindex, nexthop);
        if (e?.mac === undefined || e.state === 'INCOMPLETE' || e.state === 'FAILED') {
          // No cached header: the neighbour layer resolves it and sends the frame out of the bridge,
          // where br_dev_xmit hands it back (br_nf_pre_routing_finish_bridge_slow, `localXmit`).
          this.pending.set(r, { port, src: frame.src, skb });
          this.pendingCount++;
          this.view.neigh.output(bridge.ifindex, nexthop, r);
          return true;
        }
        out = { ...out, dst: e.mac };
      } else {
        // Routed elsewhere (or local): up to the host, as a frame addressed to the bridge (PACKET_HOST).
        out = { ...out, dst: bridge.mac };
      }
    }
    this.finish(bridge, port, out, length, skb);
    return true;
  }

  /** br_nf_forward_ip + br_nf_post_routing: FORWARD and POSTROUTING for one bridged copy. */
  forward(
    bridge: Bridge,
    _from: BridgePort,
    to: BridgePort,
    frame: EthernetFrame,
  ): EthernetFrame | undefined {
    const hooks = this.view.hooks;
    const pkt = frame.payload;
    const base = this.curSkb;
    if (hooks === undefined || base === undefined || pkt !== this.curPkt || pkt.kind !== 'ipv4') return frame;
    // Each port gets its own copy of the packet state, as br_flood clones the skb per port.
    const skb: NfSkb = { ...base, physOut: to.dev.name };
    const f = hooks.run('FORWARD', pkt, bridge.name, bridge.name, skb);
    if (f === undefined || f.kind !== 'ipv4') {
      this.verdict(f, pkt, bridge, skb);
      return undefined;
    }
    const p = hooks.run('POSTROUTING', f, undefined, bridge.name, skb);
    if (p === undefined || p.kind !== 'ipv4') {
      this.verdict(p, f, bridge, skb);
      return undefined;
    }
    return p === pkt ? frame : { ...frame, payload: p };
  }

  /** br_dev_xmit of a bridged-DNAT frame after neighbour resolution: back into the bridge with its source MAC. */
  localXmit(bridge: Bridge, frame: EthernetFrame, length: number): boolean {
    if (this.pendingCount === 0 || frame.payload.kind !== 'ipv4') return false;
    const p = this.pending.get(frame.payload);
    if (p === undefined) return false;
    this.pending.delete(frame.payload);
    this.pendingCount--;
    this.finish(bridge, p.port, { ...frame, src: p.src }, length, p.skb);
    return true;
  }

  /**
   * ip_sabotage_in: the state of `pkt` when br_netfilter just passed it up to the host after running
   * PREROUTING on it, so the IP stack skips its own PREROUTING; undefined for any other packet. The
   * bridge port information goes (nf_bridge_info_free).
   */
  sabotage(pkt: Ipv4Packet): NfSkb | undefined {
    const skb = this.curSkb;
    if (skb === undefined || pkt !== this.curPkt) return undefined;
    skb.physIn = undefined;
    return skb;
  }

  /** br_handle_frame_finish with the frame's state current (saved and restored: bridging may nest). */
  private finish(bridge: Bridge, port: BridgePort, frame: EthernetFrame, length: number, skb: NfSkb): void {
    const savedPkt = this.curPkt;
    const savedSkb = this.curSkb;
    this.curPkt = frame.payload.kind === 'ipv4' ? frame.payload : undefined;
    this.curSkb = skb;
    bridge.handleFrameFinish(port, frame, length);
    this.curPkt = savedPkt;
    this.curSkb = savedSkb;
  }
}
