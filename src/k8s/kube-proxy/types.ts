/**
 * What kube-proxy watches, as a plain snapshot (the fields of Service and EndpointSlice that
 * pkg/proxy/serviceport.go and endpointslicecache.go keep), its configuration, and what its proxiers
 * produce: iptables chains and jump rules, IPVS virtual servers, kube-ipvs0 addresses and ipsets.
 */

import type { Chain, Rule } from '../../netfilter/index.js';
import type { Ip4 } from '../../wire/index.js';

/** `spec.ports[].protocol`. */
export type ServiceProtocol = 'TCP' | 'UDP' | 'SCTP';

/** One `spec.ports[]` entry; the target port is resolved per endpoint (EndpointSlice ports). */
export interface ProxyServicePort {
  /** The port name ('' for an unnamed single port). */
  readonly name: string;
  readonly protocol: ServiceProtocol;
  readonly port: number;
  /** Allocated for NodePort and LoadBalancer Services; ignored for ClusterIP. */
  readonly nodePort?: number;
}

/** A Service as kube-proxy sees it (one per namespace/name). */
export interface ProxyService {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** `spec.clusterIP`; undefined for a headless Service, which gets no rules at all. */
  readonly clusterIP: Ip4 | undefined;
  readonly ports: readonly ProxyServicePort[];
  readonly externalIPs: readonly Ip4[];
  /** `status.loadBalancer.ingress[].ip` (used for type LoadBalancer only). */
  readonly loadBalancerIPs: readonly Ip4[];
  readonly sessionAffinity: 'None' | 'ClientIP';
  /** `sessionAffinityConfig.clientIP.timeoutSeconds`, 10800 by default. */
  readonly affinityTimeoutSeconds: number;
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  /** Allocated for type LoadBalancer with externalTrafficPolicy Local. */
  readonly healthCheckNodePort?: number;
}

/** One port of an endpoint (an EndpointSlice port: matched to a Service port by name and protocol). */
export interface ProxyEndpointPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: ServiceProtocol;
}

/** One endpoint of a Service (an EndpointSlice endpoint with its conditions). */
export interface ProxyEndpoint {
  readonly ip: Ip4;
  /** `nodeName`; undefined when the slice does not say (never local then). */
  readonly nodeName: string | undefined;
  /** `conditions.ready` (nil counts as true). */
  readonly ready: boolean;
  /** `conditions.serving` (nil counts as true). */
  readonly serving: boolean;
  /** `conditions.terminating` (nil counts as false). */
  readonly terminating: boolean;
  readonly ports: readonly ProxyEndpointPort[];
}

/** kube-proxy's configuration on one node (KubeProxyConfiguration and its flags). */
export interface ProxyConfig {
  /** `--hostname-override`: endpoints with this nodeName are local. */
  readonly nodeName: string;
  /**
   * The node's IPv4 addresses. IPVS mode makes a NodePort virtual server on each of them: pass every
   * non-loopback address of the node except kube-ipvs0's (eth0, cni0, flannel.1), as kube-proxy's
   * GetAllLocalAddressesExcept does with the default nodePortAddresses.
   */
  readonly nodeIPs: readonly Ip4[];
  /** `--cluster-cidr` (detectLocalMode ClusterCIDR); undefined means the local-traffic detector is a no-op. */
  readonly clusterCIDR: string | undefined;
  /** `iptables.masqueradeBit`, 14 → mark 0x4000. */
  readonly masqueradeBit: number;
  readonly masqueradeAll: boolean;
  readonly mode: 'iptables' | 'ipvs';
  /** `ipvs.scheduler` ('' means rr). */
  readonly ipvsScheduler: string;
  /** `iptables.localhostNodePorts`, true by default (sets route_localnet=1, adds KUBE-FIREWALL). */
  readonly localhostNodePorts: boolean;
  /** Whether iptables supports `MASQUERADE --random-fully` (every iptables ≥ 1.6.2). */
  readonly randomFully: boolean;
  /** `net.netfilter.nf_conntrack_tcp_be_liberal` is set: then no DROP of ctstate INVALID in KUBE-FORWARD. */
  readonly conntrackTcpBeLiberal: boolean;
  /** `ipvs.strictARP`: sets arp_ignore=1 / arp_announce=2. */
  readonly strictARP: boolean;
}

/** kube-proxy's defaults (pkg/proxy/apis/config/v1alpha1/defaults.go) for one node. */
export function defaultProxyConfig(
  nodeName: string,
  nodeIPs: readonly Ip4[],
  clusterCIDR: string,
): ProxyConfig {
  return {
    nodeName,
    nodeIPs,
    clusterCIDR,
    masqueradeBit: 14,
    masqueradeAll: false,
    mode: 'iptables',
    ipvsScheduler: 'rr',
    localhostNodePorts: true,
    randomFully: true,
    conntrackTcpBeLiberal: false,
    strictARP: false,
  };
}

/** A built-in chain kube-proxy hooks its chains from. */
export type BuiltinChainName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** A rule kube-proxy ensures in a built-in chain (`EnsureRule(Prepend, …)`). */
export interface ProxyJump {
  readonly chain: BuiltinChainName;
  readonly rule: Rule;
}

/**
 * One table's share of kube-proxy's rules: its own user chains, complete and in the order kube-proxy
 * writes them to iptables-restore, and the jumps from built-in chains in the order they end up at the top
 * of each built-in chain (first element = first rule). Install: replace these user chains (and delete
 * stale KUBE-SVC-/SVL-/EXT-/FW-/SEP- chains), then make these jumps the first rules of their chains.
 */
export interface ProxyTableRules {
  readonly chains: readonly Chain[];
  readonly jumps: readonly ProxyJump[];
}

/** The iptables proxier's output for one node. */
export interface IptablesProxyRules {
  readonly nat: ProxyTableRules;
  readonly filter: ProxyTableRules;
  /** Only KUBE-PROXY-CANARY, the chain iptables.Monitor watches. */
  readonly mangle: ProxyTableRules;
}

/** One IPVS real server (`ipvsadm -a … -m -w 1`). */
export interface IpvsDest {
  readonly ip: Ip4;
  readonly port: number;
  readonly weight: 1;
}

/** One IPVS virtual service (`ipvsadm -A -t VIP:PORT -s SCHED [-p TIMEOUT]`). */
export interface IpvsVirtualServer {
  readonly protocol: ServiceProtocol;
  readonly vip: Ip4;
  readonly port: number;
  readonly scheduler: string;
  /** Set for sessionAffinity ClientIP (FlagPersistent, netmask 255.255.255.255). */
  readonly persistentTimeout?: number;
  readonly dests: readonly IpvsDest[];
}

/** An ipset type, as `ipset list` prints it. */
export type IpSetType = 'hash:ip' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port';

/** One ipset kube-proxy keeps, with its members as `ipset list` prints them (sorted as strings). */
export interface IpSetState {
  readonly name: string;
  readonly type: IpSetType;
  readonly comment: string;
  readonly entries: readonly string[];
}

/** The IPVS proxier's output for one node. */
export interface IpvsProxyState {
  /** `kube-ipvs0` (type dummy, left DOWN). */
  readonly dummyDevice: string;
  /** The /32 addresses bound to kube-ipvs0, in the order kube-proxy binds them. */
  readonly addresses: readonly Ip4[];
  readonly virtualServers: readonly IpvsVirtualServer[];
  readonly ipsets: readonly IpSetState[];
  readonly nat: ProxyTableRules;
  readonly filter: ProxyTableRules;
}
