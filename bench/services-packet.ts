/**
 * What a connection's first packet costs on a node with N Services. Client pods on node1 open TCP
 * connections to ClusterIPs; every connection has its own tuple, so its SYN is NEW and walks the nat
 * table (iptables mode: KUBE-SERVICES rule by rule, then the KUBE-SVC statistic rules, then DNAT in the
 * KUBE-SEP chain) or meets IPVS (one lookup of VIP:port, the scheduler, DNAT). The backend's SYN-ACK is
 * passed back through the node untimed; the client's ACK then hits conntrack (ESTABLISHED: the nat
 * table is not walked) and is the baseline. Packets are timed in batches of 100 connections, over
 * several windows each after a full garbage collection, and the lower quartile of the batches is kept.
 */
import { Rng } from '../src/sim/index.js';
import type { Ip4, Ipv4Packet } from '../src/wire/index.js';
import { collectGarbage } from './gc.js';
import { type BenchNode, nodeConfig, ruleCount, type ServiceSet, TARGET_PORT } from './services-cluster.js';
import { ack, type Conn, connection, outDev, syn, synAck, throughNode } from './services-path.js';

/**
 * Sizes of one measurement; the defaults keep all three Service counts within a few seconds. Keep them
 * equal across Service counts: IPVS's connection table, like the kernel's (4,096 buckets), gets slower
 * with the connections it holds.
 */
export interface FirstPacketOptions {
  /** Connections per window to uniformly chosen Services. */
  readonly connections?: number;
  /** Connections per window to the first, and to the last, Service of KUBE-SERVICES. */
  readonly edgeConnections?: number;
  readonly windows?: number;
  readonly seed?: number;
}

/** Per-packet costs in one mode, µs (lower quartile of 100-packet batches, all windows). */
export interface PathCost {
  /** A connection's first packet (SYN), Services chosen uniformly: the mean over KUBE-SERVICES positions. */
  readonly firstUs: number;
  /** The first packet to the Service written first in KUBE-SERVICES. */
  readonly firstHeadUs: number;
  /** The first packet to the Service written last. */
  readonly firstTailUs: number;
  /** A packet of an established connection (the handshake's ACK): a conntrack hit. */
  readonly establishedUs: number;
  /** Connections timed per window for `firstUs` and `establishedUs`. */
  readonly connections: number;
}

/** Connections opened on each node so far: every measurement opens new tuples. */
const connectionsOpened = new WeakMap<BenchNode, number>();

/** A check of what the node did to the packets failed: the numbers would not mean what they say. */
export class PathCheckError extends Error {}

/**
 * Times first and established packets through `node`, on which kube-proxy's state for `set` has been
 * installed (either mode: the hooks decide). Throws PathCheckError when a SYN is not DNATed to a
 * backend, a reply does not come back from the ClusterIP, or a SYN did not make a new conntrack entry.
 */
export function measurePath(node: BenchNode, set: ServiceSet, options: FirstPacketOptions = {}): PathCost {
  const m = options.connections ?? 2000;
  const edge = options.edgeConnections ?? 500;
  const windows = options.windows ?? 3;
  const rng = new Rng(options.seed ?? 1, `bench/services/${set.clusterIPs.length}`);
  const n = set.clusterIPs.length;
  const head = set.inRuleOrder[0];
  const tail = set.inRuleOrder[n - 1];
  if (head === undefined || tail === undefined) throw new RangeError('services bench: no Services');
  const conns = (count: number, pick: () => Ip4): Conn[] => {
    const from = connectionsOpened.get(node) ?? 0;
    connectionsOpened.set(node, from + count);
    return Array.from({ length: count }, (_, i) => connection(node.k, from + i, pick()));
  };
  const uniform = () => set.clusterIPs[rng.int(0, n - 1)] ?? head;

  const first: number[] = [];
  const established: number[] = [];
  const firstHead: number[] = [];
  const firstTail: number[] = [];
  for (let w = 0; w < windows; w++) {
    // No window pays for collecting an earlier one's garbage (or the installation's).
    collectGarbage();
    const c = conns(m, uniform);
    const opened = openAll(node, c, first);
    ackAll(node, c, opened, established);
    openAll(
      node,
      conns(edge, () => head),
      firstHead,
    );
    openAll(
      node,
      conns(edge, () => tail),
      firstTail,
    );
  }
  return {
    firstUs: lowerQuartile(first) * 1e6,
    firstHeadUs: lowerQuartile(firstHead) * 1e6,
    firstTailUs: lowerQuartile(firstTail) * 1e6,
    establishedUs: lowerQuartile(established) * 1e6,
    connections: m,
  };
}

/** Packets are timed in batches of this many; a cost is the lower quartile of the batches' means. */
const BATCH = 100;

/** Runs `packets[i]` through the node into `out[i]`, pushing seconds per packet of each batch to `times`. */
function timeBatches(
  node: BenchNode,
  packets: readonly Ipv4Packet[],
  out: (Ipv4Packet | undefined)[],
  times: number[],
): void {
  for (let from = 0; from < packets.length; from += BATCH) {
    const to = Math.min(from + BATCH, packets.length);
    const t0 = performance.now();
    for (let i = from; i < to; i++) out[i] = throughNode(node, packets[i] as Ipv4Packet, 'cni0');
    times.push((performance.now() - t0) / 1000 / (to - from));
  }
}

/**
 * The lower quartile of timings. On a shared machine an interruption (another process, a collection)
 * only ever adds time, so the low end is the cost; the quartile rather than the minimum, because a
 * batch of uniformly chosen Services has its own spread of KUBE-SERVICES positions.
 */
export function lowerQuartile(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 4)] ?? Number.NaN;
}

/**
 * Sends every connection's SYN through the node (timed into `times`), then its SYN-ACK back (untimed,
 * checked); returns each SYN as it left the node.
 */
function openAll(node: BenchNode, conns: readonly Conn[], times: number[]): readonly Ipv4Packet[] {
  const syns = conns.map(syn);
  const out: (Ipv4Packet | undefined)[] = new Array(syns.length);
  const before = conntrackCount(node);
  timeBatches(node, syns, out, times);
  const made = conntrackCount(node) - before;
  if (made !== conns.length)
    throw new PathCheckError(`${conns.length} SYNs made ${made} conntrack entries, not one each`);
  return out.map((p, i) => {
    const c = conns[i] as Conn;
    // The source may have been masqueraded: a client pod that is itself a backend (hairpin).
    if (p === undefined || p.dst === c.clusterIP || dport(p) !== TARGET_PORT)
      throw new PathCheckError(`the SYN to ${c.clusterIP} was not DNATed to a backend`);
    const back = throughNode(node, synAck(p), outDev(node.k, p.dst));
    if (back === undefined || back.src !== c.clusterIP || back.dst !== c.client)
      throw new PathCheckError(`the SYN-ACK from ${p.dst} did not come back from ${c.clusterIP}`);
    return p;
  });
}

/** Sends every connection's ACK through the node (timed into `times`); each must reach the SYN's backend. */
function ackAll(
  node: BenchNode,
  conns: readonly Conn[],
  delivered: readonly Ipv4Packet[],
  times: number[],
): void {
  const out: (Ipv4Packet | undefined)[] = new Array(conns.length);
  timeBatches(node, conns.map(ack), out, times);
  out.forEach((p, i) => {
    if (p === undefined || p.dst !== delivered[i]?.dst)
      throw new PathCheckError('an established packet did not follow its connection to the same backend');
  });
}

function dport(p: Ipv4Packet): number {
  return p.payload.kind === 'tcp' ? p.payload.dstPort : -1;
}

function conntrackCount(node: BenchNode): number {
  return Number(node.nf.sysctl('net.netfilter.nf_conntrack_count') ?? 0);
}

/** nat rules kube-proxy gives node `k` in each mode (built-in chain jumps included). */
export function natRuleCounts(set: ServiceSet, k: number): { iptables: number; ipvs: number } {
  return {
    iptables: ruleCount(set.rules.iptables(nodeConfig(k)).nat),
    ipvs: ruleCount(set.rules.ipvs(nodeConfig(k, 'ipvs')).nat),
  };
}
