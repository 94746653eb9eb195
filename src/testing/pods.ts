/**
 * Pods in properties: finding a pod of a topology or a built cluster by name, drawing pairs of pods and
 * pings between them, choosing which pairs to probe in a big cluster, and — independently of the
 * simulator — the path flannel gives a packet from one pod to another and the TTL it arrives with.
 * Pod names are `NAME` (namespace `default`) or `NAMESPACE/NAME`, optionally prefixed `pod/`.
 */
import fc from 'fast-check';
import type { PodRecord } from '../k8s/index.js';
import type { Cluster, PodSpec, Topology } from '../topology/index.js';
import type { Ip4 } from '../wire/index.js';

/** `pod/default/pa`, `default/pa`, `pod/pa` and `pa` all name the pod pa of namespace default. */
function podKey(ref: string): string {
  const bare = ref.startsWith('pod/') ? ref.slice(4) : ref;
  return bare.includes('/') ? bare : `default/${bare}`;
}

/** A pod of the topology by name. Throws a RangeError for an unknown pod. */
export function podSpec(topology: Topology, ref: string): PodSpec {
  const key = podKey(ref);
  const pod = topology.pods.find((p) => `${p.namespace}/${p.name}` === key);
  if (pod === undefined) throw new RangeError(`no pod named ${ref}`);
  return pod;
}

/** A running pod of a built cluster by name. Throws a RangeError for an unknown (or deleted) pod. */
export function podRecord(cluster: Cluster, ref: string): PodRecord {
  const pod = cluster.pods.get(podKey(ref));
  if (pod === undefined) throw new RangeError(`no pod named ${ref}`);
  return pod;
}

/** A pod's address (`status.podIP`). Throws a RangeError for an unknown pod or one that has no address. */
export function podIp(cluster: Cluster, ref: string): Ip4 {
  const ip = podRecord(cluster, ref).status.podIP;
  if (ip === undefined) throw new RangeError(`pod ${ref} has no address (it is not Running)`);
  return ip;
}

/** The names of the topology's pods in file order (`NAME`, or `NAMESPACE/NAME` outside default). */
export function podNames(topology: Topology): string[] {
  return topology.pods.map((p) => (p.namespace === 'default' ? p.name : `${p.namespace}/${p.name}`));
}

/** How flannel carries a packet from one pod to another. */
export type PodPathKind =
  /** Both pods on one node: cni0 bridges it, nothing routes it. */
  | 'bridge'
  /** A host-gw route to the peer node (host-gw, or DirectRouting with the peer on-link). */
  | 'direct'
  /** Through flannel.1: the inner packet is routed by the two nodes only. */
  | 'vxlan'
  /** Through flannel0: each node's flanneld proxy is a router in user space too. */
  | 'udp';

/** A pod-to-pod path: how it is carried and who decrements the packet's TTL, in order. */
export interface PodPath {
  readonly kind: PodPathKind;
  /** `node1` for a node forwarding the packet, `node1/flanneld` for node1's udp proxy. */
  readonly routingHops: readonly string[];
}

/**
 * The path a packet from pod `from` to pod `to` takes, computed from the layout and the backend alone
 * (flannel.md §3–5), or undefined when flannel gives none: host-gw between racks, or no flanneld. An
 * underlay router between racks never counts: it only ever routes the outer packet of vxlan or udp.
 */
export function podPath(topology: Topology, from: string, to: string): PodPath | undefined {
  const a = podSpec(topology, from).node;
  const b = podSpec(topology, to).node;
  if (a === undefined || b === undefined)
    throw new RangeError(
      `pod ${a === undefined ? from : to} has no spec.nodeName: the layout cannot place it`,
    );
  if (a === b) return { kind: 'bridge', routingHops: [] };
  if (!topology.network.flanneld) return undefined;
  const segment = (node: string) => topology.nodes.find((n) => n.name === node)?.segment;
  const onLink = segment(a) === segment(b);
  switch (topology.network.backend) {
    case 'host-gw':
      return onLink ? { kind: 'direct', routingHops: [a, b] } : undefined;
    case 'vxlan-directrouting':
      return { kind: onLink ? 'direct' : 'vxlan', routingHops: [a, b] };
    case 'vxlan':
      return { kind: 'vxlan', routingHops: [a, b] };
    case 'udp':
      return { kind: 'udp', routingHops: [a, `${a}/flanneld`, `${b}/flanneld`, b] };
  }
}

/** The TTL a packet sent by pod `from` with TTL `sent` has when pod `to` receives it; undefined without a path. */
export function expectedPodTtl(topology: Topology, from: string, to: string, sent = 64): number | undefined {
  const path = podPath(topology, from, to);
  return path === undefined ? undefined : sent - path.routingHops.length;
}

/**
 * Two distinct pods of a topology as `[from, to]` names. Shrinks towards the first two pods in file
 * order. Throws a RangeError when there are fewer than two pods.
 */
export function arbPodPair(topology: Topology): fc.Arbitrary<readonly [string, string]> {
  const names = podNames(topology);
  if (names.length < 2)
    throw new RangeError(`arbPodPair: need at least two pods, the topology has ${names.length}`);
  return fc
    .tuple(fc.nat({ max: names.length - 1 }), fc.nat({ max: names.length - 2 }))
    .map(([i, j]): readonly [string, string] => [names[i] ?? '', names[j >= i ? j + 1 : j] ?? '']);
}

/** A ping between two pods: `ping -s SIZE` from pod `from` to pod `to`. */
export interface PodPing {
  readonly from: string;
  readonly to: string;
  readonly size: number;
}

export interface PodPingOptions {
  /** Largest ICMP payload drawn (default 1400; shrinks towards 0). */
  readonly maxSize?: number;
}

/** A pod pair (see `arbPodPair`) and a payload size of 0–`maxSize` bytes. */
export function arbPodPing(topology: Topology, options: PodPingOptions = {}): fc.Arbitrary<PodPing> {
  const maxSize = options.maxSize ?? 1400;
  if (!Number.isInteger(maxSize) || maxSize < 0 || maxSize > 65507)
    throw new RangeError(`arbPodPing: maxSize must be an integer in 0..65507, got ${maxSize}`);
  return fc
    .tuple(arbPodPair(topology), fc.integer({ min: 0, max: maxSize }))
    .map(([[from, to], size]) => ({ from, to, size }));
}

export interface ProbePairOptions {
  /** All ordered pairs up to this many (default 60); above it, a sample (see `podProbePairs`). */
  readonly maxPairs?: number;
}

/**
 * Ordered pod pairs worth probing: every pair when there are at most `maxPairs`, else a sample that
 * still has every kind of pair the cluster has — each pod once as sender and once as receiver (a ring
 * in file order), a pair on each node holding two pods, one between every ordered pair of racks, and
 * one between two nodes of each rack.
 */
export function podProbePairs(topology: Topology, options: ProbePairOptions = {}): Array<[string, string]> {
  const names = podNames(topology);
  const all = names.flatMap((a) => names.filter((b) => b !== a).map((b): [string, string] => [a, b]));
  if (all.length <= (options.maxPairs ?? 60)) return all;
  const node = new Map(topology.pods.map((p, i) => [names[i] ?? '', p.node]));
  const rack = new Map(topology.nodes.map((n) => [n.name, n.segment]));
  const rackOf = (pod: string) => rack.get(node.get(pod) ?? '') ?? '';
  const out = new Map<string, [string, string]>();
  const add = (pair: [string, string] | undefined) => {
    if (pair !== undefined) out.set(pair.join('\n'), pair);
  };
  for (const [i, a] of names.entries()) add([a, names[(i + 1) % names.length] ?? a]);
  for (const n of topology.nodes) add(all.find(([a, b]) => node.get(a) === n.name && node.get(b) === n.name));
  for (const r of topology.segments)
    for (const s of topology.segments) {
      if (r === s)
        add(
          all.find(([a, b]) => rackOf(a) === r.name && rackOf(b) === r.name && node.get(a) !== node.get(b)),
        );
      else add(all.find(([a, b]) => rackOf(a) === r.name && rackOf(b) === s.name));
    }
  return [...out.values()];
}
