/**
 * `podwire trace`: sends one packet — an ICMP echo request as `ping -c 1` sends it, a UDP datagram, or a
 * TCP SYN as connect() sends it — from a namespace of a built fabric, runs the simulator until the answer
 * is back (or a wait is over), and returns every step the packet and its answer took (trace-model.ts),
 * netfilter's included. The fabric is read through `TraceFabric`, which topology's `Cluster` satisfies
 * as it is (inspect/ may not import topology/).
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
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  udp,
} from '../wire/index.js';
import type { TracedPacket, TraceFate, TraceHop, TraceProto, TraceReport, TraceStep } from './trace-model.js';
import type { TraceNetfilter } from './trace-netfilter.js';
import { type RecordedPlace, type TracePlace, TraceRecorder } from './trace-recorder.js';

/** What `traceFlow` reads of a built fabric. */
export interface TraceFabric {
  readonly sim: Sim;
  readonly trace: TraceBus<EthernetFrame>;
  readonly segments: ReadonlyMap<string, Segment>;
  readonly nodes: ReadonlyMap<string, TraceHost>;
  readonly routers: ReadonlyMap<string, TraceHost>;
  /** Plain machines on the underlay (an outside client). */
  readonly hosts: ReadonlyMap<string, TraceHost>;
  /** Pods by `namespace/name`. */
  readonly pods: ReadonlyMap<string, PodRecord>;
}

/** A machine of the fabric: its namespace, and its netfilter (iptables, conntrack) when it has one. */
export interface TraceHost {
  readonly ns: NetNs;
  readonly netfilter?: TraceNetfilter | undefined;
}

/** The packet to trace. */
export interface TraceFlowOptions {
  /** How the report names the two ends (`pod/pa`, `10.9.9.9`). */
  readonly from: string;
  readonly to: string;
  /** The namespace that sends, and the destination address. */
  readonly origin: NetNs;
  readonly dst: Ip4;
  /**
   * `icmp` (default): one echo request as `ping -c 1` sends it; `udp`: one datagram to `port`; `tcp`:
   * connect() to `port`, whose SYN is the request and the SYN-ACK (or RST) its answer.
   */
  readonly proto?: TraceProto;
  /** UDP or TCP destination port; for UDP by default 33434, traceroute's first (and a closed) port. */
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

/**
 * The namespaces of a fabric as the trace names them: nodes, routers, outside hosts, then pods
 * (`node1/pa`), each with its netfilter when it has one.
 */
export function tracePlaces(fabric: TraceFabric): RecordedPlace[] {
  const places: RecordedPlace[] = [];
  const seen = new Set<NetNs>();
  const add = (h: TraceHost, host: string, kind: TracePlace['kind']) => {
    if (seen.has(h.ns)) return;
    seen.add(h.ns);
    places.push({ ns: h.ns, host, kind, netfilter: h.netfilter });
  };
  for (const [name, h] of fabric.nodes) add(h, name, 'node');
  for (const [name, h] of fabric.routers) add(h, name, 'router');
  for (const [name, h] of fabric.hosts) add(h, name, 'host');
  for (const p of fabric.pods.values()) add({ ns: p.netns }, `${p.node}/${p.desc.name}`, 'pod');
  return places;
}

/**
 * Sends the packet now and follows it and its answer until the answer reaches the sender, or `waitNs`
 * passed. The simulator keeps running the scenario meanwhile; only the two packets are recorded.
 */
export function traceFlow(fabric: TraceFabric, options: TraceFlowOptions): TraceReport {
  const { sim } = fabric;
  const proto = options.proto ?? 'icmp';
  if (proto === 'tcp' && options.port === undefined) throw new RangeError('traceFlow: tcp needs a port');
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
  const sent =
    proto === 'icmp'
      ? sendEcho(fabric, recorder, options, waitNs)
      : proto === 'udp'
        ? sendDatagram(fabric, recorder, options, route.src)
        : sendSyn(fabric, recorder, options);
  if (sent.errno === undefined) sim.run({ until: startNs + waitNs + SECOND, maxEvents: MAX_EVENTS });
  sent.close();
  recorder.stop();

  const packets: TracedPacket[] = [];
  const req = recorder.first.request;
  if (req === undefined) return report([notSent(origin, options, proto, sent.errno ?? 'EINVAL', startNs)]);
  packets.push(tracedPacket('request', req, recorder.steps.request, places));
  const reply = recorder.first.reply;
  if (reply !== undefined) packets.push(tracedPacket('reply', reply, recorder.steps.reply, places));
  return report(packets);
}

/** What a sender did: how to close what it opened, and the errno when nothing could be sent. */
interface Sent {
  readonly close: () => void;
  readonly errno?: string;
}

/** `ping -c 1 DST` with ping's own identifier and payload; the run stops when ping is done. */
function sendEcho(
  fabric: TraceFabric,
  recorder: TraceRecorder,
  options: TraceFlowOptions,
  waitNs: number,
): Sent {
  const ping = new Ping(
    options.origin,
    { dst: options.dst, count: 1, intervalNs: SECOND, size: 56, ttl: 64, pmtudisc: 'want', lingerNs: waitNs },
    () => fabric.sim.stop(),
  );
  recorder.originSocket = 'ping';
  recorder.arm(options.origin);
  ping.start();
  recorder.disarm();
  // Ping closes its socket itself.
  return { close: () => {} };
}

/**
 * One UDP datagram from an ephemeral port, as an unconnected socket sends it (DF when it fits). The
 * port is bound for an answer; ICMP errors reach the socket's error queue (IP_RECVERR), which a raw
 * listener stands for here. The run stops when either arrives.
 */
function sendDatagram(
  fabric: TraceFabric,
  recorder: TraceRecorder,
  options: TraceFlowOptions,
  src: Ip4,
): Sent {
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
  return {
    close: () => {
      closeUdp?.();
      closeRaw();
    },
  };
}

/**
 * connect() to `port` without SYN retries: the SYN is the request, the SYN-ACK or RST the answer; an
 * ICMP error reaches a raw listener (and the socket). The run stops when the answer arrives; the
 * connection is then aborted (a RST), as a client killed after its handshake would leave it.
 */
function sendSyn(fabric: TraceFabric, recorder: TraceRecorder, options: TraceFlowOptions): Sent {
  const ns = options.origin;
  const closeRaw = ns.sockets.openRaw(IPPROTO_ICMP, () => {});
  recorder.onReplyDelivered = () => fabric.sim.stop();
  recorder.arm(ns);
  const r = ns.sockets.connect(options.dst, options.port ?? 0, { synRetries: 0 });
  recorder.disarm();
  if (!r.ok) return { close: closeRaw, errno: r.errno };
  recorder.originSocket = `the sender, tcp port ${r.socket.local.port}`;
  return {
    close: () => {
      r.socket.abort();
      closeRaw();
    },
  };
}

/** A request whose sender's own route lookup failed: nothing left the namespace. */
function notSent(
  { host, kind }: TracePlace,
  options: TraceFlowOptions,
  proto: TraceProto,
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
    summary: `${proto === 'icmp' ? 'ICMP echo request' : proto.toUpperCase()} to ${dst}: not sent`,
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
    protocol: protocolName(pkt.protocol),
    hops: hopsOf(steps, places),
    fate: fateOf(steps),
  };
}

function protocolName(p: number): TracedPacket['protocol'] {
  if (p === IPPROTO_ICMP) return 'icmp';
  if (p === IPPROTO_UDP) return 'udp';
  if (p === IPPROTO_TCP) return 'tcp';
  return p;
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
 * Delivered, when the packet itself (not a carrier) reached a socket or the kernel's ICMP handling and
 * was taken there — unless the TCP layer found no socket and reset it; else the last drop — one that is
 * not a flooded copy's "not for this host" if there is one.
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
      // tcp_v4_rcv with no socket: handed to TCP, which answered with a reset instead.
      if (s.reason === 'no-socket' && !s.outer && delivered?.host === s.host) delivered = undefined;
    }
  }
  return delivered ?? dropped ?? otherhost ?? { kind: 'lost', host: steps.at(-1)?.host ?? null };
}

/** tcpdump's flag letters in its order (F S R P .): `S`, `S.` for a SYN-ACK, `R.`; `none` for no flag. */
function tcpFlags(f: number): string {
  let s = '';
  if ((f & TCP_FIN) !== 0) s += 'F';
  if ((f & TCP_SYN) !== 0) s += 'S';
  if ((f & TCP_RST) !== 0) s += 'R';
  if ((f & TCP_PSH) !== 0) s += 'P';
  if ((f & TCP_ACK) !== 0) s += '.';
  return s === '' ? 'none' : s;
}

/**
 * `ICMP echo request 10.244.0.2 > 10.244.1.2, id 4660 seq 1, ttl 64, length 84, DF`,
 * `TCP 10.244.0.2:40000 > 10.96.0.10:80 [S] seq 1234, ttl 64, length 60, DF`.
 */
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
  if (l4.kind === 'tcp') {
    const ack = (l4.flags & TCP_ACK) !== 0 ? ` ack ${l4.ack}` : '';
    const ends = `${formatIp4(p.src)}:${l4.srcPort} > ${formatIp4(p.dst)}:${l4.dstPort}`;
    return `TCP ${ends} [${tcpFlags(l4.flags)}] seq ${l4.seq}${ack}, ${tail}`;
  }
  return `IP proto ${p.protocol} ${ends}, ${tail}`;
}
