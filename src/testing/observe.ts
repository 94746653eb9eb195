/**
 * What properties observe of a running cluster: every trace event with the frame's exact bytes, the
 * total of the devices' receive counters (one per frame per link a frame crossed), and the passages of
 * one packet through the capture points — the same packet seen twice in the same direction at one point
 * is a forwarding loop.
 */
import { FLANNEL_UDP_PORT } from '../flannel/index.js';
import type { NetNs } from '../net/index.js';
import type { TraceKind } from '../sim/index.js';
import type { Cluster } from '../topology/index.js';
import { type EthernetFrame, emitEthernet, emitL4, type Ipv4Packet, parseIpv4 } from '../wire/index.js';

/** One trace event: when, where, what happened, and the frame as it is on the wire. */
export interface SeenFrame {
  readonly kind: TraceKind;
  readonly time: number;
  readonly point: string;
  readonly reason: string | undefined;
  readonly bytes: Uint8Array;
  /** The frame record the event carried (records are never mutated, so this is what was on the wire). */
  readonly frame: EthernetFrame;
}

/** A recording of a cluster's trace bus; `stop()` unsubscribes. */
export interface FrameLog {
  readonly frames: readonly SeenFrame[];
  stop(): void;
}

/** Records every trace event of the cluster from now on, emitting each frame to bytes at once. */
export function recordFrames(cluster: Cluster): FrameLog {
  const frames: SeenFrame[] = [];
  const stop = cluster.trace.on((kind, time, point, frame, reason) => {
    frames.push({ kind, time, point: point.name, reason, bytes: emitEthernet(frame), frame });
  });
  return { frames, stop };
}

/** A recorded event as one comparable line: `time kind point [reason] hex`. */
export function frameLine(f: Pick<SeenFrame, 'time' | 'kind' | 'point' | 'reason' | 'bytes'>): string {
  const hex = Array.from(f.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${f.time} ${f.kind} ${f.point}${f.reason === undefined ? '' : ` (${f.reason})`} ${hex}`;
}

/** Every namespace of the cluster once: nodes, routers, then the pods' own (hostNetwork pods share their node's). */
export function clusterNamespaces(cluster: Cluster): NetNs[] {
  const seen = new Set<NetNs>();
  for (const hosts of [cluster.nodes, cluster.routers]) for (const host of hosts.values()) seen.add(host.ns);
  for (const pod of cluster.pods.values()) seen.add(pod.netns);
  return [...seen];
}

/** Frames received by every device of every host and pod so far (the sum of `stats.rxPackets`). */
export function rxPacketsTotal(cluster: Cluster): number {
  let total = 0;
  for (const ns of clusterNamespaces(cluster)) for (const dev of ns.devices()) total += dev.stats.rxPackets;
  return total;
}

/**
 * What stays the same about a packet along its whole path, whatever TTL it has left: for IPv4 the
 * innermost packet — inside VXLAN, and inside flannel's udp encapsulation (port 8285) — by addresses,
 * protocol, ID, fragment fields and a hash of its payload; for ARP every field; otherwise the frame.
 */
export function packetIdentity(frame: EthernetFrame): string {
  const p = frame.payload;
  if (p.kind === 'arp')
    return `arp ${p.op} ${p.senderMac}/${p.senderIp} > ${p.targetMac}/${p.targetIp} eth ${frame.src} > ${frame.dst}`;
  if (p.kind === 'raw') return `eth ${frame.etherType} ${frame.src} > ${frame.dst} ${fnv1a(p.bytes)}`;
  return ipv4Identity(p);
}

function ipv4Identity(p: Ipv4Packet): string {
  const l4 = p.payload;
  if (l4.kind === 'udp') {
    if (l4.payload.kind === 'vxlan') return packetIdentity(l4.payload.inner);
    if (l4.dstPort === FLANNEL_UDP_PORT) {
      const inner = parseIpv4(l4.payload.bytes);
      if (inner.ok) return ipv4Identity(inner.value);
    }
  }
  return `ipv4 ${p.src} > ${p.dst} proto ${p.protocol} id ${p.id} flags ${p.flags} off ${p.fragOffset} len ${p.totalLength} ${fnv1a(emitL4(l4))}`;
}

/** FNV-1a, 32 bits: a short stand-in for a payload in an identity string. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16);
}

/** One packet seen more than once in the same direction at one capture point. */
export interface RepeatedPassage {
  readonly point: string;
  readonly kind: 'rx' | 'tx';
  readonly packet: string;
  readonly times: readonly number[];
}

/**
 * Passages that happened more than once: the same packet (`packetIdentity`) received, or sent, twice at
 * the same capture point. On a loop-free fabric a single probe gives none; drops are not passages.
 */
export function repeatedPassages(
  frames: readonly Pick<SeenFrame, 'kind' | 'time' | 'point' | 'frame'>[],
): RepeatedPassage[] {
  const seen = new Map<string, { point: string; kind: 'rx' | 'tx'; packet: string; times: number[] }>();
  for (const f of frames) {
    if (f.kind === 'drop') continue;
    const packet = packetIdentity(f.frame);
    const key = `${f.point}\n${f.kind}\n${packet}`;
    const entry = seen.get(key);
    if (entry === undefined) seen.set(key, { point: f.point, kind: f.kind, packet, times: [f.time] });
    else entry.times.push(f.time);
  }
  return [...seen.values()].filter((e) => e.times.length > 1);
}
