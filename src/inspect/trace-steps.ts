/**
 * The IPv4 stack's part of `podwire trace`: the explainer of one namespace, which turns each decision
 * the stack reports (route lookups, forwarding, neighbours, local delivery, ICMP errors, drops, bridge and
 * VXLAN FDB lookups, flanneld's proxy) into a step of the traced packet it is about.
 */
import { pingIcmpText } from '../apps/index.js';
import { FLANNEL_UDP_PORT } from '../flannel/index.js';
import {
  type BridgeVerdict,
  type DeliverTo,
  type Explainer,
  type NeighEntry,
  type NetDevice,
  type NetNs,
  type ProxyStep,
  type Route,
  Vxlan,
} from '../net/index.js';
import {
  formatCidr,
  formatIp4,
  formatMac,
  type Ipv4Packet,
  TCP_RST,
  type UdpDatagram,
} from '../wire/index.js';
import { routeLine } from './ip-route.js';
import type { Match } from './trace-match.js';
import type { DropReason, DropStep, EncapStep } from './trace-model.js';
import type { StepSink } from './trace-netfilter.js';

/** A namespace of the fabric and what the trace calls it. */
export interface TracePlace {
  readonly ns: NetNs;
  /** `node1`, `router`, `laptop`, or a pod's `node1/pa`. */
  readonly host: string;
  readonly kind: 'pod' | 'node' | 'router' | 'host';
}

/** What the stack's explainer needs of the recorder besides filing steps. */
export interface NetSink extends StepSink {
  /** The namespace that sends the request, and what its socket is called (`ping`). */
  readonly origin: NetNs | undefined;
  readonly originSocket: string | null;
  /** The reply reached the request's sender. */
  replyDelivered(): void;
  /** An encapsulation step that gets its outer IP header when `outer` is sent. */
  encapPending(outer: UdpDatagram, m: Match, at: number, step: EncapStep): void;
  completeEncap(outer: UdpDatagram, pkt: Ipv4Packet): void;
}

/** Drop counters of the IPv4 stack, and what they mean for a packet's fate. */
const STACK_DROPS: ReadonlyMap<string, DropReason> = new Map([
  ['no_route', 'no-route'],
  ['route_unreachable', 'route-type'],
  ['route_prohibit', 'route-type'],
  ['route_blackhole', 'route-type'],
  ['ttl_exceeded', 'ttl-exceeded'],
  ['frag_needed', 'mtu'],
  ['neigh_failed', 'neigh-failed'],
  ['rx_otherhost', 'not-for-this-host'],
  ['InAddrErrors', 'forwarding-disabled'],
  ['udp_no_port', 'no-socket'],
  ['rx_no_socket', 'no-socket'],
  ['nf_drop', 'netfilter'],
  ['nf_reject', 'netfilter'],
  ['nf_conntrack_table_full', 'netfilter'],
  ['nf_conntrack_insert_failed', 'netfilter'],
]);

/** The explainer of one namespace: every method files a step under the packet it is about. */
export function netExplainer(sink: NetSink, place: TracePlace): Explainer {
  const { ns, host } = place;
  const { flow } = sink;
  /** Neighbours a traced packet waits on, as `ifindex|address`. */
  const waiting = new Set<string>();
  /** The UDP packet delivered last to a socket here: a VXLAN device's datagram's IP header. */
  let lastUdp: Ipv4Packet | undefined;
  /** Where the request was handed to TCP here (device and port), until the TCP layer answers it. */
  let tcpTaken: { readonly dev: NetDevice; readonly port: number } | undefined;
  const base = (dev: NetDevice | undefined, outer: boolean) => ({
    timeNs: sink.now(),
    host,
    dev: dev?.name ?? null,
    outer,
  });
  const route = (r: Route | undefined): string | null =>
    r === undefined ? null : routeLine(ns, r).trimEnd();
  return {
    routeInput: (dev, pkt, table, r) => {
      const m = flow.classify(pkt);
      if (m === undefined) return;
      const destination = formatIp4(pkt.dst);
      sink.add(m, {
        kind: 'route',
        ...base(dev, m.outer),
        lookup: 'input',
        destination,
        table,
        route: route(r),
      });
    },
    localOut: (pkt, r, dev) => {
      sink.sending(ns, pkt);
      const m = flow.classify(pkt);
      if (m === undefined) return;
      if (pkt.payload.kind === 'udp') sink.completeEncap(pkt.payload, pkt);
      const table = r.type === 'local' ? 'local' : 'main';
      const destination = formatIp4(pkt.dst);
      sink.add(m, {
        kind: 'route',
        ...base(dev, m.outer),
        lookup: 'output',
        destination,
        table,
        route: route(r),
      });
      const l4 = pkt.payload;
      const req = flow.request;
      if (m.dir === 'reply' && !m.outer && tcpTaken !== undefined && req !== undefined) {
        // tcp_v4_rcv found no socket for the request and answered with this reset (tcp_v4_send_reset).
        if (l4.kind === 'tcp' && (l4.flags & TCP_RST) !== 0) {
          const counter = `no socket for TCP port ${tcpTaken.port}, reset sent`;
          const drop: DropStep = { kind: 'drop', ...base(tcpTaken.dev, false), reason: 'no-socket', counter };
          sink.add({ dir: 'request', outer: false, packet: req }, drop);
        }
        tcpTaken = undefined;
      }
    },
    forward: (inDev, outDev, pkt, fwd) => {
      const m = flow.classify(pkt);
      if (m === undefined) return;
      sink.add(m, {
        kind: 'forward',
        ...base(inDev, m.outer),
        outDev: outDev.name,
        ttlBefore: pkt.ttl,
        ttlAfter: fwd.ttl,
      });
    },
    neighLookup: (dev, nexthop, pkt, entry) => {
      const m = flow.classify(pkt);
      if (m === undefined) return;
      const state = entry?.state ?? 'NONE';
      const resolved = state !== 'NONE' && state !== 'INCOMPLETE' && state !== 'FAILED';
      const lladdr = resolved && entry?.mac !== undefined ? formatMac(entry.mac) : null;
      if (!resolved) waiting.add(`${dev.ifindex}|${nexthop}`);
      const address = formatIp4(nexthop);
      const action = resolved ? 'send' : 'queue';
      sink.add(m, { kind: 'neigh', ...base(dev, m.outer), address, state, lladdr, action });
    },
    neighTransmit: (entry: NeighEntry, pkt) => {
      const key = `${entry.dev}|${entry.ip}`;
      if (!waiting.has(key) || entry.mac === undefined) return;
      const m = flow.classify(pkt);
      if (m === undefined) return;
      waiting.delete(key);
      sink.add(m, {
        ...base(ns.device(entry.dev), m.outer),
        kind: 'neigh-resolved',
        address: formatIp4(entry.ip),
        state: entry.state,
        lladdr: formatMac(entry.mac),
      });
    },
    deliver: (dev, pkt, to, port) => {
      if (to === 'udp-socket') lastUdp = pkt;
      const m = flow.classify(pkt);
      if (m === undefined) return;
      const atOrigin = m.dir === 'reply' && !m.outer && ns === sink.origin;
      const owner =
        to === 'raw-socket' && ns === sink.origin
          ? sink.originSocket
          : atOrigin && (to === 'udp-socket' || to === 'tcp-socket')
            ? 'the sender'
            : socketOwner(ns, to, port);
      if (m.dir === 'request' && !m.outer && to === 'tcp-socket') tcpTaken = { dev, port };
      sink.add(m, {
        kind: 'deliver',
        ...base(dev, m.outer),
        to,
        port: to === 'udp-socket' || to === 'tcp-socket' ? port : null,
        owner,
        ttl: pkt.ttl,
      });
      if (atOrigin && to !== 'icmp-kernel') sink.replyDelivered();
    },
    icmpError: (orig, type, code, rest, suppressed) => {
      const m = flow.classify(orig);
      if (m === undefined) return;
      const message = pingIcmpText(type, code, rest);
      sink.add(m, {
        kind: 'icmp-error',
        ...base(undefined, m.outer),
        type,
        code,
        message,
        suppressed: suppressed ?? null,
      });
    },
    drop: (dev, pkt, counter) => {
      const m = flow.classify(pkt);
      if (m === undefined) return;
      const reason = STACK_DROPS.get(counter) ?? 'other';
      sink.add(m, { kind: 'drop', ...base(dev, m.outer), reason, counter });
    },
    proxy: (step: ProxyStep) => {
      const m = flow.classify(step.packet);
      if (m === undefined) return;
      const b = base(undefined, m.outer);
      const subnet =
        step.network !== undefined && step.mask !== undefined
          ? formatCidr(step.network, prefixLength(step.mask))
          : null;
      const peer = step.peer === undefined ? null : formatIp4(step.peer);
      const { program, action } = step;
      sink.add(m, { kind: 'proxy', ...b, program, action, subnet, peer, ttlBefore: step.packet.ttl });
      if (action === 'no-route' || action === 'ttl-expired') {
        const reason = action === 'no-route' ? 'no-route' : 'ttl-exceeded';
        sink.add(m, { kind: 'drop', ...b, reason, counter: `${program} ${action}` });
      }
    },
    bridgeFdb: (bridge, frame, _inPort, verdict: BridgeVerdict, outPort) => {
      const m = frame.payload.kind === 'ipv4' ? flow.classify(frame.payload) : undefined;
      if (m === undefined) return;
      const mac = formatMac(frame.dst);
      sink.add(m, {
        kind: 'bridge-fdb',
        ...base(bridge, m.outer),
        mac,
        verdict,
        port: outPort?.name ?? null,
      });
    },
    vxlanEncap: (dev, frame, remote, outer) => {
      const m = frame.payload.kind === 'ipv4' ? flow.classify(frame.payload) : undefined;
      if (m === undefined) return;
      const b = base(dev, m.outer);
      const mac = formatMac(frame.dst);
      sink.add(m, { kind: 'vxlan-fdb', ...b, mac, remote: remote === undefined ? null : formatIp4(remote) });
      if (remote === undefined || outer === undefined || !(dev instanceof Vxlan)) return;
      const step: EncapStep = {
        kind: 'encap',
        ...b,
        vni: dev.config.vni,
        outerSrc: formatIp4(dev.config.local),
        outerDst: formatIp4(remote),
        srcPort: outer.srcPort,
        dstPort: outer.dstPort,
        udpLength: outer.length,
        ipLength: null,
        ttl: null,
        df: null,
      };
      sink.encapPending(outer, m, sink.add(m, step), step);
    },
    vxlanDecap: (dev, outer, drop) => {
      const v = outer.payload;
      const inner = v.kind === 'vxlan' && v.inner.payload.kind === 'ipv4' ? v.inner.payload : undefined;
      const m = inner === undefined ? undefined : flow.classify(inner);
      if (m === undefined) return;
      const ip = lastUdp;
      const carried = ip !== undefined && ip.payload === outer;
      sink.add(m, {
        kind: 'decap',
        ...base(dev, m.outer),
        vni: v.kind === 'vxlan' ? v.vni : null,
        outerSrc: carried ? formatIp4(ip.src) : null,
        outerDst: carried ? formatIp4(ip.dst) : null,
        srcPort: outer.srcPort,
        dstPort: outer.dstPort,
        drop: drop ?? null,
      });
      if (drop !== undefined)
        sink.add(m, { kind: 'drop', ...base(dev, m.outer), reason: 'vxlan', counter: drop });
    },
  };
}

/** What holds a socket a packet was delivered to, when podwire knows. */
function socketOwner(ns: NetNs, to: DeliverTo, port: number): string | null {
  if (to !== 'udp-socket') return null;
  for (const d of ns.devices()) if (d instanceof Vxlan && d.config.dstPort === port) return `vxlan ${d.name}`;
  if (port === FLANNEL_UDP_PORT && ns.deviceByName('flannel0') !== undefined) return 'flanneld';
  return null;
}

/** The prefix length of a contiguous netmask. */
function prefixLength(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m = (m << 1) >>> 0) n++;
  return n;
}
