/**
 * A node for KubeProxyNode tests, wired as the CNI bridge plugin and flannel leave one: node1 with cni0
 * (10.244.1.1/24) and three pods p1–p3 (10.244.1.2–4, hairpin on their ports), eth0 192.168.56.11/24 to
 * an outside host (192.168.56.100), netfilter with ipsets and flannel's masquerade/forward rules already
 * in place — then kube-proxy in the requested mode, fed by one KubeProxyRules.
 */
import { httpGet, type RequestResult, startResponder, udpRequest } from '../../src/apps/index.js';
import { KubeProxyNode, KubeProxyRules, type ProxyConfig } from '../../src/k8s/index.js';
import { NetfilterHost, NetNs, vethPair } from '../../src/net/index.js';
import { IpSets, Netfilter, parseIptablesRestore, type Table } from '../../src/netfilter/index.js';
import { SECOND } from '../../src/sim/index.js';
import { formatIp4, ip4 } from '../../src/wire/index.js';
import { type BridgeLab, threePods } from '../net/bridge-lab.js';
import { endpoint, nodeConfig, service } from './kube-proxy-fixtures.js';

export const NODE_IP = '192.168.56.11';
export const OUTSIDE_IP = '192.168.56.100';
export const WEB_VIP = '10.96.0.100';
export const DNS_VIP = '10.96.0.10';
export const P1 = '10.244.1.2';
export const P2 = '10.244.1.3';
export const P3 = '10.244.1.4';
export const WEB_NODEPORT = 30080;

/** flanneld's rules for lease 10.244.1.0/24 of 10.244.0.0/16 (flannel's iptables-restore input). */
export const FLANNEL_RULES = [
  '*nat',
  ':FLANNEL-POSTRTG - [0:0]',
  '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
  '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
  '-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
  '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  'COMMIT',
  '*filter',
  ':FLANNEL-FWD - [0:0]',
  '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
  '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
  '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

/** flannel's rules as tables (parsed over nothing). */
export function flannelTables(): readonly Table[] {
  const r = parseIptablesRestore(FLANNEL_RULES);
  if (!r.ok) throw new Error(r.error.message);
  return r.tables;
}

export interface NodeLab extends BridgeLab {
  readonly outside: NetNs;
  readonly nf: Netfilter;
  readonly sets: IpSets;
  readonly rules: KubeProxyRules;
  readonly proxy: KubeProxyNode;
  readonly config: ProxyConfig;
  /** The namespace of pod `n` (1-based). */
  pod(n: number): NetNs;
}

/** The lab with kube-proxy in `mode` (not synced yet); `rules` may be shared with another lab. */
export function nodeLab(mode: 'iptables' | 'ipvs', rules = new KubeProxyRules()): NodeLab {
  const lab = threePods();
  const { sim, node, trace } = lab;
  for (const p of lab.cni0.ports) p.hairpin = true;
  const outside = new NetNs(sim, { name: 'outside', trace });
  const [a, b] = vethPair(
    sim,
    node.deviceOptions('eth0', 0x0200000000aa, 1500),
    outside.deviceOptions('eth0', 0x0200000000bb, 1500),
  );
  node.attach(a);
  outside.attach(b);
  node.addAddress('eth0', ip4(NODE_IP), 24);
  // A Kubernetes node forwards (kubeadm's preflight check insists on it).
  node.setSysctl('net.ipv4.ip_forward', '1');
  outside.addAddress('eth0', ip4(OUTSIDE_IP), 24);
  outside.addRoute({ dst: ip4('10.96.0.0'), prefixLen: 12, gateway: ip4(NODE_IP), dev: 'eth0' });
  const nf = new Netfilter(sim, { name: 'node1', host: new NetfilterHost(node) });
  node.hooks = nf;
  const sets = new IpSets();
  for (const t of flannelTables()) {
    const r = nf.replaceTable(t);
    if (!r.ok) throw new Error(r.error);
  }
  const config = nodeConfig('node1', [NODE_IP, '10.244.1.1'], { mode });
  const proxy = new KubeProxyNode({ ns: node, nf, sets, config });
  const pod = (n: number): NetNs => {
    const p = lab.pods[n - 1];
    if (p === undefined) throw new Error(`no pod ${n}`);
    return p.ns;
  };
  return { ...lab, outside, nf, sets, rules, proxy, config, pod };
}

/** Service `web` (TCP 80 → 8080, NodePort 30080) on the given pods, `dns` (UDP 53 → 5353) on p3. */
export function addServices(rules: KubeProxyRules, webPods: readonly string[] = [P2, P3]): void {
  rules.setService(
    service('web', WEB_VIP, [{ name: 'http', protocol: 'TCP', port: 80, nodePort: WEB_NODEPORT }], {
      type: 'NodePort',
    }),
  );
  rules.setEndpoints(
    'default',
    'web',
    webPods.map((ip) => endpoint(ip, 'node1', 8080)),
  );
  rules.setService(service('dns', DNS_VIP, [{ name: 'dns', protocol: 'UDP', port: 53 }]));
  rules.setEndpoints('default', 'dns', [
    endpoint(P3, 'node1', 5353, 'dns', { ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }),
  ]);
}

/** Responders: TCP 8080 in every pod, UDP 5353 in p2 and p3. */
export function startServers(lab: NodeLab): void {
  for (const n of [1, 2, 3]) {
    startResponder(lab.pod(n), { pod: `p${n}`, port: 8080 });
    if (n > 1) startResponder(lab.pod(n), { pod: `p${n}`, port: 5353, protocol: 'UDP' });
  }
}

/** curl from `ns` to `dst:port`, run to completion. */
export function curl(lab: NodeLab, ns: NetNs, dst: string, port: number): RequestResult {
  let r: RequestResult | undefined;
  httpGet(ns, { dst: ip4(dst), port, timeoutNs: 5 * SECOND }, (x) => {
    r = x;
  });
  lab.sim.run({ until: lab.sim.now + 10 * SECOND });
  if (r === undefined) throw new Error('curl did not finish');
  return r;
}

/** One UDP request from `ns`, run to completion. */
export function udpAsk(lab: NodeLab, ns: NetNs, dst: string, port: number): RequestResult {
  let r: RequestResult | undefined;
  udpRequest(ns, { dst: ip4(dst), port }, (x) => {
    r = x;
  });
  lab.sim.run({ until: lab.sim.now + 2 * SECOND });
  if (r === undefined) throw new Error('udp request did not finish');
  return r;
}

/** `pod peer-ip` of an answered request, or the errno. */
export function who(r: RequestResult): string {
  return r.ok ? `${r.answer.pod} ${formatIp4(r.answer.peer.ip)}` : r.errno;
}
