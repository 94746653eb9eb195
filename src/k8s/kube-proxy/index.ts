/**
 * kube-proxy's rule generation for both proxier modes, as recent kube-proxy (1.31–1.34) writes it:
 * iptables chains and jump rules as netfilter Rule/Chain records, and for IPVS mode the virtual servers,
 * kube-ipvs0 addresses, ipsets and the remaining iptables rules. One KubeProxyRules per cluster serves
 * every node and shares what cannot differ between nodes; a KubeProxyNode per node installs its output
 * (syncProxyRules) into the node's netfilter, ipsets, IPVS and kube-ipvs0.
 */

export type { PortEndpoint } from './endpoints.js';
export { KubeProxyRules } from './generator.js';
export {
  endpointChainName,
  type ServiceChainNames,
  serviceChainNames,
  servicePortName,
} from './hash.js';
export { IPSET_DEFS, type IpSetDef } from './ipsets.js';
export { LARGE_CLUSTER_ENDPOINTS } from './iptables-proxier.js';
export { KUBE_IPVS_DEVICE } from './ipvs-proxier.js';
export { RS_CHECK_DELETE_INTERVAL } from './ipvs-sync.js';
export { KubeProxyNode, type KubeProxyNodeOptions, localAddresses } from './node.js';
export { formatProbability, storedProbability } from './probability.js';
export type { ServicePortInfo } from './service-port.js';
export { kubeProxySysctls, type ProxyHost, type SysctlSetting } from './sysctls.js';
export type {
  BuiltinChainName,
  IpSetState,
  IpSetType,
  IptablesProxyRules,
  IpvsDest,
  IpvsProxyState,
  IpvsVirtualServer,
  ProxyConfig,
  ProxyEndpoint,
  ProxyEndpointPort,
  ProxyJump,
  ProxyService,
  ProxyServicePort,
  ProxyTableRules,
  ServiceProtocol,
} from './types.js';
export { defaultProxyConfig } from './types.js';
