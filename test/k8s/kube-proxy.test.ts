import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  endpointChainName,
  formatProbability,
  KubeProxyRules,
  kubeProxySysctls,
  serviceChainNames,
  storedProbability,
} from '../../src/k8s/index.js';
// netfilter's own conversion (not yet re-exported by netfilter/index.ts).
import { kubeProxyProbability, parseProbability } from '../../src/netfilter/probability.js';
import { ip4 } from '../../src/wire/index.js';
import {
  chainOf,
  endpoint,
  nodeConfig,
  printChain,
  printJumps,
  saveTable,
  service,
} from './kube-proxy-fixtures.js';

const node1 = nodeConfig('node1', ['192.168.56.11', '10.244.1.0', '10.244.1.1']);
const node2 = nodeConfig('node2', ['192.168.56.12', '10.244.2.0', '10.244.2.1']);

/** reference kube-proxy.md §7: default/web:http, 10.96.0.100:80 → 10.244.1.3:8080, 10.244.2.2:8080. */
function webCluster(extra: Parameters<typeof service>[3] = {}) {
  const k = new KubeProxyRules();
  k.setService(service('web', '10.96.0.100', [{ name: 'http', protocol: 'TCP', port: 80 }], extra));
  k.setEndpoints('default', 'web', [
    endpoint('10.244.2.2', 'node2', 8080),
    endpoint('10.244.1.3', 'node1', 8080),
  ]);
  return k;
}

describe('kube-proxy chain names', () => {
  it('serviceChainNames() matches the hashes real clusters show (reference §3)', () => {
    expect(serviceChainNames('default/kubernetes:https', 'tcp').svc).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(serviceChainNames('kube-system/kube-dns:dns', 'udp').svc).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(serviceChainNames('kube-system/kube-dns:dns-tcp', 'tcp').svc).toBe('KUBE-SVC-ERIFXISQEP7F7OF4');
    expect(serviceChainNames('kube-system/kube-dns:metrics', 'tcp').svc).toBe('KUBE-SVC-JD5MR3NA4I4DYORP');
  });

  it('SVC, SVL, EXT and FW chains of one port share the hash; SEP hashes include the endpoint (§7)', () => {
    const n = serviceChainNames('default/web:http', 'tcp');
    expect(n).toEqual({
      svc: 'KUBE-SVC-CDGGSHYLG3RE2FKL',
      svl: 'KUBE-SVL-CDGGSHYLG3RE2FKL',
      ext: 'KUBE-EXT-CDGGSHYLG3RE2FKL',
      fw: 'KUBE-FW-CDGGSHYLG3RE2FKL',
    });
    expect(endpointChainName('default/web:http', 'tcp', '10.244.1.3:8080')).toBe('KUBE-SEP-2AZ33KU3V5PGPQZH');
    expect(endpointChainName('default/web:http', 'tcp', '10.244.2.2:8080')).toBe('KUBE-SEP-4EX2N4PG4ASNZOBF');
  });
});

describe('kube-proxy statistic probabilities', () => {
  it('formatProbability/storedProbability reproduce the §4 table', () => {
    const table: [number, string, number][] = [
      [2, '0.5000000000', 1073741824],
      [3, '0.3333333333', 715827883],
      [4, '0.2500000000', 536870912],
      [5, '0.2000000000', 429496730],
      [6, '0.1666666667', 357913941],
      [10, '0.1000000000', 214748365],
    ];
    for (const [n, text, stored] of table) {
      expect(formatProbability(n)).toBe(text);
      expect(storedProbability(text)).toBe(stored);
    }
  });

  it('agrees with netfilter/probability.ts for every endpoint count up to 5000', () => {
    for (let n = 1; n <= 5000; n++) {
      expect(formatProbability(n)).toBe(kubeProxyProbability(n));
      expect(storedProbability(formatProbability(n))).toBe(parseProbability(formatProbability(n)));
    }
  });

  it('formatProbability(2048) rounds the exact tie to even as Go %0.10f does', () => {
    expect(formatProbability(2048)).toBe('0.0004882812');
    expect(formatProbability(1024)).toBe('0.0009765625');
  });
});

describe('kube-proxy iptables mode', () => {
  it('reproduces the §7 iptables-save -t nat dump of one ClusterIP service', () => {
    const nat = webCluster().iptables(node1).nat;
    // KUBE-PROXY-CANARY (made by iptables.Monitor) is not in the lab dump, which was loaded by hand.
    const text = saveTable('nat', nat, new Set(['KUBE-PROXY-CANARY']));
    expect(text).toBe(readFileSync('test/fixtures/iptables/kube-proxy-ref7.save', 'utf8'));
  });

  it('writes the nat chains in kube-proxy order, with the canary chain in every table', () => {
    const out = webCluster().iptables(node1);
    expect(out.nat.chains.map((c) => c.name)).toEqual([
      'KUBE-SERVICES',
      'KUBE-NODEPORTS',
      'KUBE-POSTROUTING',
      'KUBE-MARK-MASQ',
      'KUBE-SVC-CDGGSHYLG3RE2FKL',
      'KUBE-SEP-2AZ33KU3V5PGPQZH',
      'KUBE-SEP-4EX2N4PG4ASNZOBF',
      'KUBE-PROXY-CANARY',
    ]);
    expect(out.filter.chains.map((c) => c.name)).toEqual([
      'KUBE-SERVICES',
      'KUBE-EXTERNAL-SERVICES',
      'KUBE-FORWARD',
      'KUBE-NODEPORTS',
      'KUBE-PROXY-FIREWALL',
      'KUBE-FIREWALL',
      'KUBE-PROXY-CANARY',
    ]);
    expect(out.mangle.chains.map((c) => c.name)).toEqual(['KUBE-PROXY-CANARY']);
  });

  it('orders the filter jumps as kube-proxy prepends them, with ctstate NEW where it asks for it', () => {
    const f = webCluster().iptables(node1).filter;
    expect(printJumps(f)).toEqual([
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A INPUT -j KUBE-FIREWALL',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -j KUBE-FIREWALL',
    ]);
    expect(printChain(chainOf(f, 'KUBE-FORWARD'))).toEqual([
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ]);
    expect(printChain(chainOf(f, 'KUBE-FIREWALL'))).toEqual([
      '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ]);
  });

  it('without localhostNodePorts excludes 127.0.0.0/8 from the NodePort jump and drops KUBE-FIREWALL', () => {
    const out = webCluster().iptables({ ...node1, localhostNodePorts: false });
    const services = printChain(chainOf(out.nat, 'KUBE-SERVICES'));
    expect(services.at(-1)).toBe(
      '-A KUBE-SERVICES ! -d 127.0.0.0/8 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    );
    expect(chainOf(out.filter, 'KUBE-FIREWALL')).toBeUndefined();
  });

  it('routes a NodePort through KUBE-NODEPORTS and a masquerading KUBE-EXT chain', () => {
    const k = webCluster({
      type: 'NodePort',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }],
    });
    const nat = k.iptables(node1).nat;
    expect(printChain(chainOf(nat, 'KUBE-NODEPORTS'))).toEqual([
      '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL',
    ]);
    expect(printChain(chainOf(nat, 'KUBE-EXT-CDGGSHYLG3RE2FKL'))).toEqual([
      '-A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL',
    ]);
    expect(nat.chains.map((c) => c.name).indexOf('KUBE-EXT-CDGGSHYLG3RE2FKL')).toBeLessThan(
      nat.chains.map((c) => c.name).indexOf('KUBE-SVC-CDGGSHYLG3RE2FKL'),
    );
  });

  it('sends ExternalIPs and LoadBalancer IPs to KUBE-EXT with their own comments', () => {
    const k = webCluster({
      type: 'LoadBalancer',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }],
      externalIPs: [ip4('192.168.56.200')],
      loadBalancerIPs: [ip4('172.18.255.201')],
    });
    const rules = printChain(chainOf(k.iptables(node1).nat, 'KUBE-SERVICES'));
    expect(rules.slice(0, 3)).toEqual([
      '-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL',
      '-A KUBE-SERVICES -d 192.168.56.200/32 -p tcp -m comment --comment "default/web:http external IP" -m tcp --dport 80 -j KUBE-EXT-CDGGSHYLG3RE2FKL',
      '-A KUBE-SERVICES -d 172.18.255.201/32 -p tcp -m comment --comment "default/web:http loadbalancer IP" -m tcp --dport 80 -j KUBE-EXT-CDGGSHYLG3RE2FKL',
    ]);
  });

  it('REJECTs a service with no endpoints in filter and writes no nat chains for it', () => {
    const k = new KubeProxyRules();
    k.setService(
      service('web', '10.96.0.100', [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }], {
        type: 'NodePort',
        externalIPs: [ip4('192.168.56.200')],
      }),
    );
    const out = k.iptables(node1);
    expect(printChain(chainOf(out.filter, 'KUBE-SERVICES'))).toEqual([
      '-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    ]);
    expect(printChain(chainOf(out.filter, 'KUBE-EXTERNAL-SERVICES'))).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -d 192.168.56.200/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable',
    ]);
    expect(out.nat.chains.filter((c) => /^KUBE-(SVC|SVL|EXT|SEP)-/.test(c.name))).toEqual([]);
    expect(printChain(chainOf(out.nat, 'KUBE-NODEPORTS'))).toEqual([]);
  });

  it('uses serving+terminating endpoints when none is ready', () => {
    const k = webCluster();
    k.setEndpoints('default', 'web', [
      endpoint('10.244.1.3', 'node1', 8080, 'http', { ready: false, serving: true, terminating: true }),
      endpoint('10.244.2.2', 'node2', 8080, 'http', { ready: false, serving: false, terminating: true }),
    ]);
    const svc = printChain(chainOf(k.iptables(node1).nat, 'KUBE-SVC-CDGGSHYLG3RE2FKL'));
    expect(svc.slice(1)).toEqual([
      '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.3:8080" -j KUBE-SEP-2AZ33KU3V5PGPQZH',
    ]);
  });

  it('gives each node its own KUBE-SVL and KUBE-EXT for externalTrafficPolicy Local, sharing KUBE-SVC', () => {
    const k = webCluster({
      type: 'NodePort',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 31234,
    });
    k.setEndpoints('default', 'web', [
      endpoint('10.244.1.3', 'node1', 8080),
      endpoint('10.244.1.4', 'node1', 8080),
    ]);
    const a = k.iptables(node1);
    const b = k.iptables(node2);
    const ext = 'KUBE-EXT-CDGGSHYLG3RE2FKL';
    expect(printChain(chainOf(a.nat, ext))).toEqual([
      `-A ${ext} -s 10.244.0.0/16 -m comment --comment "pod traffic for default/web:http external destinations" -j KUBE-SVC-CDGGSHYLG3RE2FKL`,
      `-A ${ext} -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${ext} -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-CDGGSHYLG3RE2FKL`,
      `-A ${ext} -j KUBE-SVL-CDGGSHYLG3RE2FKL`,
    ]);
    // node2 has no local endpoint: no KUBE-SVL, no final jump, and external traffic is dropped in filter.
    expect(printChain(chainOf(b.nat, ext))).toHaveLength(3);
    expect(chainOf(a.nat, 'KUBE-SVL-CDGGSHYLG3RE2FKL')).toBeDefined();
    expect(chainOf(b.nat, 'KUBE-SVL-CDGGSHYLG3RE2FKL')).toBeUndefined();
    expect(printChain(chainOf(b.filter, 'KUBE-EXTERNAL-SERVICES'))).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP',
    ]);
    expect(printChain(chainOf(a.filter, 'KUBE-EXTERNAL-SERVICES'))).toEqual([]);
    // The health-check NodePort is accepted on every node, local endpoints or not.
    for (const n of [a, b]) {
      expect(printChain(chainOf(n.filter, 'KUBE-NODEPORTS'))).toEqual([
        '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http health check node port" -m tcp --dport 31234 -j ACCEPT',
      ]);
    }
    expect(chainOf(a.nat, 'KUBE-SVC-CDGGSHYLG3RE2FKL')).toBe(chainOf(b.nat, 'KUBE-SVC-CDGGSHYLG3RE2FKL'));
    expect(a).not.toBe(b);
  });

  it('DROPs the cluster IP with internalTrafficPolicy Local on a node without local endpoints', () => {
    const k = webCluster({ internalTrafficPolicy: 'Local' });
    k.setEndpoints('default', 'web', [endpoint('10.244.1.3', 'node1', 8080)]);
    const b = k.iptables(node2);
    expect(printChain(chainOf(b.filter, 'KUBE-SERVICES'))).toEqual([
      '-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http has no local endpoints" -m tcp --dport 80 -j DROP',
    ]);
    expect(b.nat.chains.filter((c) => /^KUBE-(SVC|SVL|SEP)-/.test(c.name))).toEqual([]);
    const a = k.iptables(node1);
    expect(printChain(chainOf(a.nat, 'KUBE-SVL-CDGGSHYLG3RE2FKL'))).toEqual([
      '-A KUBE-SVL-CDGGSHYLG3RE2FKL ! -s 10.244.0.0/16 -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
      '-A KUBE-SVL-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.3:8080" -j KUBE-SEP-2AZ33KU3V5PGPQZH',
    ]);
  });

  it('writes ClientIP affinity as recent --rcheck before the statistic rules and recent --set in the SEP', () => {
    const nat = webCluster({ sessionAffinity: 'ClientIP', affinityTimeoutSeconds: 10800 }).iptables(
      node1,
    ).nat;
    expect(printChain(chainOf(nat, 'KUBE-SVC-CDGGSHYLG3RE2FKL')).slice(1)).toEqual([
      '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.3:8080" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-2AZ33KU3V5PGPQZH --mask 255.255.255.255 --rsource -j KUBE-SEP-2AZ33KU3V5PGPQZH',
      '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.2:8080" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-4EX2N4PG4ASNZOBF --mask 255.255.255.255 --rsource -j KUBE-SEP-4EX2N4PG4ASNZOBF',
      '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2AZ33KU3V5PGPQZH',
      '-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.2:8080" -j KUBE-SEP-4EX2N4PG4ASNZOBF',
    ]);
    expect(printChain(chainOf(nat, 'KUBE-SEP-2AZ33KU3V5PGPQZH'))).toEqual([
      '-A KUBE-SEP-2AZ33KU3V5PGPQZH -s 10.244.1.3/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-2AZ33KU3V5PGPQZH -p tcp -m comment --comment "default/web:http" -m recent --set --name KUBE-SEP-2AZ33KU3V5PGPQZH --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.3:8080',
    ]);
  });

  it('marks hairpin traffic (source = the endpoint) for masquerade in every SEP chain', () => {
    const nat = webCluster().iptables(node1).nat;
    for (const c of nat.chains.filter((x) => x.name.startsWith('KUBE-SEP-'))) {
      const dnat = c.rules[1]?.target;
      expect(dnat?.kind).toBe('DNAT');
      expect(c.rules[0]?.src).toMatchObject({ prefixLen: 32, invert: false });
      expect(c.rules[0]?.src?.addr).toBe(dnat?.kind === 'DNAT' ? dnat.toAddr : -1);
      expect(c.rules[0]?.target).toEqual({ kind: 'jump', chain: 'KUBE-MARK-MASQ' });
    }
  });

  it('drops per-endpoint comments above 1000 endpoints (large-cluster mode) and keeps them below', () => {
    const k = new KubeProxyRules();
    const eps = (n: number, base: number) =>
      Array.from({ length: n }, (_, i) => endpoint(`10.244.${base + (i >> 8)}.${i & 255}`, 'node1', 8080));
    k.setService(service('a', '10.96.0.1', [{ name: 'http', protocol: 'TCP', port: 80 }]));
    k.setEndpoints('default', 'a', eps(1000, 10));
    const sep = (c = k.iptables(node1).nat) => c.chains.find((x) => x.name.startsWith('KUBE-SEP-'));
    expect(sep()?.rules[0]?.matches).toEqual([{ kind: 'comment', text: 'default/a:http' }]);
    k.setService(service('b', '10.96.0.2', [{ name: 'http', protocol: 'TCP', port: 80 }]));
    k.setEndpoints('default', 'b', eps(1, 40));
    expect(sep()?.rules[0]?.matches).toEqual([]);
    const svc = chainOf(k.iptables(node1).nat, serviceChainNames('default/a:http', 'tcp').svc);
    expect(svc?.rules[1]?.matches.map((m) => m.kind)).toEqual(['statistic']);
    // The cluster-IP masquerade rule keeps its comment.
    expect(svc?.rules[0]?.matches[0]).toEqual({ kind: 'comment', text: 'default/a:http cluster IP' });
  });

  it('skips headless services entirely', () => {
    const k = new KubeProxyRules();
    k.setService({
      ...service('h', '10.96.0.9', [{ name: 'http', protocol: 'TCP', port: 80 }]),
      clusterIP: undefined,
    });
    k.setEndpoints('default', 'h', [endpoint('10.244.1.3', 'node1', 8080)]);
    const out = k.iptables(node1);
    expect(printChain(chainOf(out.nat, 'KUBE-SERVICES'))).toHaveLength(1);
    expect(printChain(chainOf(out.filter, 'KUBE-SERVICES'))).toEqual([]);
  });

  it('shares one output between nodes that see the same local endpoints, and rebuilds after a change', () => {
    const k = webCluster();
    const a = k.iptables(node1);
    expect(k.iptables(node2)).toBe(a);
    k.setEndpoints('default', 'web', [endpoint('10.244.1.3', 'node1', 8080)]);
    const c = k.iptables(node2);
    expect(c).not.toBe(a);
    expect(chainOf(c.nat, 'KUBE-SEP-4EX2N4PG4ASNZOBF')).toBeUndefined();
    // Unchanged pieces are reused across the rebuild.
    expect(chainOf(c.nat, 'KUBE-POSTROUTING')).toBe(chainOf(a.nat, 'KUBE-POSTROUTING'));
  });
});

describe('kube-proxy sysctls', () => {
  it('lists conntrack sizing and route_localnet in iptables mode', () => {
    expect(kubeProxySysctls(node1, { cpus: 2, kernel: [6, 8] })).toEqual([
      expect.objectContaining({ key: 'net.netfilter.nf_conntrack_max', value: '131072' }),
      expect.objectContaining({ key: 'net.netfilter.nf_conntrack_tcp_timeout_established', value: '86400' }),
      expect.objectContaining({ key: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait', value: '3600' }),
      expect.objectContaining({ key: 'net.ipv4.conf.all.route_localnet', value: '1' }),
    ]);
    expect(kubeProxySysctls(node1, { cpus: 8, kernel: [6, 8] })[0]?.value).toBe(String(8 * 32768));
  });

  it('lists the IPVS knobs, conn_reuse_mode only on kernels 4.1–5.8', () => {
    const ipvs = { ...node1, mode: 'ipvs' as const };
    const keys = (kernel: [number, number]) => kubeProxySysctls(ipvs, { cpus: 4, kernel }).map((s) => s.key);
    expect(keys([6, 8])).toEqual([
      'net.netfilter.nf_conntrack_max',
      'net.netfilter.nf_conntrack_tcp_timeout_established',
      'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
      'net.ipv4.vs.conntrack',
      'net.ipv4.vs.expire_nodest_conn',
      'net.ipv4.vs.expire_quiescent_template',
      'net.ipv4.ip_forward',
    ]);
    expect(keys([5, 4])).toContain('net.ipv4.vs.conn_reuse_mode');
    expect(keys([5, 9])).not.toContain('net.ipv4.vs.conn_reuse_mode');
  });
});
