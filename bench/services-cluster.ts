/**
 * The Service set the Services benchmarks run on, and a node to install it in. N ClusterIP Services,
 * each with one TCP port 80 and three ready endpoints (target port 8080) on pods spread over the nodes
 * of a flannel-style cluster: node k (node1 … nodeK) owns 10.244.(k−1).0/24 and has eth0 at
 * 192.168.56.(10+k). ClusterIPs are drawn without repeats from 10.96.0.0/12 by a seeded stream, so a
 * Service's place in KUBE-SERVICES (kube-proxy writes Services sorted by namespace/name) has nothing to
 * do with its address.
 */
import {
  defaultProxyConfig,
  KubeProxyRules,
  type ProxyConfig,
  type ProxyEndpoint,
  type ProxyService,
  type ProxyTableRules,
} from '../src/k8s/index.js';
import { Dummy, NetfilterHost, NetNs } from '../src/net/index.js';
import { IpSets, Netfilter } from '../src/netfilter/index.js';
import { Rng, Sim, TraceBus } from '../src/sim/index.js';
import { type EthernetFrame, type Ip4, ip4 } from '../src/wire/index.js';

export const CLUSTER_CIDR = '10.244.0.0/16';
const SERVICE_NET = ip4('10.96.0.0');
const SERVICE_SIZE = 1 << 20; // a /12
const POD_NET = ip4('10.244.0.0');
const NODE_NET = ip4('192.168.56.0');
export const SERVICE_PORT = 80;
export const TARGET_PORT = 8080;
/** Namespaces the Services are spread over (they decide, with the names, the order of the rules). */
const NAMESPACES = 20;

/** What {@link serviceSet} built: kube-proxy's view, and where each Service sits. */
export interface ServiceSet {
  readonly rules: KubeProxyRules;
  /** ClusterIPs in creation order. */
  readonly clusterIPs: readonly Ip4[];
  /** ClusterIPs in the order kube-proxy writes them to KUBE-SERVICES (namespace/name order). */
  readonly inRuleOrder: readonly Ip4[];
}

/** The name of node `k` (1-based) and its pod subnet's first address. */
export function nodeName(k: number): string {
  return `node${k}`;
}

export function podSubnet(k: number): Ip4 {
  return (POD_NET + (k - 1) * 256) >>> 0;
}

/** kube-proxy's default configuration of node `k` (iptables mode). */
export function nodeConfig(k: number, mode: 'iptables' | 'ipvs' = 'iptables'): ProxyConfig {
  return { ...defaultProxyConfig(nodeName(k), [(NODE_NET + 10 + k) >>> 0], CLUSTER_CIDR), mode };
}

/**
 * `services` Services × `endpointsPerService` endpoints on `nodes` nodes, drawn from `seed`. Every
 * endpoint is a pod address 10.244.(k−1).2–254 on a random node k; a pod may back several Services.
 */
export function serviceSet(services: number, nodes: number, seed = 1, endpointsPerService = 3): ServiceSet {
  const rng = new Rng(seed, 'bench/services');
  const rules = new KubeProxyRules();
  const taken = new Set<number>();
  const clusterIPs: Ip4[] = [];
  const byKey: Array<[string, Ip4]> = [];
  for (let i = 0; i < services; i++) {
    // Not the network address, not 10.96.0.1 (the `kubernetes` Service), not the broadcast address.
    let off = rng.int(2, SERVICE_SIZE - 2);
    while (taken.has(off)) off = rng.int(2, SERVICE_SIZE - 2);
    taken.add(off);
    const clusterIP = (SERVICE_NET + off) >>> 0;
    const svc = clusterIpService(`ns${i % NAMESPACES}`, `svc${i}`, clusterIP);
    const ips = new Set<Ip4>();
    const endpoints: ProxyEndpoint[] = [];
    while (endpoints.length < endpointsPerService) {
      const k = rng.int(1, nodes);
      const ip = (podSubnet(k) + rng.int(2, 254)) >>> 0;
      if (ips.has(ip)) continue;
      ips.add(ip);
      endpoints.push({
        ip,
        nodeName: nodeName(k),
        ready: true,
        serving: true,
        terminating: false,
        ports: [{ name: 'http', port: TARGET_PORT, protocol: 'TCP' }],
      });
    }
    rules.setService(svc);
    rules.setEndpoints(svc.namespace, svc.name, endpoints);
    clusterIPs.push(clusterIP);
    byKey.push([`${svc.namespace}/${svc.name}`, clusterIP]);
  }
  byKey.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { rules, clusterIPs, inRuleOrder: byKey.map(([, ip]) => ip) };
}

function clusterIpService(namespace: string, name: string, clusterIP: Ip4): ProxyService {
  return {
    namespace,
    name,
    type: 'ClusterIP',
    clusterIP,
    ports: [{ name: 'http', protocol: 'TCP', port: SERVICE_PORT }],
    externalIPs: [],
    loadBalancerIPs: [],
    sessionAffinity: 'None',
    affinityTimeoutSeconds: 10800,
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
  };
}

/** A node namespace with the devices a flannel node has (as dummies: the hooks only read names). */
export interface BenchNode {
  readonly k: number;
  readonly sim: Sim;
  readonly ns: NetNs;
  readonly nf: Netfilter;
  /** The namespace's ipsets, which `nf` tests `-m set` against (IPVS mode fills them). */
  readonly sets: IpSets;
}

/**
 * Node `k`'s namespace with eth0, cni0 (10.244.(k−1).1/24) and flannel.1 (10.244.(k−1).0/32), its
 * netfilter engine (with the namespace's ipsets) plugged in as the stack's hooks. Nodes built with the same `sim` share its clock.
 */
export function benchNode(k: number, sim = new Sim({ seed: 1 })): BenchNode {
  const ns = new NetNs(sim, { name: nodeName(k), trace: new TraceBus<EthernetFrame>() });
  const dummy = (name: string, ip: Ip4, len: number) => {
    ns.attach(new Dummy(sim, ns.deviceOptions(name, sim.rng(`mac/${ns.name}/${name}`).mac(), 1500)));
    ns.setLinkUp(name, true);
    ns.addAddress(name, ip, len);
  };
  dummy('eth0', (NODE_NET + 10 + k) >>> 0, 24);
  dummy('cni0', (podSubnet(k) + 1) >>> 0, 24);
  dummy('flannel.1', podSubnet(k), 32);
  ns.setSysctl('net.ipv4.ip_forward', '1');
  const sets = new IpSets();
  const nf = new Netfilter(sim, { name: ns.name, host: new NetfilterHost(ns), sets });
  ns.hooks = nf;
  return { k, sim, ns, nf, sets };
}

/** Rules in a table of kube-proxy's output, the jumps from the built-in chains included. */
export function ruleCount(t: ProxyTableRules): number {
  let n = t.jumps.length;
  for (const c of t.chains) n += c.rules.length;
  return n;
}
