/**
 * The iptables rules the IPVS proxier still writes (pkg/proxy/ipvs/proxier.go writeIptablesRules,
 * acceptIPVSTraffic, ipsetWithIptablesChain): a constant number of rules that match ipsets, so they
 * depend only on which sets are empty. Rules driven by loadBalancerSourceRanges never appear (not modelled).
 */

import type { AddrMatch, Chain, Match, Rule } from '../../netfilter/index.js';
import {
  ACCEPT,
  addr,
  chain,
  comment,
  ctstate,
  DROP,
  DST_LOCAL,
  jump,
  matchSet,
  REJECT,
  RETURN,
  rule,
  TO_MARK_MASQ,
} from './build.js';
import {
  forwardChain,
  IPVS_FILTER_JUMPS,
  IPVS_NAT_JUMPS,
  markMasqChain,
  postroutingChain,
} from './chains-static.js';
import {
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
  setComment,
} from './ipsets.js';
import type { ProxyConfig, ProxyTableRules, ServiceProtocol } from './types.js';

type Dir = 'src' | 'dst';
const DST: readonly Dir[] = ['dst'];
const DST_DST: readonly Dir[] = ['dst', 'dst'];

/** `-m comment --comment <set comment> -m set --match-set SET flags`. */
function setMatches(name: string, flags: readonly Dir[]): Match[] {
  return [comment(setComment(name)), matchSet(name, flags)];
}

/** The NodePort set rules: the Local set RETURNs (no masquerade) before the plain set marks. */
const NODE_PORT_SETS: readonly [string, ServiceProtocol, readonly Dir[], 'RETURN' | 'MASQ'][] = [
  [KUBE_NODE_PORT_LOCAL_TCP, 'TCP', DST, 'RETURN'],
  [KUBE_NODE_PORT_TCP, 'TCP', DST, 'MASQ'],
  [KUBE_NODE_PORT_LOCAL_UDP, 'UDP', DST, 'RETURN'],
  [KUBE_NODE_PORT_UDP, 'UDP', DST, 'MASQ'],
  [KUBE_NODE_PORT_LOCAL_SCTP, 'SCTP', DST_DST, 'RETURN'],
  [KUBE_NODE_PORT_SCTP, 'SCTP', DST_DST, 'MASQ'],
];

/** nat and filter tables of the IPVS proxier, given which ipsets have members. */
export function ipvsTables(
  config: ProxyConfig,
  notPodSource: AddrMatch | undefined,
  nonEmpty: ReadonlySet<string>,
): { readonly nat: ProxyTableRules; readonly filter: ProxyTableRules } {
  const has = (name: string) => nonEmpty.has(name);
  const services: Rule[] = [rule({ src: addr(0x7f000000, 8), target: RETURN })];
  const postrouting: Rule[] = [];
  const loadBalancer: Rule[] = [];
  const nodePort: Rule[] = [];

  if (has(KUBE_LOOP_BACK)) {
    postrouting.push(
      rule({
        matches: setMatches(KUBE_LOOP_BACK, ['dst', 'dst', 'src']),
        target: { kind: 'MASQUERADE', randomFully: false },
      }),
    );
  }
  if (has(KUBE_LOAD_BALANCER)) {
    services.push(
      rule({ matches: setMatches(KUBE_LOAD_BALANCER, DST_DST), target: jump('KUBE-LOAD-BALANCER') }),
    );
  }
  if (has(KUBE_LOAD_BALANCER_LOCAL)) {
    loadBalancer.push(rule({ matches: setMatches(KUBE_LOAD_BALANCER_LOCAL, DST_DST), target: RETURN }));
  }
  for (const [name, proto, flags, what] of NODE_PORT_SETS) {
    if (!has(name)) continue;
    nodePort.push(
      rule({ proto, matches: setMatches(name, flags), target: what === 'RETURN' ? RETURN : TO_MARK_MASQ }),
    );
  }
  if (has(KUBE_CLUSTER_IP)) {
    // Off-cluster sources are masqueraded (or all with masqueradeAll; without a cluster CIDR, node
    // traffic whose source is a VIP on kube-ipvs0: `src,dst`).
    if (config.masqueradeAll) {
      services.push(rule({ matches: setMatches(KUBE_CLUSTER_IP, DST_DST), target: TO_MARK_MASQ }));
    } else if (notPodSource !== undefined) {
      services.push(
        rule({ src: notPodSource, matches: setMatches(KUBE_CLUSTER_IP, DST_DST), target: TO_MARK_MASQ }),
      );
    } else {
      services.push(rule({ matches: setMatches(KUBE_CLUSTER_IP, ['src', 'dst']), target: TO_MARK_MASQ }));
    }
  }
  // externalIPRules: kube-proxy first ACCEPTs `-m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL`
  // (off-machine traffic); the rule model has no --physdev-is-in, so only the dst-type LOCAL ACCEPT is kept.
  if (has(KUBE_EXTERNAL_IP)) {
    services.push(
      rule({ matches: setMatches(KUBE_EXTERNAL_IP, DST_DST), target: TO_MARK_MASQ }),
      rule({ matches: [...setMatches(KUBE_EXTERNAL_IP, DST_DST), DST_LOCAL], target: ACCEPT }),
    );
  }
  if (has(KUBE_EXTERNAL_IP_LOCAL)) {
    services.push(
      rule({ matches: [...setMatches(KUBE_EXTERNAL_IP_LOCAL, DST_DST), DST_LOCAL], target: ACCEPT }),
    );
  }
  services.push(rule({ matches: [DST_LOCAL], target: jump('KUBE-NODE-PORT') }));
  loadBalancer.push(rule({ target: TO_MARK_MASQ }));
  // acceptIPVSTraffic: the end of KUBE-SERVICES accepts everything IPVS will handle.
  for (const set of [KUBE_CLUSTER_IP, KUBE_LOAD_BALANCER]) {
    if (has(set)) services.push(rule({ matches: [matchSet(set, DST_DST)], target: ACCEPT }));
  }

  const post = postroutingChain(config);
  const natChains: Chain[] = [
    chain('KUBE-SERVICES', services),
    chain('KUBE-POSTROUTING', [...postrouting, ...post.rules]),
    chain('KUBE-NODE-PORT', nodePort),
    chain('KUBE-LOAD-BALANCER', loadBalancer),
    markMasqChain(config),
  ];
  const filterChains: Chain[] = [
    forwardChain(config, false),
    chain('KUBE-NODE-PORT', [
      rule({ matches: setMatches(KUBE_HEALTH_CHECK_NODE_PORT, DST), target: ACCEPT }),
    ]),
    chain('KUBE-PROXY-FIREWALL', []),
    chain('KUBE-SOURCE-RANGES-FIREWALL', [rule({ target: DROP })]),
    chain('KUBE-IPVS-FILTER', [
      rule({ matches: [matchSet(KUBE_LOAD_BALANCER, DST_DST)], target: RETURN }),
      rule({ matches: [matchSet(KUBE_CLUSTER_IP, DST_DST)], target: RETURN }),
      rule({ matches: [matchSet(KUBE_EXTERNAL_IP, DST_DST)], target: RETURN }),
      rule({ matches: [matchSet(KUBE_EXTERNAL_IP_LOCAL, DST_DST)], target: RETURN }),
      rule({ matches: [matchSet(KUBE_HEALTH_CHECK_NODE_PORT, DST)], target: RETURN }),
      rule({ matches: [ctstate(['NEW']), matchSet(KUBE_IPVS_IPS, DST)], target: REJECT }),
    ]),
    chain('KUBE-IPVS-OUT-FILTER', []),
  ];
  return Object.freeze({
    nat: Object.freeze({ chains: Object.freeze(natChains), jumps: IPVS_NAT_JUMPS }),
    filter: Object.freeze({ chains: Object.freeze(filterChains), jumps: IPVS_FILTER_JUMPS }),
  });
}
