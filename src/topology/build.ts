import { BridgePlugin, FlannelPlugin } from '../cni/index.js';
import { Flanneld, FlannelLog, FlannelNetwork } from '../flannel/index.js';
import { type ControlPlane, Kubelet, type PodRecord } from '../k8s/index.js';
import { NetfilterHost, NetNs, Nic, Segment } from '../net/index.js';
import { IpSets, Netfilter } from '../netfilter/index.js';
import { Sim, TraceBus } from '../sim/index.js';
import type { EthernetFrame } from '../wire/index.js';
import { startControlPlane } from './control-plane.js';
import { ServicePlane } from './service-plane.js';
import { subnetEnv } from './subnet-env.js';
import type { NodeSpec, RouterSpec, Topology } from './types.js';

/**
 * A machine of the fabric, each its own network namespace: a Kubernetes node, an underlay router, or a
 * plain host on the underlay (an outside client).
 */
export interface Host {
  readonly kind: 'node' | 'router' | 'host';
  readonly name: string;
  readonly ns: NetNs;
  /** Nodes only: iptables with conntrack (kube-proxy's and flanneld's rules) and the ipsets. */
  readonly netfilter?: Netfilter;
  readonly ipsets?: IpSets;
  /** Nodes only: the kubelet and the CNI plugins it calls. */
  readonly kubelet?: Kubelet;
  readonly cni?: { readonly flannel: FlannelPlugin; readonly bridge: BridgePlugin };
  /** Nodes only: flanneld. */
  readonly flanneld?: Flanneld;
}

/** The live fabric built from a topology: one simulator, its trace bus, segments and hosts. */
export interface Cluster {
  readonly topology: Topology;
  readonly sim: Sim;
  readonly trace: TraceBus<EthernetFrame>;
  readonly segments: ReadonlyMap<string, Segment>;
  readonly nodes: ReadonlyMap<string, Host>;
  readonly routers: ReadonlyMap<string, Host>;
  /** Plain machines on the underlay (`spec.hosts`). */
  readonly hosts: ReadonlyMap<string, Host>;
  /** The API store, controllers, scheduler, kubelets and kube-proxies. */
  readonly controlPlane: ControlPlane;
  /** Services as the store holds them, and kube-proxy on every node. */
  readonly services: ServicePlane;
  /** The pods the kubelets run, by `namespace/name`, in the order they started. */
  readonly pods: Map<string, PodRecord>;
  /** The nodes' flannel leases as the kube subnet manager sees them; `delete`/`join` node steps change it. */
  readonly flannel: FlannelNetwork;
  /** What every flanneld logged. */
  readonly flannelLog: FlannelLog;
}

export interface BuildOptions {
  /** Overrides the file's seed (`--seed`). */
  readonly seed?: number;
}

/**
 * Builds the fabric in a fixed order — segments, then routers, then nodes, each in declared order — so
 * every run of the same file and seed gets the same ifindexes and MACs (Mininet's buildFromTopo habit).
 * MACs are drawn from a stream named after the device (`mac/node1/eth0`), so adding a host never changes
 * another host's addresses.
 */
export function buildCluster(topology: Topology, options: BuildOptions = {}): Cluster {
  const sim = new Sim({ seed: options.seed ?? topology.seed });
  const trace = new TraceBus<EthernetFrame>();
  const segments = new Map<string, Segment>();
  for (const s of topology.segments) {
    segments.set(
      s.name,
      new Segment(sim, { name: s.name, latencyNs: s.latencyNs, bandwidthBps: s.bandwidthBps, trace }),
    );
  }
  const routers = new Map<string, Host>();
  for (const r of topology.routers)
    routers.set(r.name, { kind: 'router', name: r.name, ns: buildRouter(sim, trace, topology, segments, r) });
  const nodes = new Map<string, Host>();
  const flannelLog = new FlannelLog();
  for (const n of topology.nodes) {
    const ns = buildMachine(sim, trace, topology, segments, n.name, n.segment, n.ip);
    const ipsets = new IpSets();
    const netfilter = new Netfilter(sim, { name: n.name, host: new NetfilterHost(ns), sets: ipsets });
    ns.hooks = netfilter;
    // net.netfilter.* (conntrack) belongs to the node's netfilter; every other key to the namespace.
    for (const [key, value] of n.sysctls) if (!netfilter.setSysctl(key, value)) ns.setSysctl(key, value);
    const flanneld = flanneldFor(ns, topology, n, flannelLog, netfilter);
    nodes.set(n.name, { ...nodeHost(ns, topology, n, flanneld), netfilter, ipsets });
  }
  // Outside machines after the nodes, so adding one never changes a node's segment port.
  const hosts = new Map<string, Host>();
  for (const h of topology.hosts)
    hosts.set(h.name, {
      kind: 'host',
      name: h.name,
      ns: buildMachine(sim, trace, topology, segments, h.name, h.segment, h.ip),
    });
  // flanneld starts on every node, in declared order, before any pod: CNI ADD reads its subnet.env.
  const flannel = new FlannelNetwork();
  if (topology.network.flanneld)
    for (const host of nodes.values()) if (host.flanneld !== undefined) flannel.join(host.flanneld);
  // The control plane: every node registered with its kubelet and kube-proxy, then the API objects.
  const pods = new Map<string, PodRecord>();
  const controlPlane = startControlPlane(sim, topology, nodes, pods);
  const services = new ServicePlane(controlPlane);
  return {
    topology,
    sim,
    trace,
    segments,
    nodes,
    routers,
    hosts,
    controlPlane,
    services,
    pods,
    flannel,
    flannelLog,
  };
}

/** flanneld as kube-flannel.yml runs it: `--ip-masq --kube-subnet-mgr`, the backend of net-conf.json. */
function flanneldFor(
  ns: NetNs,
  topology: Topology,
  spec: NodeSpec,
  log: FlannelLog,
  netfilter: Netfilter,
): Flanneld {
  const net = topology.network;
  return new Flanneld(
    ns,
    {
      node: spec.name,
      network: net.clusterCIDR,
      lease: spec.podCIDR,
      publicIp: spec.ip,
      extIface: 'eth0',
      backend: net.backend === 'vxlan-directrouting' ? 'vxlan' : net.backend,
      directRouting: net.backend === 'vxlan-directrouting',
      ipMasq: net.ipMasq,
      vtepMac: ns.sim.rng(`mac/${spec.name}/flannel.1`).mac(),
      netfilter,
    },
    log,
  );
}

/** A node with its pod network: flannel's subnet.env, the flannel → bridge → host-local chain, a kubelet. */
function nodeHost(ns: NetNs, topology: Topology, spec: NodeSpec, flanneld: Flanneld): Host {
  const env = subnetEnv(topology, spec);
  const bridge = new BridgePlugin(ns);
  const flannel = new FlannelPlugin(bridge, {
    network: env.network.network,
    networkLen: env.network.prefixLen,
    subnet: env.subnet.ip,
    subnetLen: env.subnet.prefixLen,
    mtu: env.mtu,
    ipmasq: env.ipMasq,
  });
  return {
    kind: 'node',
    name: spec.name,
    ns,
    kubelet: new Kubelet(ns, spec.ip, flannel),
    cni: { flannel, bridge },
    flanneld,
  };
}

function buildRouter(
  sim: Sim,
  trace: TraceBus<EthernetFrame>,
  topology: Topology,
  segments: ReadonlyMap<string, Segment>,
  spec: RouterSpec,
): NetNs {
  const ns = new NetNs(sim, { name: spec.name, trace });
  ns.setSysctl('net.ipv4.ip_forward', '1');
  spec.interfaces.forEach((itf, i) => {
    const seg = topology.segments.find((s) => s.name === itf.segment);
    const medium = segments.get(itf.segment);
    if (seg === undefined || medium === undefined)
      throw new Error(`router ${spec.name}: no segment ${itf.segment}`);
    const name = `eth${i}`;
    const nic = new Nic(sim, ns.deviceOptions(name, sim.rng(`mac/${spec.name}/${name}`).mac(), seg.mtu));
    ns.attach(nic);
    medium.attach(nic, spec.name);
    ns.addAddress(name, itf.ip, seg.prefixLen);
  });
  return ns;
}

/**
 * A Linux machine on a segment (a node or a plain host): eth0 with its address, and the segment's router
 * as default gateway.
 */
function buildMachine(
  sim: Sim,
  trace: TraceBus<EthernetFrame>,
  topology: Topology,
  segments: ReadonlyMap<string, Segment>,
  name: string,
  segment: string,
  ip: number,
): NetNs {
  const ns = new NetNs(sim, { name, trace });
  const seg = topology.segments.find((s) => s.name === segment);
  const medium = segments.get(segment);
  if (seg === undefined || medium === undefined) throw new Error(`${name}: no segment ${segment}`);
  const nic = new Nic(sim, ns.deviceOptions('eth0', sim.rng(`mac/${name}/eth0`).mac(), seg.mtu));
  ns.attach(nic);
  medium.attach(nic, name);
  ns.addAddress('eth0', ip, seg.prefixLen);
  // The segment's gateway is the default route only where a router actually holds that address.
  const routed = topology.routers.some((r) => r.interfaces.some((i) => i.segment === seg.name));
  if (routed) ns.addRoute({ dst: 0, prefixLen: 0, gateway: seg.gateway, dev: 'eth0' });
  return ns;
}
