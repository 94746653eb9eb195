/**
 * One service port as both proxiers see it (pkg/proxy/serviceport.go BaseServicePortInfo plus the
 * iptables proxier's precomputed chain names), with its endpoints. Everything here is the same on every
 * node; what depends on the node is only which endpoints are local.
 */

import { clusterEndpoints, endpointsForPort, type PolicyUse, type PortEndpoint } from './endpoints.js';
import { type ServiceChainNames, serviceChainNames, servicePortName } from './hash.js';
import type { ProxyEndpoint, ProxyService, ProxyServicePort, ServiceProtocol } from './types.js';

/** A service port with everything derived from the Service and its endpoints. */
export interface ServicePortInfo {
  /** "namespace/name:port" (the ServicePortName string). */
  readonly spn: string;
  readonly protocol: ServiceProtocol;
  /** "tcp" / "udp" / "sctp". */
  readonly proto: string;
  readonly chains: ServiceChainNames;
  readonly clusterIP: number;
  readonly port: number;
  /** 0 when the port has no NodePort. */
  readonly nodePort: number;
  readonly externalIPs: readonly number[];
  readonly loadBalancerIPs: readonly number[];
  /** stickyMaxAgeSeconds for sessionAffinity ClientIP; undefined for None. */
  readonly affinitySeconds: number | undefined;
  readonly internalPolicyLocal: boolean;
  /** externalTrafficPolicy Local on an externally accessible Service (apiservice.ExternalPolicyLocal). */
  readonly externalPolicyLocal: boolean;
  /** NodePort, LoadBalancer IPs or ExternalIPs exist (BaseServicePortInfo.ExternallyAccessible). */
  readonly externallyAccessible: boolean;
  /** 0 when none. */
  readonly healthCheckNodePort: number;
  readonly use: PolicyUse;
  /** All endpoints of the port, deduplicated and sorted by "IP:port". */
  readonly endpoints: readonly PortEndpoint[];
  /** The usable endpoints for Cluster policy (ready, or serving+terminating as a fallback). */
  readonly cluster: readonly PortEndpoint[];
}

/** The ports kube-proxy proxies for a Service: none for a headless one. */
export function servicePorts(svc: ProxyService, endpoints: readonly ProxyEndpoint[]): ServicePortInfo[] {
  const clusterIP = svc.clusterIP;
  if (clusterIP === undefined) return [];
  return svc.ports.map((p) => portInfo(svc, clusterIP, p, endpoints));
}

function portInfo(
  svc: ProxyService,
  clusterIP: number,
  p: ProxyServicePort,
  endpoints: readonly ProxyEndpoint[],
): ServicePortInfo {
  const spn = servicePortName(svc.namespace, svc.name, p.name);
  const proto = p.protocol.toLowerCase();
  const hasNodePort = svc.type !== 'ClusterIP' && p.nodePort !== undefined && p.nodePort > 0;
  const nodePort = hasNodePort ? (p.nodePort ?? 0) : 0;
  const loadBalancerIPs = svc.type === 'LoadBalancer' ? svc.loadBalancerIPs : [];
  const externallyAccessible = nodePort !== 0 || loadBalancerIPs.length > 0 || svc.externalIPs.length > 0;
  // apiservice.ExternalPolicyLocal: NodePort/LoadBalancer, or ClusterIP with externalIPs, and ETP Local.
  const apiExternal = svc.type !== 'ClusterIP' || svc.externalIPs.length > 0;
  const externalPolicyLocal = apiExternal && svc.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = svc.internalTrafficPolicy === 'Local';
  const eps = endpointsForPort(endpoints, p.name, p.protocol);
  return {
    spn,
    protocol: p.protocol,
    proto,
    chains: serviceChainNames(spn, proto),
    clusterIP,
    port: p.port,
    nodePort,
    externalIPs: svc.externalIPs,
    loadBalancerIPs,
    affinitySeconds: svc.sessionAffinity === 'ClientIP' ? svc.affinityTimeoutSeconds : undefined,
    internalPolicyLocal,
    externalPolicyLocal,
    externallyAccessible,
    healthCheckNodePort: svc.healthCheckNodePort ?? 0,
    use: {
      usesCluster: !internalPolicyLocal || externallyAccessible,
      usesLocal: internalPolicyLocal || (externalPolicyLocal && externallyAccessible),
    },
    endpoints: eps,
    cluster: clusterEndpoints(eps),
  };
}
