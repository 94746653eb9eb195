import { describe, expect, it } from 'vitest';
import { Ping, type PingResult } from '../../src/apps/index.js';
import { RS_CHECK_DELETE_INTERVAL } from '../../src/k8s/index.js';
import type { NetNs, TcpSocket } from '../../src/net/index.js';
import { formatIpsetList, formatIptablesSave, formatIpvsadmList } from '../../src/netfilter/index.js';
import { SECOND } from '../../src/sim/index.js';
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

function synced(): NodeLab {
  const lab = nodeLab('ipvs');
  addServices(lab.rules);
  lab.proxy.sync(lab.rules);
  startServers(lab);
  return lab;
}

function ipvsadm(lab: NodeLab): string {
  const ipvs = lab.proxy.ipvs;
  if (ipvs === undefined) throw new Error('no IPVS');
  return formatIpvsadmList(ipvs, lab.sim.now);
}

/** `-> RIP:PORT Masq W ACTIVE INACT` lines of one virtual server, squeezed. */
function dests(lab: NodeLab, vs: string): string[] {
  const lines = ipvsadm(lab).split('\n');
  const at = lines.findIndex((l) => l.startsWith(vs));
  const out: string[] = [];
  for (let i = at + 1; i < lines.length && lines[i]?.startsWith('  ->'); i++)
    out.push((lines[i] ?? '').trim().replace(/ +/g, ' '));
  return out;
}

function ping(lab: NodeLab, ns: NetNs, dst: string): PingResult {
  const p = new Ping(ns, {
    dst: ip4(dst),
    count: 1,
    intervalNs: SECOND,
    size: 56,
    ttl: 64,
    pmtudisc: 'want',
  });
  p.start();
  lab.sim.run({ until: lab.sim.now + 12 * SECOND });
  return p.result();
}

/** A connection from `ns` to `dst:port` that sends a line on demand and records the answers. */
function openConnection(lab: NodeLab, ns: NetNs, dst: string, port: number) {
  const r = ns.sockets.connect(ip4(dst), port);
  if (!r.ok) throw new Error(r.errno);
  const sock: TcpSocket = r.socket;
  const answers: string[] = [];
  sock.handlers = {
    data: (b) => answers.push(...new TextDecoder().decode(b).trim().split('\n')),
  };
  lab.sim.run({ until: lab.sim.now + SECOND });
  return {
    ask(): string | undefined {
      const n = answers.length;
      sock.send(new TextEncoder().encode('hello\n'));
      lab.sim.run({ until: lab.sim.now + SECOND });
      return answers.length > n ? answers[answers.length - 1]?.split(' ')[0] : undefined;
    },
  };
}

describe('KubeProxyNode, IPVS mode', () => {
  it('makes kube-ipvs0 (DOWN) with a /32 per VIP, the virtual servers and the ipsets', () => {
    const lab = synced();
    const dev = lab.node.deviceByName('kube-ipvs0');
    expect(dev?.kind).toBe('dummy');
    expect(dev?.adminUp).toBe(false);
    const addrs = lab.node.addresses(dev?.ifindex ?? -1).map((a) => `${formatIp4(a.ip)}/${a.prefixLen}`);
    expect(addrs.sort()).toEqual(['10.96.0.10/32', '10.96.0.100/32']);
    expect(lab.node.local.lookup(ip4(WEB_VIP))?.type).toBe('local');
    expect(ipvsadm(lab)).toBe(
      [
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  192.168.56.11:30080 rr',
        `  -> ${`${P2}:8080`.padEnd(28)} Masq    1      0          0         `,
        `  -> ${`${P3}:8080`.padEnd(28)} Masq    1      0          0         `,
        'TCP  10.96.0.100:80 rr',
        `  -> ${`${P2}:8080`.padEnd(28)} Masq    1      0          0         `,
        `  -> ${`${P3}:8080`.padEnd(28)} Masq    1      0          0         `,
        'TCP  10.244.1.1:30080 rr',
        `  -> ${`${P2}:8080`.padEnd(28)} Masq    1      0          0         `,
        `  -> ${`${P3}:8080`.padEnd(28)} Masq    1      0          0         `,
        'UDP  10.96.0.10:53 rr',
        `  -> ${`${P3}:5353`.padEnd(28)} Masq    1      0          0         `,
        '',
      ].join('\n'),
    );
    const clusterIps = lab.sets.get('KUBE-CLUSTER-IP')?.memberTexts().sort();
    expect(clusterIps).toEqual(['10.96.0.10,udp:53', '10.96.0.100,tcp:80']);
    expect(lab.sets.get('KUBE-LOOP-BACK')?.memberTexts().sort()).toEqual([
      '10.244.1.3,tcp:8080,10.244.1.3',
      '10.244.1.4,tcp:8080,10.244.1.4',
      '10.244.1.4,udp:5353,10.244.1.4',
    ]);
    expect(lab.sets.get('KUBE-NODE-PORT-TCP')?.memberTexts()).toEqual(['30080']);
    expect(formatIpsetList(lab.sets.all())).toContain('Name: KUBE-IPVS-IPS');
    expect(lab.nf.ipvs).toBe(lab.proxy.ipvs);
  });

  it('sets the IPVS sysctls (conntrack=1, expire_nodest_conn, expire_quiescent_template, ip_forward)', () => {
    const lab = nodeLab('ipvs');
    expect(lab.proxy.ipvs?.sysctls).toEqual({
      conntrack: true,
      expireNodestConn: true,
      expireQuiescentTemplate: true,
      connReuseMode: 1,
    });
    expect(lab.node.sysctl('net.ipv4.vs.conntrack')).toBe('1');
    expect(lab.node.sysctl('net.ipv4.ip_forward')).toBe('1');
    expect(lab.node.sysctl('net.ipv4.conf.all.route_localnet')).toBe('0');
  });

  it('ClusterIP from a pod: IPVS routes to the pod (TTL 63), the reply comes from the VIP, conntrack shows the real server', () => {
    const lab = synced();
    const ttls: number[] = [];
    lab.trace.on((kind, _t, point, frame) => {
      const ip = frame.payload;
      if (kind !== 'rx' || !/^node1\/p[23]\/eth0$/.test(point.name) || ip.kind !== 'ipv4') return;
      if (ip.protocol === IPPROTO_TCP && ip.payload.kind === 'tcp' && ip.payload.flags === TCP_SYN)
        ttls.push(ip.ttl);
    });
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = curl(lab, lab.pod(1), WEB_VIP, 80);
      expect(r.ok, who(r)).toBe(true);
      if (!r.ok) continue;
      seen.add(r.answer.pod);
      expect(formatIp4(r.answer.peer.ip)).toBe(P1);
      expect(r.src?.ip).toBe(ip4(P1));
    }
    // rr over two real servers: each got two of the four connections.
    expect([...seen].sort()).toEqual(['p2', 'p3']);
    expect(ttls).toEqual([63, 63, 63, 63]);
    const web = dests(lab, 'TCP  10.96.0.100:80');
    expect(
      web.map((l) =>
        l
          .split(' ')
          .slice(4)
          .map(Number)
          .reduce((a, b) => a + b),
      ),
    ).toEqual([2, 2]);
    const entries = lab.nf.conntrackList().filter((e) => e.orig.dst === ip4(WEB_VIP));
    expect(entries).toHaveLength(4);
    for (const e of entries) {
      expect(e.orig.src).toBe(ip4(P1));
      expect([ip4(P2), ip4(P3)]).toContain(e.reply.src);
      expect([e.reply.dst, e.reply.sport]).toEqual([ip4(P1), 8080]);
    }
  });

  it('UDP ClusterIP through IPVS: the datagram reaches the real server, the answer comes from the VIP', () => {
    const lab = synced();
    const r = udpAsk(lab, lab.pod(1), DNS_VIP, 53);
    expect(who(r)).toBe(`p3 ${P1}`);
    expect(dests(lab, 'UDP  10.96.0.10:53')).toEqual([`-> ${P3}:5353 Masq 1 0 1`]);
  });

  it('NodePort from outside: masqueraded to cni0’s address (mark 0x4000), answered from the node IP', () => {
    const lab = synced();
    const r = curl(lab, lab.outside, NODE_IP, WEB_NODEPORT);
    expect(r.ok, who(r)).toBe(true);
    if (r.ok) expect(formatIp4(r.answer.peer.ip)).toBe('10.244.1.1');
    expect(lab.nf.counters('nat', 'KUBE-POSTROUTING')?.rules.at(-1)?.packets).toBe(1);
  });

  it('hairpin: a pod reaching itself through the VIP is masqueraded by KUBE-LOOP-BACK', () => {
    const lab = nodeLab('ipvs');
    addServices(lab.rules, [P1]);
    lab.proxy.sync(lab.rules);
    startServers(lab);
    const r = curl(lab, lab.pod(1), WEB_VIP, 80);
    expect(who(r)).toBe('p1 10.244.1.1');
  });

  it('ping to a ClusterIP: KUBE-IPVS-FILTER rejects it from the VIP (kube-proxy ≥ 1.27); without that rule the node answers', () => {
    const lab = synced();
    const rejected = ping(lab, lab.pod(1), WEB_VIP);
    expect(rejected.received).toBe(0);
    expect(rejected.lines.map((l) => l.text)).toContain(
      `From ${WEB_VIP} icmp_seq=1 Destination Port Unreachable`,
    );
    // Older kube-proxy had no such filter: the VIP is a local address, so the node's stack answers.
    expect(lab.nf.flushChain('filter', 'KUBE-IPVS-FILTER').ok).toBe(true);
    const answered = ping(lab, lab.pod(1), WEB_VIP);
    expect([answered.received, answered.ttls]).toEqual([1, [64]]);
  });

  it('a resync that removes another endpoint keeps an established connection on its real server', () => {
    const lab = synced();
    const conn = openConnection(lab, lab.pod(1), WEB_VIP, 80);
    const first = conn.ask();
    expect(first === 'pod=p2' || first === 'pod=p3').toBe(true);
    const other = first === 'pod=p2' ? P3 : P2;
    const kept = first === 'pod=p2' ? P2 : P3;
    lab.rules.setEndpoints('default', 'web', [endpoint(kept, 'node1', 8080)]);
    lab.proxy.sync(lab.rules);
    expect(dests(lab, 'TCP  10.96.0.100:80')).toEqual([`-> ${kept}:8080 Masq 1 1 0`]);
    expect(ipvsadm(lab)).not.toContain(`${other}:8080`);
    for (let i = 0; i < 3; i++) expect(conn.ask()).toBe(first);
  });

  it('removing the endpoint of an established connection quiesces it (weight 0) until the connection is gone', () => {
    const lab = synced();
    const conn = openConnection(lab, lab.pod(1), WEB_VIP, 80);
    const first = conn.ask();
    const used = first === 'pod=p2' ? P2 : P3;
    const other = first === 'pod=p2' ? P3 : P2;
    lab.rules.setEndpoints('default', 'web', [endpoint(other, 'node1', 8080)]);
    lab.proxy.sync(lab.rules);
    expect(dests(lab, 'TCP  10.96.0.100:80')).toContain(`-> ${used}:8080 Masq 0 1 0`);
    expect(conn.ask()).toBe(first);
    // New connections only go to the remaining endpoint.
    const r = curl(lab, lab.pod(1), WEB_VIP, 80);
    expect(r.ok && formatIp4(r.answer.local.ip)).toBe(other);
    // The idle connection times out in IPVS (900 s established); the next check deletes the server.
    lab.sim.run({ until: lab.sim.now + 900 * SECOND + 2 * RS_CHECK_DELETE_INTERVAL });
    expect(ipvsadm(lab)).not.toContain(`${used}:8080`);
  });

  it('a resync without the Services unbinds the VIPs and deletes the virtual servers; one with them back restores them', () => {
    const lab = synced();
    const all = ipvsadm(lab);
    lab.rules.deleteService('default', 'web');
    lab.rules.deleteService('default', 'dns');
    lab.proxy.sync(lab.rules);
    const dev = lab.node.deviceByName('kube-ipvs0');
    expect(lab.node.addresses(dev?.ifindex ?? -1)).toEqual([]);
    expect(lab.node.local.lookup(ip4(WEB_VIP))).toBeUndefined();
    expect(lab.proxy.ipvs?.services()).toEqual([]);
    expect(lab.sets.get('KUBE-CLUSTER-IP')?.size).toBe(0);
    addServices(lab.rules);
    lab.proxy.sync(lab.rules);
    expect(ipvsadm(lab)).toBe(all);
    expect(lab.node.devices().filter((d) => d.name === 'kube-ipvs0')).toHaveLength(1);
  });

  it('syncing twice changes nothing: the same tables, virtual servers and sets', () => {
    const lab = synced();
    const tables = lab.nf.tables();
    const list = ipvsadm(lab);
    const sets = formatIpsetList(lab.sets.all());
    lab.proxy.sync(lab.rules);
    expect(lab.nf.tables()).toBe(tables);
    expect(ipvsadm(lab)).toBe(list);
    expect(formatIpsetList(lab.sets.all())).toBe(sets);
    expect(formatIptablesSave(tables)).toContain(
      '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
    );
  });
});
