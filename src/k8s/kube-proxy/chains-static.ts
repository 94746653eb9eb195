/**
 * The chains and jump rules the iptables proxier writes the same way on every sync, whatever the
 * Services are (pkg/proxy/iptables/proxier.go: iptablesJumpChains, iptablesKubeletJumpChains, the
 * KUBE-POSTROUTING / KUBE-MARK-MASQ / KUBE-FORWARD / KUBE-FIREWALL rules). KUBE-POSTROUTING and
 * KUBE-MARK-MASQ are also the IPVS proxier's.
 */

import type { Chain, Match, Rule } from '../../netfilter/index.js';
import {
  ACCEPT,
  addr,
  CT_NEW,
  chain,
  comment,
  ctstate,
  DROP,
  jump,
  MARK_MASQ_CHAIN,
  markMatch,
  RETURN,
  rule,
} from './build.js';
import type { ProxyConfig, ProxyJump } from './types.js';

/** The masquerade mark, `1 << masqueradeBit` (0x4000 by default). */
export function masqueradeMark(config: Pick<ProxyConfig, 'masqueradeBit'>): number {
  return (1 << config.masqueradeBit) >>> 0;
}

/** nat KUBE-POSTROUTING: RETURN unless marked, clear the mark (`--xor-mark`), MASQUERADE. */
export function postroutingChain(config: ProxyConfig): Chain {
  const mark = masqueradeMark(config);
  return chain('KUBE-POSTROUTING', [
    rule({ matches: [markMatch(mark, true)], target: RETURN }),
    rule({ target: { kind: 'MARK', value: mark, mask: 0 } }),
    rule({
      matches: [comment('kubernetes service traffic requiring SNAT')],
      target: { kind: 'MASQUERADE', randomFully: config.randomFully },
    }),
  ]);
}

/** nat KUBE-MARK-MASQ: `-j MARK --or-mark 0x4000` (printed `--set-xmark 0x4000/0x4000`). */
export function markMasqChain(config: ProxyConfig): Chain {
  const mark = masqueradeMark(config);
  return chain(MARK_MASQ_CHAIN, [rule({ target: { kind: 'MARK', value: mark, mask: mark } })]);
}

/**
 * filter KUBE-FORWARD: DROP ctstate INVALID (unless nf_conntrack_tcp_be_liberal; real kube-proxy also
 * counts it with `-m nfacct`, not modelled), ACCEPT marked packets, ACCEPT RELATED,ESTABLISHED.
 */
export function forwardChain(config: ProxyConfig, dropInvalid: boolean): Chain {
  const rules: Rule[] = [];
  if (dropInvalid && !config.conntrackTcpBeLiberal)
    rules.push(rule({ matches: [ctstate(['INVALID'])], target: DROP }));
  rules.push(
    rule({
      matches: [comment('kubernetes forwarding rules'), markMatch(masqueradeMark(config))],
      target: ACCEPT,
    }),
    rule({
      matches: [comment('kubernetes forwarding conntrack rule'), ctstate(['RELATED', 'ESTABLISHED'])],
      target: ACCEPT,
    }),
  );
  return chain('KUBE-FORWARD', rules);
}

const LOOPBACK_NET = 0x7f000000;

/** filter KUBE-FIREWALL, kube-proxy's copy of kubelet's anti-martian rule (only with localhostNodePorts). */
export function kubeletFirewallChain(): Chain {
  return chain('KUBE-FIREWALL', [
    rule({
      src: addr(LOOPBACK_NET, 8, true),
      dst: addr(LOOPBACK_NET, 8),
      matches: [
        comment('block incoming localnet connections'),
        ctstate(['RELATED', 'ESTABLISHED', 'DNAT'], true),
      ],
      target: DROP,
    }),
  ]);
}

/** KUBE-PROXY-CANARY: an empty chain iptables.Monitor creates in mangle, nat and filter and polls. */
export const CANARY_CHAIN: Chain = chain('KUBE-PROXY-CANARY', []);

function jumpRule(to: string, text: string | undefined, newOnly: boolean): Rule {
  const matches: Match[] = [];
  if (newOnly) matches.push(CT_NEW);
  if (text !== undefined) matches.push(comment(text));
  return rule({ matches, target: jump(to) });
}

const PORTALS = 'kubernetes service portals';
const EXTERNAL_PORTALS = 'kubernetes externally-visible service portals';
const LB_FIREWALL = 'kubernetes load balancer firewall';

/** iptables mode, nat: PREROUTING/OUTPUT → KUBE-SERVICES, POSTROUTING → KUBE-POSTROUTING. */
export const IPTABLES_NAT_JUMPS: readonly ProxyJump[] = Object.freeze([
  { chain: 'PREROUTING', rule: jumpRule('KUBE-SERVICES', PORTALS, false) },
  { chain: 'OUTPUT', rule: jumpRule('KUBE-SERVICES', PORTALS, false) },
  { chain: 'POSTROUTING', rule: jumpRule('KUBE-POSTROUTING', 'kubernetes postrouting rules', false) },
]);

/**
 * iptables mode, filter, in the order the rules end up: kube-proxy prepends each jump of
 * iptablesJumpChains in turn, so the last one ensured is on top (KUBE-PROXY-FIREWALL). KUBE-FIREWALL's
 * jumps are kubelet's: kubelet starts first and has already put them in place, so kube-proxy's
 * EnsureRule finds them and they stay below kube-proxy's, as `iptables -S` shows on real nodes.
 */
export const IPTABLES_FILTER_JUMPS: readonly ProxyJump[] = Object.freeze([
  { chain: 'INPUT', rule: jumpRule('KUBE-PROXY-FIREWALL', LB_FIREWALL, true) },
  { chain: 'INPUT', rule: jumpRule('KUBE-NODEPORTS', 'kubernetes health check service ports', false) },
  { chain: 'INPUT', rule: jumpRule('KUBE-EXTERNAL-SERVICES', EXTERNAL_PORTALS, true) },
  { chain: 'INPUT', rule: jumpRule('KUBE-FIREWALL', undefined, false) },
  { chain: 'FORWARD', rule: jumpRule('KUBE-PROXY-FIREWALL', LB_FIREWALL, true) },
  { chain: 'FORWARD', rule: jumpRule('KUBE-FORWARD', 'kubernetes forwarding rules', false) },
  { chain: 'FORWARD', rule: jumpRule('KUBE-SERVICES', PORTALS, true) },
  { chain: 'FORWARD', rule: jumpRule('KUBE-EXTERNAL-SERVICES', EXTERNAL_PORTALS, true) },
  { chain: 'OUTPUT', rule: jumpRule('KUBE-PROXY-FIREWALL', LB_FIREWALL, true) },
  { chain: 'OUTPUT', rule: jumpRule('KUBE-SERVICES', PORTALS, true) },
  { chain: 'OUTPUT', rule: jumpRule('KUBE-FIREWALL', undefined, false) },
]);

const IPVS_FIREWALL = 'kube-proxy firewall rules';
const IPVS_ACCESS = 'kubernetes ipvs access filter';

/** IPVS mode (pkg/proxy/ipvs/proxier.go iptablesJumpChain, each prepended in turn). */
export const IPVS_NAT_JUMPS: readonly ProxyJump[] = IPTABLES_NAT_JUMPS;

/** IPVS mode, filter, in the order the rules end up (the last prepended first). */
export const IPVS_FILTER_JUMPS: readonly ProxyJump[] = Object.freeze([
  { chain: 'INPUT', rule: jumpRule('KUBE-IPVS-FILTER', IPVS_ACCESS, false) },
  { chain: 'INPUT', rule: jumpRule('KUBE-PROXY-FIREWALL', IPVS_FIREWALL, false) },
  { chain: 'INPUT', rule: jumpRule('KUBE-NODE-PORT', 'kubernetes health check rules', false) },
  { chain: 'FORWARD', rule: jumpRule('KUBE-PROXY-FIREWALL', IPVS_FIREWALL, false) },
  { chain: 'FORWARD', rule: jumpRule('KUBE-FORWARD', 'kubernetes forwarding rules', false) },
  { chain: 'OUTPUT', rule: jumpRule('KUBE-IPVS-OUT-FILTER', IPVS_ACCESS, false) },
]);
