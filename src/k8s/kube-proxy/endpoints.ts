/**
 * Endpoints of one service port as kube-proxy holds them (pkg/proxy/endpointslicecache.go) and their
 * split by traffic policy (pkg/proxy/topology.go CategorizeEndpoints). Topology hints are not modelled
 * (the default: no trafficDistribution), so the Cluster set never depends on the node.
 */

import { formatIp4, type Ip4 } from '../../wire/index.js';
import type { ProxyEndpoint, ServiceProtocol } from './types.js';

/** One endpoint of one service port: "IP:port" and the conditions kube-proxy looks at. */
export interface PortEndpoint {
  readonly ip: Ip4;
  readonly port: number;
  /** "IP:port", the key kube-proxy dedupes, sorts and hashes by. */
  readonly key: string;
  readonly nodeName: string | undefined;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/**
 * The endpoints of the service port named `portName`/`protocol`: every endpoint that lists a matching
 * port, deduplicated by "IP:port" and sorted by that string. kube-proxy lets a later duplicate win when
 * it is local; here, so that the list is the same on every node, a later copy wins only when the kept one
 * names no node (duplicates with different nodeNames do not occur in a sane cluster).
 */
export function endpointsForPort(
  endpoints: readonly ProxyEndpoint[],
  portName: string,
  protocol: ServiceProtocol,
): readonly PortEndpoint[] {
  const byKey = new Map<string, PortEndpoint>();
  for (const ep of endpoints) {
    for (const p of ep.ports) {
      if (p.name !== portName || p.protocol !== protocol || p.port <= 0) continue;
      const key = `${formatIp4(ep.ip)}:${p.port}`;
      if (byKey.has(key) && (ep.nodeName === undefined || byKey.get(key)?.nodeName !== undefined)) continue;
      byKey.set(key, {
        ip: ep.ip,
        port: p.port,
        key,
        nodeName: ep.nodeName,
        ready: ep.ready,
        serving: ep.serving,
        terminating: ep.terminating,
      });
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Which traffic-policy sets a service port uses (BaseServicePortInfo.UsesClusterEndpoints/UsesLocal…). */
export interface PolicyUse {
  readonly usesCluster: boolean;
  readonly usesLocal: boolean;
}

/** CategorizeEndpoints' four results for one node. */
export interface Categorized {
  readonly cluster: readonly PortEndpoint[];
  readonly local: readonly PortEndpoint[];
  /** Endpoints reachable from this node: the union of the two, in "IP:port" order. */
  readonly reachable: readonly PortEndpoint[];
  /** Some usable endpoint exists anywhere in the cluster. */
  readonly hasAny: boolean;
}

const NONE: readonly PortEndpoint[] = Object.freeze([]);

/** Ready endpoints, or the serving-and-terminating ones when none is ready (the Cluster-policy set). */
export function clusterEndpoints(eps: readonly PortEndpoint[]): readonly PortEndpoint[] {
  const ready = eps.filter((e) => e.ready);
  return ready.length > 0 ? ready : eps.filter((e) => e.serving && e.terminating);
}

/** CategorizeEndpoints without topology: the same fallbacks, applied separately to Cluster and Local. */
export function categorize(
  eps: readonly PortEndpoint[],
  use: PolicyUse,
  isLocal: (e: PortEndpoint) => boolean,
  cluster: readonly PortEndpoint[],
): Categorized {
  const clusterSet = use.usesCluster ? cluster : NONE;
  let hasAny = clusterSet.length > 0;
  if (!use.usesLocal) return { cluster: clusterSet, local: NONE, reachable: clusterSet, hasAny };
  let localReady = false;
  let localServingTerminating = false;
  for (const e of eps) {
    if (e.ready) {
      hasAny = true;
      if (isLocal(e)) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (isLocal(e)) localServingTerminating = true;
    }
  }
  let local = NONE;
  if (localReady) local = eps.filter((e) => isLocal(e) && e.ready);
  else if (localServingTerminating) local = eps.filter((e) => isLocal(e) && e.serving && e.terminating);
  if (!use.usesCluster) return { cluster: clusterSet, local, reachable: local, hasAny };
  // Without topology, a ready local set is a subset of the cluster set; a terminating one is merged in.
  if (!localServingTerminating || localReady)
    return { cluster: clusterSet, local, reachable: clusterSet, hasAny };
  const merged = new Map<string, PortEndpoint>();
  for (const e of clusterSet) merged.set(e.key, e);
  for (const e of local) merged.set(e.key, e);
  const reachable = [...merged.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  return { cluster: clusterSet, local, reachable, hasAny };
}
