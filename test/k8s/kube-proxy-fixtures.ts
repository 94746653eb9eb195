/** Small builders for kube-proxy tests: Services, endpoints and node configurations. */
import {
  defaultProxyConfig,
  type ProxyConfig,
  type ProxyEndpoint,
  type ProxyService,
  type ProxyServicePort,
  type ProxyTableRules,
} from '../../src/k8s/index.js';
import { BUILTIN_CHAINS, type Chain, type Rule, type TableName } from '../../src/netfilter/index.js';
// iptables-save's printer (not yet re-exported by netfilter/index.ts).
import { formatIptablesSave, formatRule } from '../../src/netfilter/save.js';
import { ip4 } from '../../src/wire/index.js';

export const CLUSTER_CIDR = '10.244.0.0/16';

/** A ClusterIP Service with the given overrides. */
export function service(
  name: string,
  clusterIP: string,
  ports: ProxyServicePort[],
  extra: Partial<ProxyService> = {},
) {
  const base: ProxyService = {
    namespace: 'default',
    name,
    type: 'ClusterIP',
    clusterIP: ip4(clusterIP),
    ports,
    externalIPs: [],
    loadBalancerIPs: [],
    sessionAffinity: 'None',
    affinityTimeoutSeconds: 10800,
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
  };
  return { ...base, ...extra };
}

/** A ready endpoint on `node` serving the named TCP port. */
export function endpoint(
  ip: string,
  node: string,
  port: number,
  portName = 'http',
  extra: Partial<ProxyEndpoint> = {},
) {
  const base: ProxyEndpoint = {
    ip: ip4(ip),
    nodeName: node,
    ready: true,
    serving: true,
    terminating: false,
    ports: [{ name: portName, port, protocol: 'TCP' }],
  };
  return { ...base, ...extra };
}

/** kube-proxy defaults for a node (iptables mode). */
export function nodeConfig(name: string, ips: string[], extra: Partial<ProxyConfig> = {}): ProxyConfig {
  return { ...defaultProxyConfig(name, ips.map(ip4), CLUSTER_CIDR), ...extra };
}

/** The chain called `name` in a table's output. */
export function chainOf(t: ProxyTableRules, name: string): Chain | undefined {
  return t.chains.find((c) => c.name === name);
}

/** A chain's rules as iptables-save prints them. */
export function printChain(c: Chain | undefined): string[] {
  return c === undefined ? [] : c.rules.map((r: Rule) => formatRule(c.name, r));
}

/** A table's jump rules as iptables-save prints them (in their built-in chains). */
export function printJumps(t: ProxyTableRules): string[] {
  return t.jumps.map((j) => formatRule(j.chain, j.rule));
}

/** One table with its built-in chains (ACCEPT, holding the jumps) and kube-proxy's chains, minus `skip`. */
export function asTable(name: TableName, t: ProxyTableRules, skip: ReadonlySet<string> = new Set()) {
  const chains = new Map<string, Chain>();
  for (const b of BUILTIN_CHAINS[name]) {
    chains.set(b, {
      name: b,
      policy: 'ACCEPT',
      rules: t.jumps.filter((j) => j.chain === b).map((j) => j.rule),
    });
  }
  for (const c of t.chains) if (!skip.has(c.name)) chains.set(c.name, c);
  return { name, chains };
}

/** `iptables-save -t NAME` of one table of kube-proxy's output. */
export function saveTable(
  name: TableName,
  t: ProxyTableRules,
  skip: ReadonlySet<string> = new Set(),
): string {
  return formatIptablesSave([asTable(name, t, skip)]);
}
