/**
 * The IPVS proxier's state for one node (pkg/proxy/ipvs/proxier.go syncProxyRules): a virtual server per
 * ClusterIP, ExternalIP and LoadBalancer IP port, one per node IP for a NodePort; the VIPs bound to
 * kube-ipvs0; the ipset members; and the ipset-matching iptables rules. Real servers follow syncEndpoint:
 * with a Local policy the local endpoints, or all Cluster-policy endpoints when the node has none.
 * What is the same on every node (most virtual servers, most sets, the iptables rules) is built once in
 * IpvsShared; a node adds its hairpin entries, NodePort servers and Local-policy servers.
 */

import type { AddrMatch } from '../../netfilter/index.js';
import { formatIp4, type Ip4 } from '../../wire/index.js';
import { categorize, type PortEndpoint } from './endpoints.js';
import {
  IPSET_DEFS,
  ipPortEntry,
  ipPortIpEntry,
  KUBE_CLUSTER_IP,
  KUBE_EXTERNAL_IP,
  KUBE_EXTERNAL_IP_LOCAL,
  KUBE_HEALTH_CHECK_NODE_PORT,
  KUBE_IPVS_IPS,
  KUBE_LOAD_BALANCER,
  KUBE_LOAD_BALANCER_LOCAL,
  KUBE_LOOP_BACK,
  KUBE_NODE_PORT_LOCAL_SCTP,
  KUBE_NODE_PORT_LOCAL_TCP,
  KUBE_NODE_PORT_LOCAL_UDP,
  KUBE_NODE_PORT_SCTP,
  KUBE_NODE_PORT_TCP,
  KUBE_NODE_PORT_UDP,
} from './ipsets.js';
import { ipvsTables } from './ipvs-chains.js';
import type { ServicePortInfo } from './service-port.js';
import type {
  IpSetState,
  IpvsDest,
  IpvsProxyState,
  IpvsVirtualServer,
  ProxyConfig,
  ProxyTableRules,
} from './types.js';

/** kube-proxy's dummy device for service addresses (defaultDummyDevice). */
export const KUBE_IPVS_DEVICE = 'kube-ipvs0';

const NODE_PORT_SET = {
  TCP: KUBE_NODE_PORT_TCP,
  UDP: KUBE_NODE_PORT_UDP,
  SCTP: KUBE_NODE_PORT_SCTP,
} as const;
const NODE_PORT_LOCAL_SET = {
  TCP: KUBE_NODE_PORT_LOCAL_TCP,
  UDP: KUBE_NODE_PORT_LOCAL_UDP,
  SCTP: KUBE_NODE_PORT_LOCAL_SCTP,
} as const;

/** Sets whose members depend on the node (hairpin endpoints, node IPs, what is bound to kube-ipvs0). */
const PER_NODE_SETS = new Set([
  KUBE_LOOP_BACK,
  KUBE_NODE_PORT_SCTP,
  KUBE_NODE_PORT_LOCAL_SCTP,
  KUBE_IPVS_IPS,
]);

/** One frozen real-server list per endpoint list, shared between virtual servers and nodes. */
class DestCache {
  private readonly lists = new WeakMap<readonly PortEndpoint[], readonly IpvsDest[]>();

  dests(eps: readonly PortEndpoint[]): readonly IpvsDest[] {
    let d = this.lists.get(eps);
    if (d === undefined) {
      d = Object.freeze(eps.map((e) => Object.freeze({ ip: e.ip, port: e.port, weight: 1 as const })));
      this.lists.set(eps, d);
    }
    return d;
  }
}

/** The node-independent half of the IPVS state for one set of service ports and one scheduler. */
export class IpvsShared {
  /** Members of the sets that are the same on every node, sorted as `ipset list` would be read. */
  private readonly sets = new Map<string, readonly string[]>();
  /** Virtual servers for the VIPs of ports without a Local policy, per port. */
  private readonly vipServers = new Map<ServicePortInfo, readonly IpvsVirtualServer[]>();
  private readonly destCache = new DestCache();
  private readonly tables = new Map<
    string,
    { readonly nat: ProxyTableRules; readonly filter: ProxyTableRules }
  >();
  private readonly hasNodePort: boolean;

  constructor(
    readonly ports: readonly ServicePortInfo[],
    readonly scheduler: string,
  ) {
    const sets = new Map<string, string[]>(IPSET_DEFS.map((d) => [d.name, []]));
    const add = (name: string, entry: string) => sets.get(name)?.push(entry);
    for (const info of ports) {
      const { proto, port } = info;
      add(KUBE_CLUSTER_IP, ipPortEntry(info.clusterIP, proto, port));
      for (const ip of info.externalIPs) {
        add(
          info.externalPolicyLocal ? KUBE_EXTERNAL_IP_LOCAL : KUBE_EXTERNAL_IP,
          ipPortEntry(ip, proto, port),
        );
      }
      for (const ip of info.loadBalancerIPs) {
        add(KUBE_LOAD_BALANCER, ipPortEntry(ip, proto, port));
        if (info.externalPolicyLocal) add(KUBE_LOAD_BALANCER_LOCAL, ipPortEntry(ip, proto, port));
      }
      if (info.nodePort !== 0 && info.protocol !== 'SCTP') {
        add(NODE_PORT_SET[info.protocol], String(info.nodePort));
        if (info.externalPolicyLocal) add(NODE_PORT_LOCAL_SET[info.protocol], String(info.nodePort));
      }
      if (info.healthCheckNodePort !== 0) add(KUBE_HEALTH_CHECK_NODE_PORT, String(info.healthCheckNodePort));
      this.vipServers.set(info, this.sharedVipServers(info));
    }
    for (const [name, entries] of sets) this.sets.set(name, Object.freeze([...new Set(entries)].sort()));
    this.hasNodePort = ports.some((p) => p.nodePort !== 0);
  }

  /** The IPVS state of the node `config` describes. */
  node(config: ProxyConfig, notPodSource: AddrMatch | undefined): IpvsProxyState {
    const isLocal = (e: PortEndpoint) => e.nodeName === config.nodeName;
    const nodeAddrs = new Set(config.nodeIPs);
    const nodeIPs = this.hasNodePort ? config.nodeIPs : [];
    const loopBack = new Set<string>();
    const sctpNodePorts = new Set<string>();
    const sctpLocalNodePorts = new Set<string>();
    const bound = new Set<Ip4>();
    const virtualServers: IpvsVirtualServer[] = [];

    for (const info of this.ports) {
      const { proto } = info;
      for (const e of info.endpoints) {
        if (isLocal(e)) loopBack.add(ipPortIpEntry(e.ip, proto, e.port, e.ip));
      }
      const shared = info.use.usesLocal ? undefined : this.vipServers.get(info);
      const local = info.use.usesLocal
        ? categorize(info.endpoints, info.use, isLocal, info.cluster).local
        : [];
      // syncEndpoint: a Local policy takes the local endpoints, or the Cluster set when there are none.
      const dests = (onlyLocal: boolean) =>
        this.destCache.dests(onlyLocal && local.length > 0 ? local : clusterOf(info));
      const vs = (vip: Ip4, port: number, onlyLocal: boolean) =>
        virtualServer(info, this.scheduler, vip, port, dests(onlyLocal));

      if (shared !== undefined) for (const s of shared) virtualServers.push(s);
      else virtualServers.push(vs(info.clusterIP, info.port, info.internalPolicyLocal));
      bound.add(info.clusterIP);
      for (const ip of info.externalIPs) {
        if (shared === undefined) virtualServers.push(vs(ip, info.port, info.externalPolicyLocal));
        // An address already on another interface of the node is not bound to kube-ipvs0.
        if (!nodeAddrs.has(ip)) bound.add(ip);
      }
      for (const ip of info.loadBalancerIPs) {
        if (shared === undefined) virtualServers.push(vs(ip, info.port, info.externalPolicyLocal));
        if (!nodeAddrs.has(ip)) bound.add(ip);
      }
      if (info.nodePort !== 0 && nodeIPs.length > 0) {
        if (info.protocol === 'SCTP') {
          for (const ip of nodeIPs) {
            sctpNodePorts.add(ipPortEntry(ip, proto, info.nodePort));
            if (info.externalPolicyLocal) sctpLocalNodePorts.add(ipPortEntry(ip, proto, info.nodePort));
          }
        }
        for (const ip of nodeIPs) virtualServers.push(vs(ip, info.nodePort, info.externalPolicyLocal));
      }
    }

    const perNode = new Map<string, readonly string[]>([
      [KUBE_LOOP_BACK, [...loopBack].sort()],
      [KUBE_NODE_PORT_SCTP, [...sctpNodePorts].sort()],
      [KUBE_NODE_PORT_LOCAL_SCTP, [...sctpLocalNodePorts].sort()],
      [KUBE_IPVS_IPS, [...bound].map(formatIp4).sort()],
    ]);
    const ipsets: IpSetState[] = IPSET_DEFS.map((d) => ({
      name: d.name,
      type: d.type,
      comment: d.comment,
      entries: (PER_NODE_SETS.has(d.name) ? perNode.get(d.name) : this.sets.get(d.name)) ?? [],
    }));
    const tables = this.iptables(config, notPodSource, ipsets);
    return {
      dummyDevice: KUBE_IPVS_DEVICE,
      addresses: [...bound],
      virtualServers,
      ipsets,
      nat: tables.nat,
      filter: tables.filter,
    };
  }

  /** The iptables rules depend only on which sets are empty (and the configuration): build each once. */
  private iptables(config: ProxyConfig, notPodSource: AddrMatch | undefined, ipsets: readonly IpSetState[]) {
    const nonEmpty = new Set(ipsets.filter((s) => s.entries.length > 0).map((s) => s.name));
    const key = [
      ...nonEmpty,
      config.masqueradeBit,
      config.masqueradeAll,
      config.randomFully,
      config.clusterCIDR,
    ].join('|');
    let t = this.tables.get(key);
    if (t === undefined) {
      t = ipvsTables(config, notPodSource, nonEmpty);
      this.tables.set(key, t);
    }
    return t;
  }

  /** ClusterIP, ExternalIP and LoadBalancer servers of a port without Local policies (same on all nodes). */
  private sharedVipServers(info: ServicePortInfo): readonly IpvsVirtualServer[] {
    if (info.use.usesLocal) return [];
    const dests = this.destCache.dests(clusterOf(info));
    return Object.freeze(
      [info.clusterIP, ...info.externalIPs, ...info.loadBalancerIPs].map((vip) =>
        virtualServer(info, this.scheduler, vip, info.port, dests),
      ),
    );
  }
}

/** CategorizeEndpoints' Cluster set: empty when the port never uses Cluster policy. */
function clusterOf(info: ServicePortInfo): readonly PortEndpoint[] {
  return info.use.usesCluster ? info.cluster : [];
}

function virtualServer(
  info: ServicePortInfo,
  scheduler: string,
  vip: Ip4,
  port: number,
  dests: readonly IpvsDest[],
): IpvsVirtualServer {
  const base = { protocol: info.protocol, vip, port, scheduler, dests };
  return Object.freeze(
    info.affinitySeconds === undefined ? base : { ...base, persistentTimeout: info.affinitySeconds },
  );
}
