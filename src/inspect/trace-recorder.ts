/**
 * The recorder behind `podwire trace`: an explainer in every namespace of the fabric (trace-steps.ts),
 * a tap on every namespace's netfilter (trace-netfilter.ts) and a subscriber to the trace bus, which
 * keep what happened to one packet and to the packet that answers it, and ignore everything else (ARP,
 * other traffic of the scenario). Which packets those are is `TracedFlow`'s business (trace-match.ts).
 */
import type { NetDevice, NetNs, Segment } from '../net/index.js';
import type { TraceBus, TraceKind, TracePoint } from '../sim/index.js';
import {
  type EthernetFrame,
  formatMac,
  IP_FLAG_DF,
  type Ipv4Packet,
  type UdpDatagram,
} from '../wire/index.js';
import { type Match, TracedFlow } from './trace-match.js';
import type { DropReason, EncapStep, TraceStep } from './trace-model.js';
import { NetfilterTap, type TraceNetfilter } from './trace-netfilter.js';
import { type NetSink, netExplainer, type TracePlace } from './trace-steps.js';

export type { TracePlace } from './trace-steps.js';

/** A namespace to record in, with its netfilter when it has one. */
export interface RecordedPlace extends TracePlace {
  readonly netfilter?: TraceNetfilter | undefined;
}

/** Where a capture point is: a namespace's device, or a switch port of a segment. */
interface PointPlace {
  readonly host: string;
  readonly dev: string;
  readonly device: NetDevice | undefined;
  readonly segment: boolean;
}

/** A device's drop reason (the trace bus's words) as a fate. */
function deviceDrop(reason: string): DropReason {
  if (reason === 'link down') return 'link-down';
  if (reason === 'exceeds port mtu') return 'mtu';
  if (reason === 'no FDB entry for the destination MAC') return 'fdb-miss';
  if (reason.startsWith('no route to remote VTEP')) return 'no-route';
  return 'other';
}

/** Records the steps of one request and its reply; `start` before sending, `stop` after. */
export class TraceRecorder implements NetSink {
  /** Steps of the request and of the reply, in the order they happened. */
  readonly steps = { request: [] as TraceStep[], reply: [] as TraceStep[] };
  /** Each traced packet as it was first seen (the reply as its sender built it). */
  readonly first: { request: Ipv4Packet | undefined; reply: Ipv4Packet | undefined } = {
    request: undefined,
    reply: undefined,
  };
  /** Which packets are the traced ones. */
  readonly flow = new TracedFlow();
  /** What the sender's socket is called when a reply reaches its raw socket (`ping`). */
  originSocket: string | null = null;
  /** Called when the reply reached the request's sender. */
  onReplyDelivered: (() => void) | undefined;
  origin: NetNs | undefined;
  private armed = false;
  private readonly points = new Map<number, PointPlace>();
  private readonly taps: NetfilterTap[] = [];
  /** Encapsulation steps waiting for their outer IP header, by the outer datagram. */
  private readonly pendingEncap = new Map<UdpDatagram, { m: Match; at: number; step: EncapStep }>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    readonly now: () => number,
    private readonly places: readonly RecordedPlace[],
    segments: readonly Segment[],
    private readonly bus: TraceBus<EthernetFrame>,
  ) {
    for (const p of places) {
      for (const d of p.ns.devices())
        this.points.set(d.point.id, { host: p.host, dev: d.name, device: d, segment: false });
      if (p.netfilter !== undefined) this.taps.push(new NetfilterTap(this, p.ns, p.host, p.netfilter));
    }
    for (const s of segments) {
      for (const port of s.ports) {
        const name = port.point.name.slice(s.name.length + 1);
        this.points.set(port.point.id, { host: s.name, dev: name, device: undefined, segment: true });
      }
    }
  }

  /** Puts an explainer into every namespace, taps every netfilter and subscribes to the trace bus. */
  start(): void {
    for (const p of this.places) p.ns.setExplainer(netExplainer(this, p));
    for (const t of this.taps) t.start();
    this.unsubscribe = this.bus.on((kind, time, point, frame, reason) =>
      this.onTrace(kind, time, point, frame, reason),
    );
  }

  /** Takes every explainer and tap out again and unsubscribes. */
  stop(): void {
    for (const p of this.places) p.ns.setExplainer(undefined);
    for (const t of this.taps) t.stop();
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

  /** Which traced packet `pkt` is; undefined: neither. */
  classify(pkt: Ipv4Packet): Match | undefined {
    return this.flow.classify(pkt);
  }

  sending(ns: NetNs, pkt: Ipv4Packet): void {
    if (this.armed && ns === this.origin && this.flow.request === undefined) this.flow.sent(pkt);
  }

  replyDelivered(): void {
    this.onReplyDelivered?.();
  }

  add(m: Match, step: TraceStep): number {
    if (this.first[m.dir] === undefined) {
      this.first[m.dir] = m.packet;
      if (m.dir === 'reply') this.flow.replied(m.packet);
    }
    const list = this.steps[m.dir];
    list.push(step);
    return list.length - 1;
  }

  replace(m: Match, at: number, step: TraceStep): void {
    this.steps[m.dir][at] = step;
  }

  encapPending(outer: UdpDatagram, m: Match, at: number, step: EncapStep): void {
    this.pendingEncap.set(outer, { m, at, step });
  }

  /** An encapsulation step gets the outer IP header's fields once the namespace built it. */
  completeEncap(outer: UdpDatagram, pkt: Ipv4Packet): void {
    const pending = this.pendingEncap.get(outer);
    if (pending === undefined) return;
    this.pendingEncap.delete(outer);
    const { m, at, step } = pending;
    const df = (pkt.flags & IP_FLAG_DF) !== 0;
    this.replace(m, at, { ...step, ipLength: pkt.totalLength, ttl: pkt.ttl, df });
  }

  private onTrace(kind: TraceKind, time: number, point: TracePoint, frame: EthernetFrame, reason?: string) {
    const p = frame.payload;
    if (p.kind !== 'ipv4') return;
    const m = this.flow.classify(p);
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
}

/** `node1/pa/eth0` → host `node1/pa`, device `eth0`: for a point registered after the trace began. */
function placeOfName(name: string): PointPlace {
  const cut = name.lastIndexOf('/');
  return { host: name.slice(0, cut), dev: name.slice(cut + 1), device: undefined, segment: false };
}
