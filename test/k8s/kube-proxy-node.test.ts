import { describe, expect, it } from 'vitest';
import { formatIptablesSave, formatRule, type TableName } from '../../src/netfilter/index.js';
import { formatIp4, IPPROTO_TCP, ip4, TCP_SYN } from '../../src/wire/index.js';
import { endpoint } from './kube-proxy-fixtures.js';
import {
  addServices,
  curl,
  DNS_VIP,
  NODE_IP,
  type NodeLab,
  nodeLab,
  P1,
  P2,
  P3,
  startServers,
  udpAsk,
  WEB_NODEPORT,
  WEB_VIP,
  who,
} from './kube-proxy-node-lab.js';

/** The rules of a built-in chain as iptables-save prints them. */
function chainLines(lab: NodeLab, table: TableName, chain: string): string[] {
  const t = lab.nf.tables().find((x) => x.name === table);
  const c = t?.chains.get(chain);
  return c === undefined ? [] : c.rules.map((r) => formatRule(chain, r));
}

/** TTL of every SYN a pod's eth0 received (capture point `node1/pN/eth0`). */
function synTtls(lab: NodeLab): { readonly pod: string; readonly ttl: number; readonly src: string }[] {
  const seen: { pod: string; ttl: number; src: string }[] = [];
  lab.trace.on((kind, _t, point, frame) => {
    const ip = frame.payload;
    if (kind !== 'rx' || ip.kind !== 'ipv4' || ip.protocol !== IPPROTO_TCP || ip.payload.kind !== 'tcp')
      return;
    const m = /^node1\/(p\d)\/eth0$/.exec(point.name);
    if (m !== null && ip.payload.flags === TCP_SYN)
      seen.push({ pod: m[1] ?? '', ttl: ip.ttl, src: formatIp4(ip.src) });
  });
  return seen;
}

describe('KubeProxyNode, iptables mode', () => {
  it('puts its jumps first in the built-in chains, above flannel’s, and keeps flannel’s chains', () => {
    const lab = nodeLab('iptables');
    addServices(lab.rules);
    lab.proxy.sync(lab.rules);
    expect(chainLines(lab, 'nat', 'POSTROUTING')).toEqual([
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
    ]);
    expect(chainLines(lab, 'filter', 'FORWARD')).toEqual([
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
    ]);
    expect(chainLines(lab, 'nat', 'FLANNEL-POSTRTG')).toHaveLength(3);
    expect(chainLines(lab, 'nat', 'PREROUTING')).toEqual([
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ]);
  });

  it('sets the sysctls kube-proxy sets: conntrack sizing and timeouts, route_localnet', () => {
    const lab = nodeLab('iptables');
    expect(lab.nf.sysctl('net.netfilter.nf_conntrack_max')).toBe('131072');
    expect(lab.nf.sysctl('net.netfilter.nf_conntrack_tcp_timeout_established')).toBe('86400');
    expect(lab.nf.sysctl('net.netfilter.nf_conntrack_tcp_timeout_close_wait')).toBe('3600');
    expect(lab.node.sysctl('net.ipv4.conf.all.route_localnet')).toBe('1');
    expect(lab.proxy.ipvs).toBeUndefined();
  });

  it('ClusterIP from a pod to pods on the same node: bridged DNAT (TTL 64), the client pod’s own address', () => {
    const lab = nodeLab('iptables');
    addServices(lab.rules);
    lab.proxy.sync(lab.rules);
    startServers(lab);
    const syns = synTtls(lab);
    const answered = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = curl(lab, lab.pod(1), WEB_VIP, 80);
      expect(r.ok, who(r)).toBe(true);
      if (!r.ok) continue;
      answered.add(r.answer.pod);
      expect(formatIp4(r.answer.peer.ip)).toBe(P1);
      expect(formatIp4(r.answer.local.ip)).toBe(r.answer.pod === 'p2' ? P2 : P3);
    }
    expect([...answered].sort()).toEqual(['p2', 'p3']);
    expect(syns.length).toBe(8);
    for (const s of syns) expect([s.ttl, s.src]).toEqual([64, P1]);
  });

  it('NodePort from outside the node is masqueraded to cni0’s address (KUBE-EXT marks, KUBE-POSTROUTING)', () => {
    const lab = nodeLab('iptables');
    addServices(lab.rules);
    lab.proxy.sync(lab.rules);
    startServers(lab);
    const syns = synTtls(lab);
    const r = curl(lab, lab.outside, NODE_IP, WEB_NODEPORT);
    expect(r.ok, who(r)).toBe(true);
    if (r.ok) expect(formatIp4(r.answer.peer.ip)).toBe('10.244.1.1');
    expect(syns.map((s) => [s.ttl, s.src])).toEqual([[63, '10.244.1.1']]);
    const masq = lab.nf.counters('nat', 'KUBE-POSTROUTING');
    expect(masq?.rules[2]?.packets).toBe(1);
  });

  it('a sync that gets the same output changes nothing: the tables are the very same records', () => {
    const lab = nodeLab('iptables');
    addServices(lab.rules);
    lab.proxy.sync(lab.rules);
    const before = lab.nf.tables();
    const text = formatIptablesSave(before);
    lab.proxy.sync(lab.rules);
    expect(lab.nf.tables()).toBe(before);
    // A new revision with the same content gives a new output object: still the same text.
    lab.rules.setEndpoints('default', 'web', [endpoint(P2, 'node1', 8080), endpoint(P3, 'node1', 8080)]);
    lab.proxy.sync(lab.rules);
    expect(formatIptablesSave(lab.nf.tables())).toBe(text);
  });

  it('two nodes given the same output share kube-proxy’s chain records (nothing copied per node)', () => {
    const a = nodeLab('iptables');
    addServices(a.rules);
    const b = nodeLab('iptables', a.rules);
    a.proxy.sync(a.rules);
    b.proxy.sync(a.rules);
    const natA = a.nf.tables().find((t) => t.name === 'nat');
    const natB = b.nf.tables().find((t) => t.name === 'nat');
    const names = [...(natA?.chains.keys() ?? [])].filter((n) => n.startsWith('KUBE-'));
    expect(names.length).toBeGreaterThan(5);
    for (const n of names) expect(natB?.chains.get(n)).toBe(natA?.chains.get(n));
  });

  it('a removed endpoint’s chain is deleted; the other chains and flannel’s stay', () => {
    const lab = nodeLab('iptables');
    addServices(lab.rules);
    lab.proxy.sync(lab.rules);
    const seps = () =>
      [
        ...(lab.nf
          .tables()
          .find((t) => t.name === 'nat')
          ?.chains.keys() ?? []),
      ].filter((n) => n.startsWith('KUBE-SEP-'));
    expect(seps()).toHaveLength(3);
    lab.rules.setEndpoints('default', 'web', [endpoint(P2, 'node1', 8080)]);
    lab.proxy.sync(lab.rules);
    expect(seps()).toHaveLength(2);
    expect(chainLines(lab, 'nat', 'FLANNEL-POSTRTG')).toHaveLength(3);
    lab.rules.deleteService('default', 'web');
    lab.rules.deleteService('default', 'dns');
    lab.proxy.sync(lab.rules);
    expect(seps()).toEqual([]);
  });

  it('UDP: when the endpoint a flow was DNATed to goes, its conntrack entry is deleted and the next datagram reaches the new one', () => {
    const lab = nodeLab('iptables');
    addServices(lab.rules);
    lab.proxy.sync(lab.rules);
    startServers(lab);
    const first = udpAsk(lab, lab.pod(1), DNS_VIP, 53);
    expect(who(first)).toBe(`p3 ${P1}`);
    const toP3 = () =>
      lab.nf
        .conntrackList()
        .filter((e) => e.proto === 17 && e.orig.dst === ip4(DNS_VIP) && e.reply.src === ip4(P3));
    expect(toP3()).toHaveLength(1);
    lab.rules.setEndpoints('default', 'dns', [
      endpoint(P2, 'node1', 5353, 'dns', { ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }),
    ]);
    lab.proxy.sync(lab.rules);
    expect(toP3()).toEqual([]);
    const again = udpAsk(lab, lab.pod(1), DNS_VIP, 53);
    expect(who(again)).toBe(`p2 ${P1}`);
  });
});
