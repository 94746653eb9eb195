/**
 * The recorder behind `podwire trace`: an explainer in every namespace of the fabric and a subscriber to
 * its trace bus, which keeps what happened to one packet and to the packet that answers it, and ignores
 * everything else (ARP, other traffic of the scenario). A packet is recognised by its addresses,
 * protocol and IP id — also inside a VXLAN datagram or flanneld's UDP, where it is the inner packet.
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
  type Segment,
  Vxlan,
} from '../net/index.js';
import type { TraceBus, TraceKind, TracePoint } from '../sim/index.js';
import {
  type EthernetFrame,
  formatCidr,
  formatIp4,
  formatMac,
  IP_FLAG_DF,
  type Ipv4Packet,
  parseIpv4,
  type UdpDatagram,
} from '../wire/index.js';
import { routeLine } from './ip-route.js';
import type { DropReason, EncapStep, TraceStep } from './trace-model.js';

/** A namespace of the fabric and what the trace calls it. */
export interface TracePlace {
  readonly ns: NetNs;
  /** `node1`, `router`, or a pod's `node1/pa`. */
  readonly host: string;
  readonly kind: 'pod' | 'node' | 'router';
}

/** Which of the two traced packets a packet is, and whether it is their carrier rather than itself. */
interface Match {
  readonly dir: 'request' | 'reply';
  readonly outer: boolean;
  /** The traced packet itself (the inner one when `outer`). */
  readonly packet: Ipv4Packet;
}

/** Where a capture point is: a namespace's device, or a switch port of a segment. */
interface PointPlace {
  readonly host: string;
  readonly dev: string;
  readonly device: NetDevice | undefined;
  readonly segment: boolean;
}

/** ICMP types that are errors, which quote the packet they are about. */
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

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
]);

/** A device's drop reason (the trace bus's words) as a fate. */
function deviceDrop(reason: string): DropReason {
  if (reason === 'link down') return 'link-down';
  if (reason === 'exceeds port mtu') return 'mtu';
  if (reason === 'no FDB entry for the destination MAC') return 'fdb-miss';
  if (reason.startsWith('no route to remote VTEP')) return 'no-route';
  return 'other';
}

/** Records the steps of one request and its reply; `start` before sending, `stop` after. */
export class TraceRecorder {
  /** Steps of the request and of the reply, in the order they happened. */
  readonly steps = { request: [] as TraceStep[], reply: [] as TraceStep[] };
  /** Each traced packet as it was first seen (the reply as its sender built it). */
  readonly first: { request: Ipv4Packet | undefined; reply: Ipv4Packet | undefined } = {
    request: undefined,
    reply: undefined,
  };
  /** What the sender's socket is called when a reply reaches it (`ping`). */
  originSocket: string | null = null;
  /** Called when the reply reached the request's sender. */
  onReplyDelivered: (() => void) | undefined;
  /** The request as its sender built it: what the other packets are compared with. */
  private request: Ipv4Packet | undefined;
  private origin: NetNs | undefined;
  private armed = false;
  private readonly points = new Map<number, PointPlace>();
  /** Encapsulation steps waiting for their outer IP header, by the outer datagram. */
  private readonly pendingEncap = new Map<UdpDatagram, { list: TraceStep[]; step: EncapStep }>();
  /** Neighbours a traced packet waits on, as `host|ifindex|address`. */
  private readonly waiting = new Set<string>();
  /** The UDP packet each namespace delivered last to a socket: a VXLAN device's datagram's IP header. */
  private readonly lastUdp = new Map<NetNs, Ipv4Packet>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly now: () => number,
    private readonly places: readonly TracePlace[],
    segments: readonly Segment[],
    private readonly bus: TraceBus<EthernetFrame>,
  ) {
    for (const p of places) {
      for (const d of p.ns.devices())
        this.points.set(d.point.id, { host: p.host, dev: d.name, device: d, segment: false });
    }
    for (const s of segments) {
      for (const port of s.ports) {
        const name = port.point.name.slice(s.name.length + 1);
        this.points.set(port.point.id, { host: s.name, dev: name, device: undefined, segment: true });
      }
    }
  }

  /** Puts an explainer into every namespace and subscribes to the trace bus. */
  start(): void {
    for (const p of this.places) p.ns.setExplainer(this.explainer(p));
    this.unsubscribe = this.bus.on((kind, time, point, frame, reason) =>
      this.onTrace(kind, time, point, frame, reason),
    );
  }

  /** Takes every explainer out again and unsubscribes. */
  stop(): void {
    for (const p of this.places) p.ns.setExplainer(undefined);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** The next packet `ns` sends itself is the request (call around the sender's first send). */
  arm(ns: NetNs): void {
    this.origin = ns;
    this.armed = true;
  }

  disarm(): void {
    this.armed = false;
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
    if (req === undefined) return undefined;
    if (pkt.src === req.src && pkt.dst === req.dst && pkt.protocol === req.protocol && pkt.id === req.id)
      return 'request';
    if (pkt.src === req.dst && pkt.dst === req.src && isAnswer(pkt, req)) return 'reply';
    const l4 = pkt.payload;
    if (l4.kind === 'icmp' && ICMP_ERRORS.has(l4.type) && quotes(l4.data, req)) return 'reply';
    return undefined;
  }

  private add(m: Match, step: TraceStep): void {
    this.first[m.dir] ??= m.packet;
    this.steps[m.dir].push(step);
  }

  private onTrace(kind: TraceKind, time: number, point: TracePoint, frame: EthernetFrame, reason?: string) {
    const p = frame.payload;
    if (p.kind !== 'ipv4') return;
    const m = this.classify(p);
    if (m === undefined) return;
    const at = this.points.get(point.id) ?? placeOfName(point.name);
    const base = { timeNs: time, host: at.host, dev: at.dev, outer: m.outer };
    if (kind === 'drop') {
      this.add(m, { kind: 'drop', ...base, reason: deviceDrop(reason ?? ''), counter: reason ?? '' });
    } else if (at.segment) {
      this.add(m, { kind: 'switch', ...base, direction: kind === 'rx' ? 'in' : 'out' });
    } else if (kind === 'rx') {
      const bridge = at.device?.master?.name ?? null;
      this.add(m, { kind: 'receive', ...base, bridge });
    } else {
      const l2 = at.device !== undefined && at.device.kind !== 'tun' && at.device.kind !== 'loopback';
      this.add(m, {
        kind: 'send',
        ...base,
        srcMac: l2 ? formatMac(frame.src) : null,
        dstMac: l2 ? formatMac(frame.dst) : null,
      });
    }
  }

  /** An encapsulation step gets the outer IP header's fields once the namespace built it. */
  private completeEncap(outer: UdpDatagram, pkt: Ipv4Packet): void {
    const pending = this.pendingEncap.get(outer);
    if (pending === undefined) return;
    this.pendingEncap.delete(outer);
    const { list, step } = pending;
    const df = (pkt.flags & IP_FLAG_DF) !== 0;
    list[list.indexOf(step)] = { ...step, ipLength: pkt.totalLength, ttl: pkt.ttl, df };
  }

  /** The explainer of one namespace: every method files a step under the packet it is about. */
  private explainer(place: TracePlace): Explainer {
    const { ns, host } = place;
    const base = (dev: NetDevice | undefined, outer: boolean) => ({
      timeNs: this.now(),
      host,
      dev: dev?.name ?? null,
      outer,
    });
    const route = (r: Route | undefined): string | null =>
      r === undefined ? null : routeLine(ns, r).trimEnd();
    return {
      routeInput: (dev, pkt, table, r) => {
        const m = this.classify(pkt);
        if (m === undefined) return;
        const destination = formatIp4(pkt.dst);
        this.add(m, {
          kind: 'route',
          ...base(dev, m.outer),
          lookup: 'input',
          destination,
          table,
          route: route(r),
        });
      },
      localOut: (pkt, r, dev) => {
        if (this.armed && ns === this.origin && this.request === undefined) this.request = pkt;
        const m = this.classify(pkt);
        if (m === undefined) return;
        if (pkt.payload.kind === 'udp') this.completeEncap(pkt.payload, pkt);
        const table = r.type === 'local' ? 'local' : 'main';
        const destination = formatIp4(pkt.dst);
        this.add(m, {
          kind: 'route',
          ...base(dev, m.outer),
          lookup: 'output',
          destination,
          table,
          route: route(r),
        });
      },
      forward: (inDev, outDev, pkt, fwd) => {
        const m = this.classify(pkt);
        if (m === undefined) return;
        this.add(m, {
          kind: 'forward',
          ...base(inDev, m.outer),
          outDev: outDev.name,
          ttlBefore: pkt.ttl,
          ttlAfter: fwd.ttl,
        });
      },
      neighLookup: (dev, nexthop, pkt, entry) => {
        const m = this.classify(pkt);
        if (m === undefined) return;
        const state = entry?.state ?? 'NONE';
        const resolved = state !== 'NONE' && state !== 'INCOMPLETE' && state !== 'FAILED';
        const lladdr = resolved && entry?.mac !== undefined ? formatMac(entry.mac) : null;
        if (!resolved) this.waiting.add(`${host}|${dev.ifindex}|${nexthop}`);
        const address = formatIp4(nexthop);
        const action = resolved ? 'send' : 'queue';
        this.add(m, { kind: 'neigh', ...base(dev, m.outer), address, state, lladdr, action });
      },
      neighTransmit: (entry: NeighEntry, pkt) => {
        const key = `${host}|${entry.dev}|${entry.ip}`;
        if (!this.waiting.has(key) || entry.mac === undefined) return;
        const m = this.classify(pkt);
        if (m === undefined) return;
        this.waiting.delete(key);
        this.add(m, {
          ...base(ns.device(entry.dev), m.outer),
          kind: 'neigh-resolved',
          address: formatIp4(entry.ip),
          state: entry.state,
          lladdr: formatMac(entry.mac),
        });
      },
      deliver: (dev, pkt, to, port) => {
        if (to === 'udp-socket') this.lastUdp.set(ns, pkt);
        const m = this.classify(pkt);
        if (m === undefined) return;
        const owner =
          to === 'raw-socket' && ns === this.origin ? this.originSocket : socketOwner(ns, to, port);
        this.add(m, {
          kind: 'deliver',
          ...base(dev, m.outer),
          to,
          port: to === 'udp-socket' ? port : null,
          owner,
          ttl: pkt.ttl,
        });
        if (m.dir === 'reply' && !m.outer && ns === this.origin && to !== 'icmp-kernel')
          this.onReplyDelivered?.();
      },
      icmpError: (orig, type, code, rest, suppressed) => {
        const m = this.classify(orig);
        if (m === undefined) return;
        const message = pingIcmpText(type, code, rest);
        this.add(m, {
          kind: 'icmp-error',
          ...base(undefined, m.outer),
          type,
          code,
          message,
          suppressed: suppressed ?? null,
        });
      },
      drop: (dev, pkt, counter) => {
        const m = this.classify(pkt);
        if (m === undefined) return;
        const reason = STACK_DROPS.get(counter) ?? 'other';
        this.add(m, { kind: 'drop', ...base(dev, m.outer), reason, counter });
      },
      proxy: (step: ProxyStep) => {
        const m = this.classify(step.packet);
        if (m === undefined) return;
        const b = base(undefined, m.outer);
        const subnet =
          step.network !== undefined && step.mask !== undefined
            ? formatCidr(step.network, prefixLength(step.mask))
            : null;
        const peer = step.peer === undefined ? null : formatIp4(step.peer);
        const { program, action } = step;
        this.add(m, { kind: 'proxy', ...b, program, action, subnet, peer, ttlBefore: step.packet.ttl });
        if (action === 'no-route' || action === 'ttl-expired') {
          const reason = action === 'no-route' ? 'no-route' : 'ttl-exceeded';
          this.add(m, { kind: 'drop', ...b, reason, counter: `${program} ${action}` });
        }
      },
      bridgeFdb: (bridge, frame, _inPort, verdict: BridgeVerdict, outPort) => {
        const m = frame.payload.kind === 'ipv4' ? this.classify(frame.payload) : undefined;
        if (m === undefined) return;
        const mac = formatMac(frame.dst);
        this.add(m, {
          kind: 'bridge-fdb',
          ...base(bridge, m.outer),
          mac,
          verdict,
          port: outPort?.name ?? null,
        });
      },
      vxlanEncap: (dev, frame, remote, outer) => {
        const m = frame.payload.kind === 'ipv4' ? this.classify(frame.payload) : undefined;
        if (m === undefined) return;
        const b = base(dev, m.outer);
        const mac = formatMac(frame.dst);
        this.add(m, {
          kind: 'vxlan-fdb',
          ...b,
          mac,
          remote: remote === undefined ? null : formatIp4(remote),
        });
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
        this.pendingEncap.set(outer, { list: this.steps[m.dir], step });
        this.add(m, step);
      },
      vxlanDecap: (dev, outer, drop) => {
        const v = outer.payload;
        const inner = v.kind === 'vxlan' && v.inner.payload.kind === 'ipv4' ? v.inner.payload : undefined;
        const m = inner === undefined ? undefined : this.classify(inner);
        if (m === undefined) return;
        const ip = this.lastUdp.get(ns);
        const carried = ip !== undefined && ip.payload === outer;
        this.add(m, {
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
          this.add(m, { kind: 'drop', ...base(dev, m.outer), reason: 'vxlan', counter: drop });
      },
    };
  }
}

/** The packet inside a VXLAN datagram or flanneld's UDP (a bare IP packet), if any. */
function innerPacket(d: UdpDatagram): Ipv4Packet | undefined {
  const v = d.payload;
  if (v.kind === 'vxlan') return v.inner.payload.kind === 'ipv4' ? v.inner.payload : undefined;
  if (d.srcPort !== FLANNEL_UDP_PORT && d.dstPort !== FLANNEL_UDP_PORT) return undefined;
  const parsed = parseIpv4(v.bytes);
  return parsed.ok ? parsed.value : undefined;
}

/** An echo reply to an echo request, or a UDP datagram back from the port the request went to. */
function isAnswer(pkt: Ipv4Packet, req: Ipv4Packet): boolean {
  const a = pkt.payload;
  const q = req.payload;
  if (a.kind === 'icmp' && q.kind === 'icmp') return a.type === 0 && q.type === 8 && a.rest === q.rest;
  if (a.kind === 'udp' && q.kind === 'udp') return a.srcPort === q.dstPort && a.dstPort === q.srcPort;
  return false;
}

/** Whether an ICMP error's quoted header is `req`'s (addresses, protocol, IP id). */
function quotes(quote: Uint8Array, req: Ipv4Packet): boolean {
  if (quote.length < 20) return false;
  const u32 = (at: number) =>
    (((quote[at] ?? 0) << 24) |
      ((quote[at + 1] ?? 0) << 16) |
      ((quote[at + 2] ?? 0) << 8) |
      (quote[at + 3] ?? 0)) >>>
    0;
  const id = ((quote[4] ?? 0) << 8) | (quote[5] ?? 0);
  return id === req.id && quote[9] === req.protocol && u32(12) === req.src && u32(16) === req.dst;
}

/** What holds a socket a packet was delivered to, when podwire knows. */
function socketOwner(ns: NetNs, to: DeliverTo, port: number): string | null {
  if (to !== 'udp-socket') return null;
  for (const d of ns.devices()) if (d instanceof Vxlan && d.config.dstPort === port) return `vxlan ${d.name}`;
  if (port === FLANNEL_UDP_PORT && ns.deviceByName('flannel0') !== undefined) return 'flanneld';
  return null;
}

/** `node1/pa/eth0` → host `node1/pa`, device `eth0`: for a point registered after the trace began. */
function placeOfName(name: string): PointPlace {
  const cut = name.lastIndexOf('/');
  return { host: name.slice(0, cut), dev: name.slice(cut + 1), device: undefined, segment: false };
}

/** The prefix length of a contiguous netmask. */
function prefixLength(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m = (m << 1) >>> 0) n++;
  return n;
}
