/**
 * Everything the iptables proxier writes for one service port on one node: the body of the
 * `for svcName, svc := range proxier.svcPortMap` loop of syncProxyRules. The pieces that cannot differ
 * between nodes (KUBE-SVC and KUBE-SEP chains, the Cluster-policy KUBE-EXT chain) are built once per
 * service port and shared; only Local-policy ports get per-node variants, one per set of local endpoints.
 */

import type { Chain, Match, Rule, Target } from '../../netfilter/index.js';
import { ACCEPT, addr, DROP, DST_LOCAL, jump, l4, REJECT, rule, comment as tcomment } from './build.js';
import {
  dispatchRules,
  EndpointChains,
  externalChain,
  type IptablesContext,
  internalMasqRule,
} from './chains-nat.js';
import { categorize, type PortEndpoint } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

/** One service port's contribution to each of kube-proxy's chains, in the order it writes them. */
export interface PortRules {
  /** nat KUBE-SERVICES: cluster IP, external IPs, load-balancer IPs. */
  readonly natServices: readonly Rule[];
  /** nat KUBE-NODEPORTS. */
  readonly natNodePorts: readonly Rule[];
  /** The port's own nat chains: KUBE-EXT, KUBE-SVC, KUBE-SVL, then the reachable KUBE-SEP chains. */
  readonly natChains: readonly Chain[];
  /** filter KUBE-SERVICES (REJECT/DROP for the cluster IP). */
  readonly filterServices: readonly Rule[];
  /** filter KUBE-EXTERNAL-SERVICES (REJECT/DROP for external IPs, LB IPs and the NodePort). */
  readonly filterExternal: readonly Rule[];
  /** filter KUBE-NODEPORTS (ACCEPT the health-check NodePort). */
  readonly filterNodePorts: readonly Rule[];
}

const EMPTY: PortRules = Object.freeze({
  natServices: [],
  natNodePorts: [],
  natChains: [],
  filterServices: [],
  filterExternal: [],
  filterNodePorts: [],
});

/** The shared state of one service port in one configuration: its variants by local-endpoint set. */
export class PortRulesCache {
  private readonly seps: EndpointChains;
  private readonly variants = new Map<string, PortRules>();
  private svcChain: Chain | undefined;
  private readonly extChains = new Map<boolean, Chain>();

  constructor(
    private readonly ctx: IptablesContext,
    readonly info: ServicePortInfo,
  ) {
    this.seps = new EndpointChains(ctx, info);
  }

  /**
   * The port's rules on a node; `localKey` names the node's local endpoints ('' when the port does not
   * use Local policy) and `isLocal` tells them apart. Equal keys give the very same record.
   */
  rules(localKey: string, isLocal: (e: PortEndpoint) => boolean): PortRules {
    let r = this.variants.get(localKey);
    if (r === undefined) {
      r = this.build(isLocal);
      this.variants.set(localKey, r);
    }
    return r;
  }

  private build(isLocal: (e: PortEndpoint) => boolean): PortRules {
    const { ctx, info } = this;
    // SCTP needs `-m sctp --dport`, which the rule model does not have: no iptables rules for SCTP ports.
    if (info.protocol === 'SCTP') return EMPTY;
    const cat = categorize(info.endpoints, info.use, isLocal, info.cluster);
    const { svc, svl, ext } = info.chains;
    const usesClusterChain = cat.cluster.length > 0 && info.use.usesCluster;
    const usesLocalChain = cat.local.length > 0 && info.use.usesLocal;
    const hasInternal = cat.hasAny && !(info.internalPolicyLocal && cat.local.length === 0);
    const hasExternal = cat.hasAny && !(info.externalPolicyLocal && cat.local.length === 0);
    const internalChain = info.internalPolicyLocal ? svl : svc;
    const usesExtChain = cat.hasAny && info.externallyAccessible;

    // REJECT when there is no endpoint at all, DROP when only local ones are missing.
    const noEndpoints = !cat.hasAny;
    const filterTarget: Target = noEndpoints ? REJECT : DROP;
    const filterComment = tcomment(
      noEndpoints ? `${info.spn} has no endpoints` : `${info.spn} has no local endpoints`,
    );
    const dport = (port: number): Match[] => {
      const m = l4(info.protocol, port);
      return m === undefined ? [] : [m];
    };
    const toVip = (ip: number, text: Match, target: Target): Rule =>
      rule({ dst: addr(ip, 32), proto: info.protocol, matches: [text, ...dport(info.port)], target });

    const natServices: Rule[] = [];
    const natNodePorts: Rule[] = [];
    const filterServices: Rule[] = [];
    const filterExternal: Rule[] = [];
    const filterNodePorts: Rule[] = [];

    if (hasInternal)
      natServices.push(toVip(info.clusterIP, tcomment(`${info.spn} cluster IP`), jump(internalChain)));
    else filterServices.push(toVip(info.clusterIP, filterComment, filterTarget));

    for (const ip of info.externalIPs) {
      if (cat.hasAny) natServices.push(toVip(ip, tcomment(`${info.spn} external IP`), jump(ext)));
      if (!hasExternal) filterExternal.push(toVip(ip, filterComment, filterTarget));
    }
    for (const ip of info.loadBalancerIPs) {
      if (cat.hasAny) natServices.push(toVip(ip, tcomment(`${info.spn} loadbalancer IP`), jump(ext)));
    }
    if (!hasExternal) {
      for (const ip of info.loadBalancerIPs) filterExternal.push(toVip(ip, filterComment, filterTarget));
    }
    if (info.nodePort !== 0) {
      // Real kube-proxy (≥ 1.29, nfacct available) first writes a `-d 127.0.0.0/8 … -m nfacct` copy of this
      // rule that only counts localhost NodePort traffic; the rule model has no nfacct match.
      if (cat.hasAny) {
        natNodePorts.push(
          rule({
            proto: info.protocol,
            matches: [tcomment(info.spn), ...dport(info.nodePort)],
            target: jump(ext),
          }),
        );
      }
      if (!hasExternal) {
        filterExternal.push(
          rule({
            proto: info.protocol,
            matches: [filterComment, DST_LOCAL, ...dport(info.nodePort)],
            target: filterTarget,
          }),
        );
      }
    }
    if (info.healthCheckNodePort !== 0) {
      filterNodePorts.push(
        rule({
          proto: 'TCP',
          matches: [tcomment(`${info.spn} health check node port`), ...tcpPort(info.healthCheckNodePort)],
          target: ACCEPT,
        }),
      );
    }

    const natChains: Chain[] = [];
    if (usesExtChain) natChains.push(this.ext(hasExternal));
    if (usesClusterChain) natChains.push(this.svc(cat.cluster, hasInternal));
    if (usesLocalChain) {
      const masq = info.internalPolicyLocal && hasInternal ? internalMasqRule(ctx, info) : undefined;
      natChains.push(
        chainOf(svl, dispatchRules(ctx, info, cat.local, this.seps, masq === undefined ? [] : [masq])),
      );
    }
    for (const ep of cat.reachable) natChains.push(this.seps.chain(ep));
    return Object.freeze({
      natServices,
      natNodePorts,
      natChains,
      filterServices,
      filterExternal,
      filterNodePorts,
    });
  }

  /** KUBE-SVC-…, the same on every node (no topology): leading masquerade rule when it is the internal chain. */
  private svc(cluster: readonly PortEndpoint[], hasInternal: boolean): Chain {
    if (this.svcChain === undefined) {
      const { ctx, info } = this;
      const masq = !info.internalPolicyLocal && hasInternal ? internalMasqRule(ctx, info) : undefined;
      this.svcChain = chainOf(
        info.chains.svc,
        dispatchRules(ctx, info, cluster, this.seps, masq ? [masq] : []),
      );
    }
    return this.svcChain;
  }

  private ext(hasExternal: boolean): Chain {
    let c = this.extChains.get(hasExternal);
    if (c === undefined) {
      c = externalChain(this.ctx, this.info, hasExternal);
      this.extChains.set(hasExternal, c);
    }
    return c;
  }
}

function tcpPort(port: number): Match[] {
  const m = l4('TCP', port);
  return m === undefined ? [] : [m];
}

function chainOf(name: string, rules: Rule[]): Chain {
  return Object.freeze({ name, policy: undefined, rules: Object.freeze(rules) });
}
