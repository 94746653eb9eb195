/**
 * The per-service nat chains of the iptables proxier: KUBE-SEP-… (hairpin mark + DNAT), the endpoint
 * dispatch of KUBE-SVC-… / KUBE-SVL-… (writeServiceToEndpointRules: `-m recent` affinity rules, then one
 * `-m statistic` rule per endpoint but the last), and KUBE-EXT-… (masquerade or short-circuit for external
 * destinations), mirroring pkg/proxy/iptables/proxier.go syncProxyRules.
 */

import type { AddrMatch, Chain, Match, Rule } from '../../netfilter/index.js';
import { addr, chain, comment, jump, l4, rule, SRC_LOCAL, TO_MARK_MASQ } from './build.js';
import type { PortEndpoint } from './endpoints.js';
import { endpointChainName } from './hash.js';
import { formatProbability, storedProbability } from './probability.js';
import type { ServicePortInfo } from './service-port.js';

/** What the per-service rules depend on besides the service itself (the same on many nodes). */
export interface IptablesContext {
  /** `masqueradeAll`: every packet to a cluster IP is marked for masquerade. */
  readonly masqueradeAll: boolean;
  /** More than 1000 endpoints in all: per-endpoint comments are left out (largeClusterMode). */
  readonly largeCluster: boolean;
  /** `-s <clusterCIDR>` (LocalTrafficDetector.IfLocal); undefined when there is no cluster CIDR. */
  readonly podSource: AddrMatch | undefined;
  /** `! -s <clusterCIDR>` (IfNotLocal). */
  readonly notPodSource: AddrMatch | undefined;
}

/** Memoised chain names and SEP chains of one service port (SEP chains are the same on every node). */
export class EndpointChains {
  private readonly names = new Map<string, string>();
  private readonly chains = new Map<string, Chain>();
  private readonly spnComment: Match;

  constructor(
    private readonly ctx: IptablesContext,
    private readonly info: ServicePortInfo,
  ) {
    this.spnComment = comment(info.spn);
  }

  /** KUBE-SEP-… of an endpoint. */
  name(ep: PortEndpoint): string {
    let n = this.names.get(ep.key);
    if (n === undefined) {
      n = endpointChainName(this.info.spn, this.info.proto, ep.key);
      this.names.set(ep.key, n);
    }
    return n;
  }

  /** The KUBE-SEP-… chain: `-s EP -j KUBE-MARK-MASQ` (hairpin), then DNAT (with `recent --set` for affinity). */
  chain(ep: PortEndpoint): Chain {
    let c = this.chains.get(ep.key);
    if (c !== undefined) return c;
    const name = this.name(ep);
    const head: Match[] = this.ctx.largeCluster ? [] : [this.spnComment];
    const dnatMatches = [...head];
    if (this.info.affinitySeconds !== undefined) dnatMatches.push(recent(name, 'set', undefined));
    const l4any = l4(this.info.protocol);
    if (l4any !== undefined) dnatMatches.push(l4any);
    c = chain(name, [
      rule({ src: addr(ep.ip, 32), matches: head, target: TO_MARK_MASQ }),
      rule({
        proto: this.info.protocol,
        matches: dnatMatches,
        target: Object.freeze({ kind: 'DNAT', toAddr: ep.ip, toPort: ep.port }),
      }),
    ]);
    this.chains.set(ep.key, c);
    return c;
  }
}

/** `-m recent --name N --rcheck --seconds S --reap` / `--set` (mask /32, rsource: iptables' defaults). */
function recent(name: string, op: 'set' | 'rcheck', seconds: number | undefined): Match {
  const m = {
    kind: 'recent' as const,
    name,
    op,
    reap: op === 'rcheck',
    mask: 0xffffffff,
    side: 'rsource' as const,
  };
  return Object.freeze(seconds === undefined ? m : { ...m, seconds });
}

/**
 * The rules of a KUBE-SVC-… or KUBE-SVL-… chain after `leading`: for ClientIP affinity one `recent
 * --rcheck` rule per endpoint, then per endpoint `-m statistic --probability 1/(n−i)` except the last.
 */
export function dispatchRules(
  ctx: IptablesContext,
  info: ServicePortInfo,
  endpoints: readonly PortEndpoint[],
  seps: EndpointChains,
  leading: readonly Rule[],
): Rule[] {
  const rules = [...leading];
  const perEndpointComment = (ep: PortEndpoint): Match[] =>
    ctx.largeCluster ? [] : [comment(`${info.spn} -> ${ep.key}`)];
  if (info.affinitySeconds !== undefined) {
    for (const ep of endpoints) {
      const name = seps.name(ep);
      const matches = perEndpointComment(ep);
      matches.push(recent(name, 'rcheck', info.affinitySeconds));
      rules.push(rule({ matches, target: jump(name) }));
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const matches = perEndpointComment(ep);
    if (i < n - 1) matches.push(statistic(n - i));
    rules.push(rule({ matches, target: jump(seps.name(ep)) }));
  });
  return rules;
}

const STATISTIC = new Map<number, Match>();

/** `-m statistic --mode random --probability 1/k`, one shared record per k. */
function statistic(k: number): Match {
  let m = STATISTIC.get(k);
  if (m === undefined) {
    m = Object.freeze({ kind: 'statistic', stored: storedProbability(formatProbability(k)), invert: false });
    STATISTIC.set(k, m);
  }
  return m;
}

/**
 * The masquerade rule at the top of the internal-traffic chain: `-d ClusterIP --dport P` with
 * masqueradeAll, or `! -s <clusterCIDR>` (off-cluster sources) when the local detector is set, else none.
 */
export function internalMasqRule(ctx: IptablesContext, info: ServicePortInfo): Rule | undefined {
  if (!ctx.masqueradeAll && ctx.notPodSource === undefined) return undefined;
  const matches = [comment(`${info.spn} cluster IP`)];
  const l4port = l4(info.protocol, info.port);
  if (l4port !== undefined) matches.push(l4port);
  const dst = addr(info.clusterIP, 32);
  if (ctx.masqueradeAll || ctx.notPodSource === undefined) {
    return rule({ dst, proto: info.protocol, matches, target: TO_MARK_MASQ });
  }
  return rule({ src: ctx.notPodSource, dst, proto: info.protocol, matches, target: TO_MARK_MASQ });
}

/**
 * KUBE-EXT-…: Cluster policy masquerades everything then goes to KUBE-SVC; Local policy sends pod
 * traffic (short-circuit) and node-originated traffic (masqueraded) to KUBE-SVC, and the rest to
 * KUBE-SVL when this node has local endpoints.
 */
export function externalChain(
  ctx: IptablesContext,
  info: ServicePortInfo,
  hasExternalEndpoints: boolean,
): Chain {
  const { spn } = info;
  const { svc, svl, ext } = info.chains;
  const rules: Rule[] = [];
  if (!info.externalPolicyLocal) {
    rules.push(
      rule({
        matches: [comment(`masquerade traffic for ${spn} external destinations`)],
        target: TO_MARK_MASQ,
      }),
    );
  } else {
    if (ctx.podSource !== undefined) {
      rules.push(
        rule({
          src: ctx.podSource,
          matches: [comment(`pod traffic for ${spn} external destinations`)],
          target: jump(svc),
        }),
      );
    }
    rules.push(
      rule({
        matches: [comment(`masquerade LOCAL traffic for ${spn} external destinations`), SRC_LOCAL],
        target: TO_MARK_MASQ,
      }),
      rule({
        matches: [comment(`route LOCAL traffic for ${spn} external destinations`), SRC_LOCAL],
        target: jump(svc),
      }),
    );
  }
  if (hasExternalEndpoints) rules.push(rule({ target: jump(info.externalPolicyLocal ? svl : svc) }));
  return chain(ext, rules);
}
