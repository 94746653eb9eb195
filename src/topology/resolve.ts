import { type Deployment, isPodReady, type Pod, type PodRecord, type StatefulSet } from '../k8s/index.js';
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
  if (ref.kind === 'deploy' || ref.kind === 'sts') {
    const pod = workloadPod(cluster, ref);
    return pod === undefined ? undefined : { name: `${pod.node}/${pod.desc.name}`, ns: pod.netns };
  }
  // A Service or a DNS name is never a source (the loader refuses them).
  if (ref.kind === 'svc' || ref.kind === 'dns') return undefined;
  const hosts: Origin[] = [...cluster.nodes.values(), ...cluster.routers.values(), ...cluster.hosts.values()];
  for (const p of cluster.pods.values()) hosts.push({ name: `${p.node}/${p.desc.name}`, ns: p.netns });
  return hosts.find((h) => isLocalAddress(h.ns, ref.ip));
}

/**
 * `deploy/NAME`, `sts/NAME`: the workload's first ready pod by name (its selector's pods in its
 * namespace, not terminating, with a running sandbox).
 */
export function workloadPod(
  cluster: Cluster,
  ref: { readonly kind: 'deploy' | 'sts'; readonly namespace: string; readonly name: string },
): PodRecord | undefined {
  const kind = ref.kind === 'deploy' ? 'Deployment' : 'StatefulSet';
  const store = cluster.controlPlane.store;
  const w = store.tryGet<Deployment | StatefulSet>(kind, ref.namespace, ref.name);
  if (w === undefined) return undefined;
  const pods = store.list<Pod>('Pod', { namespace: ref.namespace, selector: w.spec.selector }).items;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp !== undefined || !isPodReady(p)) continue;
    const record = cluster.pods.get(`${ref.namespace}/${p.metadata.name}`);
    if (record !== undefined) return record;
  }
  return undefined;
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
  if (ref.kind === 'deploy' || ref.kind === 'sts') return workloadPod(cluster, ref)?.status.podIP;
  // A DNS name is resolved on the wire by the step itself.
  if (ref.kind === 'dns') return undefined;
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
