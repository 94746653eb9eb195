/**
 * The iptables proxier's whole output for one node, put together from the per-port pieces in the order
 * syncProxyRules writes its restore input: filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-FORWARD,
 * KUBE-NODEPORTS, KUBE-PROXY-FIREWALL (+ KUBE-FIREWALL); nat KUBE-SERVICES, KUBE-NODEPORTS,
 * KUBE-POSTROUTING, KUBE-MARK-MASQ, then each service's KUBE-EXT/SVC/SVL/SEP chains; KUBE-PROXY-CANARY
 * in every table.
 */

import type { Chain, Rule } from '../../netfilter/index.js';
import { addr, chain, cidr, comment, DST_LOCAL, jump, rule } from './build.js';
import type { IptablesContext } from './chains-nat.js';
import {
  CANARY_CHAIN,
  forwardChain,
  IPTABLES_FILTER_JUMPS,
  IPTABLES_NAT_JUMPS,
  kubeletFirewallChain,
  markMasqChain,
  postroutingChain,
} from './chains-static.js';
import type { PortRules } from './port-rules.js';
import type { IptablesProxyRules, ProxyConfig } from './types.js';

/** kube-proxy switches to large-cluster mode above this many endpoints (largeClusterEndpointsThreshold). */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** The rule context for a configuration; `largeCluster` drops per-endpoint comments. */
export function iptablesContext(config: ProxyConfig, largeCluster: boolean): IptablesContext {
  const local = config.clusterCIDR === undefined ? undefined : cidr(config.clusterCIDR);
  return {
    masqueradeAll: config.masqueradeAll,
    largeCluster,
    podSource: local,
    notPodSource: local === undefined ? undefined : Object.freeze({ ...local, invert: true }),
  };
}

/** The chains that do not depend on Services, built once per configuration. */
export interface StaticChains {
  readonly postrouting: Chain;
  readonly markMasq: Chain;
  readonly forward: Chain;
  readonly firewall: Chain | undefined;
  /** The last rule of nat KUBE-SERVICES: `-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`. */
  readonly nodePortsTail: Rule;
}

/** Builds the Service-independent chains for a configuration. */
export function staticChains(config: ProxyConfig): StaticChains {
  return {
    postrouting: postroutingChain(config),
    markMasq: markMasqChain(config),
    forward: forwardChain(config, true),
    firewall: config.localhostNodePorts ? kubeletFirewallChain() : undefined,
    // Without localhostNodePorts, route_localnet is off and localhost NodePorts are excluded.
    nodePortsTail: rule({
      ...(config.localhostNodePorts ? {} : { dst: addr(0x7f000000, 8, true) }),
      matches: [
        comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
        DST_LOCAL,
      ],
      target: jump('KUBE-NODEPORTS'),
    }),
  };
}

/** Puts the per-port rules together into the three tables. */
export function assembleIptables(statics: StaticChains, ports: readonly PortRules[]): IptablesProxyRules {
  const natServices: Rule[] = [];
  const natNodePorts: Rule[] = [];
  const serviceChains: Chain[] = [];
  const filterServices: Rule[] = [];
  const filterExternal: Rule[] = [];
  const filterNodePorts: Rule[] = [];
  for (const p of ports) {
    pushAll(natServices, p.natServices);
    pushAll(natNodePorts, p.natNodePorts);
    pushAll(serviceChains, p.natChains);
    pushAll(filterServices, p.filterServices);
    pushAll(filterExternal, p.filterExternal);
    pushAll(filterNodePorts, p.filterNodePorts);
  }
  natServices.push(statics.nodePortsTail);
  const filterChains = [
    chain('KUBE-SERVICES', filterServices),
    chain('KUBE-EXTERNAL-SERVICES', filterExternal),
    statics.forward,
    chain('KUBE-NODEPORTS', filterNodePorts),
    // loadBalancerSourceRanges are not modelled, so the firewall chain stays empty.
    chain('KUBE-PROXY-FIREWALL', []),
  ];
  if (statics.firewall !== undefined) filterChains.push(statics.firewall);
  filterChains.push(CANARY_CHAIN);
  return Object.freeze({
    nat: Object.freeze({
      chains: Object.freeze([
        chain('KUBE-SERVICES', natServices),
        chain('KUBE-NODEPORTS', natNodePorts),
        statics.postrouting,
        statics.markMasq,
        ...serviceChains,
        CANARY_CHAIN,
      ]),
      jumps: IPTABLES_NAT_JUMPS,
    }),
    filter: Object.freeze({ chains: Object.freeze(filterChains), jumps: IPTABLES_FILTER_JUMPS }),
    mangle: MANGLE,
  });
}

const MANGLE = Object.freeze({ chains: Object.freeze([CANARY_CHAIN]), jumps: Object.freeze([]) });

function pushAll<T>(into: T[], from: readonly T[]): void {
  for (const x of from) into.push(x);
}
