/**
 * `podwire trace`: sends one packet — an ICMP echo request as `ping -c 1` sends it, or a UDP datagram —
 * from a namespace of a built fabric, runs the simulator until the answer is back (or a wait is over),
 * and returns every step the packet and its answer took (trace-model.ts). The fabric is read through
 * `TraceFabric`, which topology's `Cluster` satisfies as it is (inspect/ may not import topology/).
 */
import { Ping, pingIcmpText } from '../apps/index.js';
import type { PodRecord } from '../k8s/index.js';
import type { NetNs, Segment } from '../net/index.js';
import { SECOND, type Sim, type TraceBus } from '../sim/index.js';
import {
  type EthernetFrame,
  formatIp4,
  IP_FLAG_DF,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  udp,
} from '../wire/index.js';
import type { TracedPacket, TraceFate, TraceHop, TraceReport, TraceStep } from './trace-model.js';
import { type TracePlace, TraceRecorder } from './trace-recorder.js';

/** What `traceFlow` reads of a built fabric. */
export interface TraceFabric {
  readonly sim: Sim;
  readonly trace: TraceBus<EthernetFrame>;
  readonly segments: ReadonlyMap<string, Segment>;
  readonly nodes: ReadonlyMap<string, { readonly ns: NetNs }>;
  readonly routers: ReadonlyMap<string, { readonly ns: NetNs }>;
  /** Pods by `namespace/name`. */
  readonly pods: ReadonlyMap<string, PodRecord>;
}

/** The packet to trace. */
export interface TraceFlowOptions {
  /** How the report names the two ends (`pod/pa`, `10.9.9.9`). */
  readonly from: string;
  readonly to: string;
  /** The namespace that sends, and the destination address. */
  readonly origin: NetNs;
  readonly dst: Ip4;
  /** `icmp` (default): one echo request as `ping -c 1` sends it; `udp`: one datagram to `port`. */
  readonly proto?: 'icmp' | 'udp';
  /** UDP destination port; default 33434, traceroute's first (and a closed) port. */
  readonly port?: number;
  /** How long to wait for the answer, ns; default 5 s (longer than ARP's 3 s give-up). */
  readonly waitNs?: number;
}

/** traceroute's first UDP port: nobody listens there, so the answer is a port unreachable. */
export const TRACE_UDP_PORT = 33434;
/** UDP payload bytes: a 60-byte packet, as traceroute sends. */
const UDP_PAYLOAD = 32;
const DEFAULT_WAIT_NS = 5 * SECOND;
/** Far more events than one packet and its answer need; a guard against a model that never settles. */
const MAX_EVENTS = 1_000_000;

/** The namespaces of a fabric as the trace names them: nodes, routers, then pods (`node1/pa`). */
export function tracePlaces(fabric: TraceFabric): TracePlace[] {
  const places: TracePlace[] = [];
  const seen = new Set<NetNs>();
  const add = (ns: NetNs, host: string, kind: TracePlace['kind']) => {
    if (seen.has(ns)) return;
    seen.add(ns);
    places.push({ ns, host, kind });
  };
  for (const [name, h] of fabric.nodes) add(h.ns, name, 'node');
  for (const [name, h] of fabric.routers) add(h.ns, name, 'router');
  for (const p of fabric.pods.values()) add(p.netns, `${p.node}/${p.desc.name}`, 'pod');
  return places;
}

/**
 * Sends the packet now and follows it and its answer until the answer reaches the sender, or `waitNs`
 * passed. The simulator keeps running the scenario meanwhile; only the two packets are recorded.
 */
export function traceFlow(fabric: TraceFabric, options: TraceFlowOptions): TraceReport {
  const { sim } = fabric;
  const proto = options.proto ?? 'icmp';
  const places = tracePlaces(fabric);
  const origin = places.find((p) => p.ns === options.origin) ?? {
    ns: options.origin,
    host: options.origin.name,
    kind: 'node' as const,
  };
  const startNs = sim.now;
  const report = (packets: TracedPacket[]): TraceReport => ({
    from: options.from,
    to: options.to,
    proto,
    startNs,
    packets,
  });
  const route = options.origin.routeOutput(options.dst);
  if (!route.ok) return report([notSent(origin, options, proto, route.errno, startNs)]);

  const recorder = new TraceRecorder(() => sim.now, places, [...fabric.segments.values()], fabric.trace);
  const waitNs = options.waitNs ?? DEFAULT_WAIT_NS;
  recorder.start();
  const finish =
    proto === 'icmp'
      ? sendEcho(fabric, recorder, options, waitNs)
      : sendDatagram(fabric, recorder, options, route.src);
  sim.run({ until: startNs + waitNs + SECOND, maxEvents: MAX_EVENTS });
  finish();
  recorder.stop();

  const packets: TracedPacket[] = [];
  const req = recorder.first.request;
  if (req === undefined) return report([notSent(origin, options, proto, 'EINVAL', startNs)]);
  packets.push(tracedPacket('request', req, recorder.steps.request, places));
  const reply = recorder.first.reply;
  if (reply !== undefined) packets.push(tracedPacket('reply', reply, recorder.steps.reply, places));
  return report(packets);
}

/**
 * `ping -c 1 DST` with ping's own identifier and payload; the run stops when ping is done. Returns what
 * to close afterwards: nothing, ping closes its socket itself.
 */
function sendEcho(
  fabric: TraceFabric,
  recorder: TraceRecorder,
  options: TraceFlowOptions,
  waitNs: number,
): () => void {
  const ping = new Ping(
    options.origin,
    { dst: options.dst, count: 1, intervalNs: SECOND, size: 56, ttl: 64, pmtudisc: 'want', lingerNs: waitNs },
    () => fabric.sim.stop(),
  );
  recorder.originSocket = 'ping';
  recorder.arm(options.origin);
  ping.start();
  recorder.disarm();
  return () => {};
}

/**
 * One UDP datagram from an ephemeral port, as an unconnected socket sends it (DF when it fits). The
 * port is bound for an answer; ICMP errors reach the socket's error queue (IP_RECVERR), which a raw
 * listener stands for here. The run stops when either arrives. Returns what closes both sockets.
 */
function sendDatagram(
  fabric: TraceFabric,
  recorder: TraceRecorder,
  options: TraceFlowOptions,
  src: Ip4,
): () => void {
  const ns = options.origin;
  const srcPort = ns.sockets.ephemeralPort();
  const dstPort = options.port ?? TRACE_UDP_PORT;
  const closeUdp = ns.sockets.bindUdp(srcPort, () => {});
  const closeRaw = ns.sockets.openRaw(IPPROTO_ICMP, () => {});
  recorder.originSocket = `the sender, udp port ${srcPort}`;
  recorder.onReplyDelivered = () => fabric.sim.stop();
  const datagram = udp({ src, dst: options.dst, srcPort, dstPort, payload: new Uint8Array(UDP_PAYLOAD) });
  recorder.arm(ns);
  ns.send({ src, dst: options.dst, protocol: IPPROTO_UDP, payload: datagram });
  recorder.disarm();
  return () => {
    closeUdp?.();
    closeRaw();
  };
}

/** A request whose sender's own route lookup failed: nothing left the namespace. */
function notSent(
  { host, kind }: TracePlace,
  options: TraceFlowOptions,
  proto: 'icmp' | 'udp',
  errno: string,
  timeNs: number,
): TracedPacket {
  const dst = formatIp4(options.dst);
  const step: TraceStep = {
    kind: 'route',
    timeNs,
    host,
    dev: null,
    outer: false,
    lookup: 'output',
    destination: dst,
    table: 'main',
    route: null,
  };
  return {
    direction: 'request',
    summary: `${proto === 'icmp' ? 'ICMP echo request' : 'UDP'} to ${dst}: not sent`,
    src: '',
    dst,
    protocol: proto,
    hops: [{ host, hostKind: kind, steps: [step] }],
    fate: { kind: 'not-sent', host, errno },
  };
}

function tracedPacket(
  direction: 'request' | 'reply',
  pkt: Ipv4Packet,
  steps: readonly TraceStep[],
  places: readonly TracePlace[],
): TracedPacket {
  return {
    direction,
    summary: packetSummary(pkt),
    src: formatIp4(pkt.src),
    dst: formatIp4(pkt.dst),
    protocol: pkt.protocol === IPPROTO_ICMP ? 'icmp' : pkt.protocol === IPPROTO_UDP ? 'udp' : pkt.protocol,
    hops: hopsOf(steps, places),
    fate: fateOf(steps),
  };
}

/** Consecutive steps in one namespace or switch make one hop. */
function hopsOf(steps: readonly TraceStep[], places: readonly TracePlace[]): TraceHop[] {
  const kindOf = new Map(places.map((p) => [p.host, p.kind] as const));
  const hops: Array<{ host: string; hostKind: TraceHop['hostKind']; steps: TraceStep[] }> = [];
  for (const s of steps) {
    const last = hops.at(-1);
    if (last !== undefined && last.host === s.host) last.steps.push(s);
    else hops.push({ host: s.host, hostKind: kindOf.get(s.host) ?? 'segment', steps: [s] });
  }
  return hops;
}

/**
 * Delivered, when the packet itself (not a carrier) reached a socket or the kernel's ICMP handling;
 * else the last drop — one that is not a flooded copy's "not for this host" if there is one.
 */
function fateOf(steps: readonly TraceStep[]): TraceFate {
  let delivered: TraceFate | undefined;
  let dropped: TraceFate | undefined;
  let otherhost: TraceFate | undefined;
  for (const s of steps) {
    if (s.kind === 'deliver' && !s.outer) {
      const { host, dev, to, port, owner, ttl } = s;
      delivered = { kind: 'delivered', host, dev, to, port, owner, ttl };
    } else if (s.kind === 'drop') {
      const f: TraceFate = {
        kind: 'dropped',
        host: s.host,
        dev: s.dev,
        reason: s.reason,
        counter: s.counter,
      };
      if (s.reason === 'not-for-this-host') otherhost = f;
      else dropped = f;
    }
  }
  return delivered ?? dropped ?? otherhost ?? { kind: 'lost', host: steps.at(-1)?.host ?? null };
}

/** `ICMP echo request 10.244.0.2 > 10.244.1.2, id 4660 seq 1, ttl 64, length 84, DF`. */
export function packetSummary(p: Ipv4Packet): string {
  const tail = `ttl ${p.ttl}, length ${p.totalLength}${(p.flags & IP_FLAG_DF) !== 0 ? ', DF' : ''}`;
  const l4 = p.payload;
  const ends = `${formatIp4(p.src)} > ${formatIp4(p.dst)}`;
  if (l4.kind === 'icmp') {
    if (l4.type === 8 || l4.type === 0) {
      const what = l4.type === 8 ? 'echo request' : 'echo reply';
      return `ICMP ${what} ${ends}, id ${l4.rest >>> 16} seq ${l4.rest & 0xffff}, ${tail}`;
    }
    return `ICMP ${ends}: ${pingIcmpText(l4.type, l4.code, l4.rest)}, ${tail}`;
  }
  if (l4.kind === 'udp')
    return `UDP ${formatIp4(p.src)}:${l4.srcPort} > ${formatIp4(p.dst)}:${l4.dstPort}, ${tail}`;
  return `IP proto ${p.protocol} ${ends}, ${tail}`;
}
