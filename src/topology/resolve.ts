import { isLocalAddress, type NetNs } from '../net/index.js';
import type { Ip4 } from '../wire/index.js';
import type { Cluster } from './build.js';
import type { Ref } from './types.js';

/** Where a `from` reference runs: its name (for the prompt) and network namespace. */
export interface Origin {
  readonly name: string;
  readonly ns: NetNs;
}

/** The namespace a `from` reference runs in: a node, a router, a pod, or whoever owns the address. */
export function resolveFrom(cluster: Cluster, ref: Ref): Origin | undefined {
  if (ref.kind === 'node') return cluster.nodes.get(ref.name);
  if (ref.kind === 'router') return cluster.routers.get(ref.name);
  if (ref.kind === 'pod') {
    const pod = cluster.pods.get(`${ref.namespace}/${ref.name}`);
    return pod === undefined ? undefined : { name: `${pod.node}/${ref.name}`, ns: pod.netns };
  }
  if (ref.kind === 'host') return cluster.hosts.get(ref.name);
  // A Service is never a source (the loader refuses it).
  if (ref.kind === 'svc') return undefined;
  const hosts: Origin[] = [...cluster.nodes.values(), ...cluster.routers.values(), ...cluster.hosts.values()];
  for (const p of cluster.pods.values()) hosts.push({ name: `${p.node}/${p.desc.name}`, ns: p.netns });
  return hosts.find((h) => isLocalAddress(h.ns, ref.ip));
}

/**
 * The address a `to` reference stands for: a node's eth0 address; for a router, its address on a segment
 * the sender shares with it, else its first interface; a plain IP as written.
 */
export function resolveTo(cluster: Cluster, ref: Ref, from: NetNs | undefined): Ip4 | undefined {
  if (ref.kind === 'ip') return ref.ip;
  if (ref.kind === 'node') return cluster.topology.nodes.find((n) => n.name === ref.name)?.ip;
  if (ref.kind === 'pod') return cluster.pods.get(`${ref.namespace}/${ref.name}`)?.status.podIP;
  if (ref.kind === 'host') return cluster.topology.hosts.find((h) => h.name === ref.name)?.ip;
  if (ref.kind === 'svc') return cluster.services.clusterIP(ref.namespace, ref.name);
  const spec = cluster.topology.routers.find((r) => r.name === ref.name);
  if (spec === undefined) return undefined;
  const fromSegments = new Set<string>();
  if (from !== undefined) {
    for (const n of cluster.topology.nodes) if (n.name === from.name) fromSegments.add(n.segment);
    for (const r of cluster.topology.routers)
      if (r.name === from.name) for (const i of r.interfaces) fromSegments.add(i.segment);
  }
  return (spec.interfaces.find((i) => fromSegments.has(i.segment)) ?? spec.interfaces[0])?.ip;
}
