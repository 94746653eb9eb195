/**
 * A picture of the fabric as a small graph model: racks (underlay segments), routers, nodes with their
 * eth0, cni0 and flannel device, pods, and the links between them — underlay cables, pod veths, and the
 * node-to-node paths flannel's backend makes (tunnels between VTEPs, or direct routes). Everything is in
 * declared order, so the same file gives the same graph. `renderDot` and `renderMermaid` draw it.
 *
 * inspect/ may not import topology/, so the builder reads the part of a topology and its built cluster
 * it needs through `FabricSource`, which `Topology` and `Cluster` satisfy as they are.
 */

import { BRIDGE_PLUGIN } from '../cni/index.js';
import type { PodRecord } from '../k8s/index.js';
import type { NetNs } from '../net/index.js';
import { formatIp4, type Ip4 } from '../wire/index.js';

/** flannel backends (topology's `FlannelBackend`). */
export type GraphBackend = 'vxlan' | 'host-gw' | 'vxlan-directrouting' | 'udp';

/** What `fabricGraph` reads: a topology's segments, routers, nodes and backend, and the built hosts and pods. */
export interface FabricSource {
  readonly topology: {
    readonly name: string | null;
    /** `flanneld: false` (flannel's DaemonSet not running): no flannel device, no node-to-node paths. */
    readonly network: { readonly backend: GraphBackend; readonly flanneld?: boolean };
    readonly segments: readonly {
      readonly name: string;
      readonly network: Ip4;
      readonly prefixLen: number;
    }[];
    readonly routers: readonly {
      readonly name: string;
      readonly interfaces: readonly { readonly segment: string; readonly ip: Ip4 }[];
    }[];
    readonly nodes: readonly {
      readonly name: string;
      readonly segment: string;
      readonly ip: Ip4;
      readonly podCIDR: { readonly network: Ip4; readonly prefixLen: number };
    }[];
  };
  readonly routers: ReadonlyMap<string, { readonly ns: NetNs }>;
  /** Pods by `namespace/name`, in the file's order. */
  readonly pods: ReadonlyMap<string, PodRecord>;
}

/** A device and its address with prefix length (`10.244.0.1/24`). */
export interface GraphInterface {
  readonly dev: string;
  readonly address: string;
}

/** An underlay segment. */
export interface GraphRack {
  readonly kind: 'rack';
  readonly id: string;
  readonly name: string;
  readonly cidr: string;
}

/** A router and its interface on each segment it joins. */
export interface GraphRouter {
  readonly kind: 'router';
  readonly id: string;
  readonly name: string;
  readonly interfaces: readonly (GraphInterface & { readonly rack: string })[];
}

/** A node: eth0 on its rack, cni0 with its pods' gateway, and the flannel device (none for host-gw). */
export interface GraphNode {
  readonly kind: 'node';
  readonly id: string;
  readonly name: string;
  readonly rack: string;
  readonly eth0: GraphInterface;
  readonly cni0: GraphInterface;
  readonly flannel: GraphInterface | null;
}

/** A pod: its address once CNI ADD gave it one, else null and the state it is stuck in. */
export interface GraphPod {
  readonly kind: 'pod';
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly node: string;
  readonly ip: string | null;
  /** `Running`, or the STATUS kubectl shows (`ContainerCreating`). */
  readonly state: string;
  readonly hostNetwork: boolean;
}

/**
 * `underlay`: an eth0 cabled to its rack; `veth`: a pod's eth0 to cni0 through its host-side veth;
 * `host-network`: a pod in its node's own namespace; `no-network`: a pod whose CNI ADD failed;
 * `tunnel`: flannel's encapsulation between two VTEPs; `direct`: a host-gw route between two nodes.
 */
export type GraphLinkKind = 'underlay' | 'veth' | 'host-network' | 'no-network' | 'tunnel' | 'direct';

/** An undirected edge between two vertex ids. */
export interface GraphLink {
  readonly kind: GraphLinkKind;
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

/** The whole picture. Vertex ids are unique across racks, routers, nodes and pods, and `[A-Za-z0-9_]` only. */
export interface FabricGraph {
  readonly title: string;
  readonly backend: GraphBackend;
  /** Whether flanneld runs on the nodes; without it there is no flannel device and no tunnel or route. */
  readonly flanneld: boolean;
  readonly racks: readonly GraphRack[];
  readonly routers: readonly GraphRouter[];
  readonly nodes: readonly GraphNode[];
  readonly pods: readonly GraphPod[];
  readonly links: readonly GraphLink[];
}

/** flannel's device per backend: `flannel.<VNI>` (VNI 1) for vxlan, the TUN `flannel0` for udp. */
const FLANNEL_DEVICE: Readonly<Record<GraphBackend, string | null>> = {
  vxlan: 'flannel.1',
  'vxlan-directrouting': 'flannel.1',
  udp: 'flannel0',
  'host-gw': null,
};

/** The label of a tunnel edge: VXLAN VNI 1 (flannel's default), or the udp backend's port 8285. */
const TUNNEL_LABEL: Readonly<Record<GraphBackend, string>> = {
  vxlan: 'vxlan VNI 1',
  'vxlan-directrouting': 'vxlan VNI 1',
  udp: 'udp 8285',
  'host-gw': '',
};

/**
 * The path flannel's backend gives a pair of nodes: vxlan and udp tunnel to every peer; DirectRouting
 * routes directly to peers on the same segment and tunnels to the rest; host-gw routes directly to peers
 * on the same segment and refuses the others (its routes need an on-link next hop).
 */
export function nodePairPath(backend: GraphBackend, sameSegment: boolean): 'tunnel' | 'direct' | null {
  if (backend === 'vxlan' || backend === 'udp') return 'tunnel';
  if (backend === 'vxlan-directrouting') return sameSegment ? 'direct' : 'tunnel';
  return sameSegment ? 'direct' : null;
}

/** Builds the graph of a topology and its cluster as built (pods as their CNI ADD left them). */
export function fabricGraph(source: FabricSource): FabricGraph {
  const { topology } = source;
  const backend = topology.network.backend;
  const flanneld = topology.network.flanneld !== false;
  const ids = new Ids();
  const racks = topology.segments.map(
    (s): GraphRack => ({
      kind: 'rack',
      id: ids.take(`rack_${s.name}`),
      name: s.name,
      cidr: cidr(s.network, s.prefixLen),
    }),
  );
  const prefixOf = new Map(topology.segments.map((s) => [s.name, s.prefixLen]));
  const rackId = new Map(racks.map((r) => [r.name, r.id]));
  const routers = topology.routers.map((r): GraphRouter => {
    const ns = source.routers.get(r.name)?.ns;
    return {
      kind: 'router',
      id: ids.take(`router_${r.name}`),
      name: r.name,
      interfaces: r.interfaces.map((itf, i) => ({
        // The device that holds the address; the builder names them eth0, eth1, … in this order.
        dev: (ns === undefined ? undefined : deviceWith(ns, itf.ip)) ?? `eth${i}`,
        address: cidr(itf.ip, prefixOf.get(itf.segment) ?? 32),
        rack: itf.segment,
      })),
    };
  });
  const flannelDev = flanneld ? FLANNEL_DEVICE[backend] : null;
  const nodes = topology.nodes.map(
    (n): GraphNode => ({
      kind: 'node',
      id: ids.take(`node_${n.name}`),
      name: n.name,
      rack: n.segment,
      eth0: { dev: 'eth0', address: cidr(n.ip, prefixOf.get(n.segment) ?? 32) },
      // The bridge plugin gives cni0 the lease's first address; flannel puts the lease's network on its VTEP.
      cni0: { dev: BRIDGE_PLUGIN.bridgeName, address: cidr(n.podCIDR.network + 1, n.podCIDR.prefixLen) },
      flannel: flannelDev === null ? null : { dev: flannelDev, address: cidr(n.podCIDR.network, 32) },
    }),
  );
  const nodeId = new Map(nodes.map((n) => [n.name, n.id]));
  const records = [...source.pods.values()];
  const pods = records.map(
    (p): GraphPod => ({
      kind: 'pod',
      id: ids.take(`pod_${p.desc.namespace}_${p.desc.name}`),
      name: p.desc.name,
      namespace: p.desc.namespace,
      node: p.node,
      ip: p.status.podIP === undefined ? null : formatIp4(p.status.podIP),
      state: p.status.reason ?? p.status.phase,
      hostNetwork: p.desc.hostNetwork,
    }),
  );

  const links: GraphLink[] = [];
  const link = (kind: GraphLinkKind, from: string | undefined, to: string | undefined, label: string) => {
    if (from !== undefined && to !== undefined) links.push({ kind, from, to, label });
  };
  // Each link runs from the upper vertex to the lower one (router, rack, node, pod), for layouts that rank.
  for (const r of routers)
    for (const itf of r.interfaces) link('underlay', r.id, rackId.get(itf.rack), itf.dev);
  for (const n of nodes) link('underlay', rackId.get(n.rack), n.id, n.eth0.dev);
  pods.forEach((p, i) => {
    const from = nodeId.get(p.node);
    if (p.hostNetwork) link('host-network', from, p.id, 'hostNetwork');
    else if (p.ip === null) link('no-network', from, p.id, 'no network');
    else link('veth', from, p.id, `${BRIDGE_PLUGIN.bridgeName} — ${hostVeth(records[i])}`);
  });
  // The paths flanneld sets up between each unordered pair of nodes, when it runs.
  const peers = flanneld ? nodes : [];
  peers.forEach((a, i) => {
    for (const b of peers.slice(i + 1)) {
      const path = nodePairPath(backend, a.rack === b.rack);
      if (path === 'tunnel') link('tunnel', a.id, b.id, TUNNEL_LABEL[backend]);
      if (path === 'direct') link('direct', a.id, b.id, 'direct route');
    }
  });
  return { title: topology.name ?? 'podwire', backend, flanneld, racks, routers, nodes, pods, links };
}

/** The text lines a vertex shows: its name, then its interfaces or its address/state. */
export function vertexLines(v: GraphRack | GraphRouter | GraphNode | GraphPod): string[] {
  switch (v.kind) {
    case 'rack':
      return [v.name, v.cidr];
    case 'router':
      return [v.name, ...v.interfaces.map(itfLine)];
    case 'node':
      return [v.name, ...[v.eth0, v.cni0, ...(v.flannel === null ? [] : [v.flannel])].map(itfLine)];
    case 'pod': {
      const name = v.namespace === 'default' ? v.name : `${v.namespace}/${v.name}`;
      if (v.ip === null) return [name, v.state];
      return [name, v.hostNetwork ? `${v.ip} (hostNetwork)` : v.ip];
    }
  }
}

function itfLine(itf: GraphInterface): string {
  return `${itf.dev} ${itf.address}`;
}

function cidr(ip: Ip4, prefixLen: number): string {
  return `${formatIp4(ip)}/${prefixLen}`;
}

/** The name of the device in `ns` that holds `ip`. */
function deviceWith(ns: NetNs, ip: Ip4): string | undefined {
  return ns.devices().find((d) => ns.addresses(d.ifindex).some((a) => a.ip === ip))?.name;
}

/** The host end of a pod's veth pair, from its CNI ADD result (the interface outside any sandbox, not the bridge). */
function hostVeth(record: PodRecord | undefined): string {
  const itfs = record?.cniResult?.interfaces ?? [];
  return itfs.find((i) => i.sandbox === undefined && i.name !== itfs[0]?.name)?.name ?? 'veth';
}

/**
 * Vertex ids for both renderers: names with anything but letters, digits and `_` turned into `_`, made
 * unique in declared order with a `_2`, `_3`, … suffix (`node-1` and `node.1` would otherwise meet).
 */
class Ids {
  private readonly used = new Set<string>();

  take(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_]/g, '_');
    let id = clean;
    for (let k = 2; this.used.has(id); k++) id = `${clean}_${k}`;
    this.used.add(id);
    return id;
  }
}
