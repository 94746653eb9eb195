import { describe, expect, it } from 'vitest';
import { type IpvsProxyState, KubeProxyRules } from '../../src/k8s/index.js';
import { formatIp4, ip4 } from '../../src/wire/index.js';
import { chainOf, endpoint, nodeConfig, printChain, printJumps, service } from './kube-proxy-fixtures.js';

const node1 = nodeConfig('node1', ['192.168.56.11', '10.244.1.0', '10.244.1.1'], { mode: 'ipvs' });
const node2 = nodeConfig('node2', ['192.168.56.12', '10.244.2.0', '10.244.2.1'], { mode: 'ipvs' });

/** kubernetes (apiserver on the host), kube-dns (UDP+TCP, pod on node1), web (NodePort, ClientIP affinity). */
function smallCluster() {
  const k = new KubeProxyRules();
  k.setService(service('kubernetes', '10.96.0.1', [{ name: 'https', protocol: 'TCP', port: 443 }]));
  k.setEndpoints('default', 'kubernetes', [
    { ...endpoint('192.168.56.10', 'master', 6443, 'https'), nodeName: undefined },
  ]);
  k.setService({
    ...service(
      'kube-dns',
      '10.96.0.10',
      [
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      ],
      { namespace: 'kube-system' },
    ),
  });
  k.setEndpoints('kube-system', 'kube-dns', [
    {
      ...endpoint('10.244.1.2', 'node1', 53),
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    },
  ]);
  k.setService(
    service('web', '10.96.0.100', [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }], {
      type: 'NodePort',
      sessionAffinity: 'ClientIP',
    }),
  );
  k.setEndpoints('default', 'web', [
    endpoint('10.244.2.2', 'node2', 8080),
    endpoint('10.244.1.3', 'node1', 8080),
  ]);
  return k;
}

/** `ipvsadm -Ln`-like lines, to read the virtual servers at a glance. */
function ipvsadm(s: IpvsProxyState): string[] {
  const out: string[] = [];
  for (const vs of s.virtualServers) {
    const p = vs.persistentTimeout === undefined ? '' : ` persistent ${vs.persistentTimeout}`;
    out.push(`${vs.protocol}  ${formatIp4(vs.vip)}:${vs.port} ${vs.scheduler}${p}`);
    for (const d of vs.dests) out.push(`  -> ${formatIp4(d.ip)}:${d.port} Masq ${d.weight}`);
  }
  return out;
}

const sets = (s: IpvsProxyState) => new Map(s.ipsets.map((x) => [x.name, x.entries]));

describe('kube-proxy IPVS mode', () => {
  it('binds every ClusterIP to kube-ipvs0 once, as a /32', () => {
    const s = smallCluster().ipvs(node1);
    expect(s.dummyDevice).toBe('kube-ipvs0');
    expect(s.addresses.map(formatIp4)).toEqual(['10.96.0.1', '10.96.0.100', '10.96.0.10']);
    expect(sets(s).get('KUBE-IPVS-IPS')).toEqual(['10.96.0.1', '10.96.0.10', '10.96.0.100']);
  });

  it('makes a virtual server per VIP port and one per node IP for a NodePort, all real servers weight 1', () => {
    expect(ipvsadm(smallCluster().ipvs(node1))).toEqual([
      'TCP  10.96.0.1:443 rr',
      '  -> 192.168.56.10:6443 Masq 1',
      'TCP  10.96.0.100:80 rr persistent 10800',
      '  -> 10.244.1.3:8080 Masq 1',
      '  -> 10.244.2.2:8080 Masq 1',
      'TCP  192.168.56.11:30080 rr persistent 10800',
      '  -> 10.244.1.3:8080 Masq 1',
      '  -> 10.244.2.2:8080 Masq 1',
      'TCP  10.244.1.0:30080 rr persistent 10800',
      '  -> 10.244.1.3:8080 Masq 1',
      '  -> 10.244.2.2:8080 Masq 1',
      'TCP  10.244.1.1:30080 rr persistent 10800',
      '  -> 10.244.1.3:8080 Masq 1',
      '  -> 10.244.2.2:8080 Masq 1',
      'UDP  10.96.0.10:53 rr',
      '  -> 10.244.1.2:53 Masq 1',
      'TCP  10.96.0.10:53 rr',
      '  -> 10.244.1.2:53 Masq 1',
    ]);
  });

  it('fills the ipsets with the entries ipset list prints', () => {
    const a = sets(smallCluster().ipvs(node1));
    expect(a.get('KUBE-CLUSTER-IP')).toEqual([
      '10.96.0.1,tcp:443',
      '10.96.0.10,tcp:53',
      '10.96.0.10,udp:53',
      '10.96.0.100,tcp:80',
    ]);
    expect(a.get('KUBE-LOOP-BACK')).toEqual([
      '10.244.1.2,tcp:53,10.244.1.2',
      '10.244.1.2,udp:53,10.244.1.2',
      '10.244.1.3,tcp:8080,10.244.1.3',
    ]);
    expect(a.get('KUBE-NODE-PORT-TCP')).toEqual(['30080']);
    expect(a.get('KUBE-NODE-PORT-LOCAL-TCP')).toEqual([]);
    // Hairpin entries are per node: node2 only has web's second endpoint.
    expect(sets(smallCluster().ipvs(node2)).get('KUBE-LOOP-BACK')).toEqual([
      '10.244.2.2,tcp:8080,10.244.2.2',
    ]);
  });

  it('lists every set with its ipset type', () => {
    const types = new Map(
      smallCluster()
        .ipvs(node1)
        .ipsets.map((s) => [s.name, s.type]),
    );
    expect(types.get('KUBE-LOOP-BACK')).toBe('hash:ip,port,ip');
    expect(types.get('KUBE-CLUSTER-IP')).toBe('hash:ip,port');
    expect(types.get('KUBE-NODE-PORT-TCP')).toBe('bitmap:port');
    expect(types.get('KUBE-LOAD-BALANCER-SOURCE-CIDR')).toBe('hash:ip,port,net');
    expect(types.get('KUBE-IPVS-IPS')).toBe('hash:ip');
    expect(types.size).toBe(17);
  });

  it('writes the ipset-driven nat rules in the order the ipvs proxier does', () => {
    const s = smallCluster().ipvs(node1);
    expect(printChain(chainOf(s.nat, 'KUBE-SERVICES'))).toEqual([
      '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN',
      '-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ',
      '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
      '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
    ]);
    expect(printChain(chainOf(s.nat, 'KUBE-POSTROUTING'))).toEqual([
      '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
    expect(printChain(chainOf(s.nat, 'KUBE-NODE-PORT'))).toEqual([
      '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
    ]);
    expect(printChain(chainOf(s.nat, 'KUBE-MARK-MASQ'))).toEqual([
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    ]);
  });

  it('writes the filter chains and the jumps of IPVS mode', () => {
    const s = smallCluster().ipvs(node1);
    expect(printChain(chainOf(s.filter, 'KUBE-IPVS-FILTER'))).toEqual([
      '-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN',
      '-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN',
      '-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN',
      '-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN',
      '-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN',
      '-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable',
    ]);
    expect(printChain(chainOf(s.filter, 'KUBE-FORWARD'))).toHaveLength(2);
    expect([...printJumps(s.nat), ...printJumps(s.filter)]).toEqual([
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER',
      '-A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT',
      '-A FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A OUTPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER',
    ]);
  });

  it('uses local real servers for externalTrafficPolicy Local, and all endpoints on a node without any', () => {
    const k = smallCluster();
    k.setService(
      service('web', '10.96.0.100', [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }], {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        loadBalancerIPs: [ip4('172.18.255.201')],
        externalIPs: [ip4('192.168.56.11')],
      }),
    );
    k.setEndpoints('default', 'web', [
      endpoint('10.244.1.3', 'node1', 8080),
      endpoint('10.244.1.4', 'node1', 8080),
    ]);
    const a = k.ipvs(node1);
    const lb = a.virtualServers.find((v) => formatIp4(v.vip) === '172.18.255.201');
    expect(lb?.dests.map((d) => formatIp4(d.ip))).toEqual(['10.244.1.3', '10.244.1.4']);
    const s = sets(a);
    expect(s.get('KUBE-LOAD-BALANCER')).toEqual(['172.18.255.201,tcp:80']);
    expect(s.get('KUBE-LOAD-BALANCER-LOCAL')).toEqual(['172.18.255.201,tcp:80']);
    expect(s.get('KUBE-EXTERNAL-IP-LOCAL')).toEqual(['192.168.56.11,tcp:80']);
    expect(s.get('KUBE-NODE-PORT-LOCAL-TCP')).toEqual(['30080']);
    // The external IP is node1's own address: not bound to kube-ipvs0 there, but bound on node2.
    expect(a.addresses.map(formatIp4)).not.toContain('192.168.56.11');
    expect(a.addresses.map(formatIp4)).toContain('172.18.255.201');
    expect(k.ipvs(node2).addresses.map(formatIp4)).toContain('192.168.56.11');
    expect(printChain(chainOf(a.nat, 'KUBE-LOAD-BALANCER'))).toEqual([
      '-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN',
      '-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ',
    ]);
    const nodePortOn2 = k.ipvs(node2).virtualServers.find((v) => formatIp4(v.vip) === '192.168.56.12');
    expect(nodePortOn2?.dests).toHaveLength(2);
  });
});
