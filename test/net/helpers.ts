import { buildCluster, type Cluster, loadTopologyText } from '../../src/topology/index.js';
import type { EthernetFrame } from '../../src/wire/index.js';

/** The two-segment + router fabric of the kernel lab, with optional extra YAML for the scenario. */
export function routerLab(options: { readonly mtu2?: number; readonly seed?: number } = {}): Cluster {
  const text = [
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'spec:',
    `  seed: ${options.seed ?? 1}`,
    '  network: {flanneld: false}',
    '  underlay:',
    '    - {name: rack1, cidr: 192.168.56.0/24}',
    `    - {name: rack2, cidr: 192.168.57.0/24, mtu: ${options.mtu2 ?? 1500}}`,
    '  routers:',
    '    - {name: router, segments: [rack1, rack2]}',
    '  nodes:',
    '    - {name: node1, subnet: rack1, ip: 192.168.56.11}',
    '    - {name: node2, subnet: rack1, ip: 192.168.56.12}',
    '    - {name: node3, subnet: rack2, ip: 192.168.57.11}',
  ].join('\n');
  const r = loadTopologyText(text, 'lab.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return buildCluster(r.topology);
}

/** A recorded trace event. */
export interface Seen {
  readonly kind: 'rx' | 'tx' | 'drop';
  readonly time: number;
  readonly point: string;
  readonly frame: EthernetFrame;
  readonly reason: string | undefined;
}

/** Records every trace event of a cluster. */
export function record(cluster: Cluster): Seen[] {
  const seen: Seen[] = [];
  cluster.trace.on((kind, time, point, frame, reason) =>
    seen.push({ kind, time, point: point.name, frame, reason }),
  );
  return seen;
}

/** The namespace of a node or router. */
export function ns(cluster: Cluster, name: string) {
  const h = cluster.nodes.get(name) ?? cluster.routers.get(name);
  if (h === undefined) throw new Error(`no host ${name}`);
  return h.ns;
}
