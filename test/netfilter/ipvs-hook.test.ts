import { describe, expect, it } from 'vitest';
import { Dummy } from '../../src/net/index.js';
import { Ipvs, KUBE_PROXY_SYSCTLS, type NfExplainer } from '../../src/netfilter/index.js';
import { SECOND } from '../../src/sim/index.js';
import { formatIp4, IPPROTO_ICMP, ip4, udp } from '../../src/wire/index.js';
import { type RoutedLab, rawListen, routedLab, sendUdp, udpListen } from './engine-lab.js';

const VIP = '10.96.0.10';
const CLIENT = '10.0.1.2';
const SERVER = '10.0.2.2';

/** routedLab with VIP on a dummy of the node and IPVS UDP VIP:53 → `dests` (port 5353). */
function ipvsLab(dests: readonly string[] = [SERVER], conntrack = true): RoutedLab & { readonly ipvs: Ipvs } {
  const lab = routedLab();
  const dev = new Dummy(lab.sim, lab.node.deviceOptions('kube-ipvs0', 0x0200000000ee, 1500));
  lab.node.attach(dev);
  lab.node.addAddress('kube-ipvs0', ip4(VIP), 32);
  const ipvs = new Ipvs({
    isLocal: (a) => lab.node.local.lookup(a)?.type === 'local',
    sysctls: { ...KUBE_PROXY_SYSCTLS, conntrack },
  });
  ipvs.addService({ protocol: 'UDP', addr: ip4(VIP), port: 53, scheduler: 'rr' });
  for (const d of dests) ipvs.addDest('UDP', ip4(VIP), 53, { addr: ip4(d), port: 5353 });
  lab.nf.ipvs = ipvs;
  return { ...lab, ipvs };
}

describe('IPVS at the netfilter hooks', () => {
  it('a request to a virtual service is NATed at LOCAL_IN and routed on (TTL 63); the reply is rewritten at FORWARD', () => {
    const lab = ipvsLab();
    const atServer = udpListen(lab.server, 5353, true);
    const atClient = udpListen(lab.client, 40000);
    sendUdp(lab.client, CLIENT, VIP, 40000, 53);
    lab.sim.run({ until: SECOND });
    expect(atServer.map((s) => [formatIp4(s.src), formatIp4(s.dst), s.dport, s.ttl])).toEqual([
      [CLIENT, SERVER, 5353, 63],
    ]);
    expect(atClient.map((s) => [formatIp4(s.src), s.sport, s.ttl])).toEqual([[VIP, 53, 63]]);
    // net.ipv4.vs.conntrack=1: the entry's reply tuple names the real server (ip_vs_update_conntrack).
    const [e, ...more] = lab.nf.conntrackList();
    expect(more).toEqual([]);
    expect([formatIp4(e?.orig.src ?? 0), formatIp4(e?.orig.dst ?? 0), e?.orig.sport, e?.orig.dport]).toEqual([
      CLIENT,
      VIP,
      40000,
      53,
    ]);
    expect([
      formatIp4(e?.reply.src ?? 0),
      formatIp4(e?.reply.dst ?? 0),
      e?.reply.sport,
      e?.reply.dport,
    ]).toEqual([SERVER, CLIENT, 5353, 40000]);
    expect(lab.ipvs.services()[0]?.dests[0]?.inactConns).toBe(1);
  });

  it('a service without a usable real server answers ICMP port unreachable from the VIP (ip_vs_leave)', () => {
    const lab = ipvsLab([]);
    const icmp = rawListen(lab.client, IPPROTO_ICMP);
    sendUdp(lab.client, CLIENT, VIP, 40000, 53);
    lab.sim.run();
    expect(
      icmp.map((p) => [formatIp4(p.src), p.payload.kind === 'icmp' ? [p.payload.type, p.payload.code] : []]),
    ).toEqual([[VIP, [3, 3]]]);
    expect(lab.node.stats.get('ipvs_no_destination')).toBe(1);
  });

  it('a request arriving with TTL 1 is answered with time exceeded, not forwarded', () => {
    const lab = ipvsLab();
    const atServer = udpListen(lab.server, 5353);
    const icmp = rawListen(lab.client, IPPROTO_ICMP);
    const s = ip4(CLIENT);
    const d = ip4(VIP);
    lab.client.send({
      src: s,
      dst: d,
      protocol: 17,
      ttl: 1,
      payload: udp({ src: s, dst: d, srcPort: 40000, dstPort: 53, payload: new Uint8Array(4) }),
    });
    lab.sim.run();
    expect(atServer).toEqual([]);
    expect(icmp.map((p) => (p.payload.kind === 'icmp' ? [p.payload.type, p.payload.code] : []))).toEqual([
      [11, 0],
    ]);
  });

  it('with net.ipv4.vs.conntrack=0 the flow works untracked: nothing in conntrack -L', () => {
    const lab = ipvsLab([SERVER], false);
    udpListen(lab.server, 5353, true);
    const atClient = udpListen(lab.client, 40000);
    sendUdp(lab.client, CLIENT, VIP, 40000, 53);
    lab.sim.run({ until: SECOND });
    expect(atClient.map((s) => formatIp4(s.src))).toEqual([VIP]);
    expect(lab.nf.conntrackList()).toEqual([]);
  });

  it('an IPVS connection that expires takes its conntrack entry with it (ip_vs_conn_drop_conntrack)', () => {
    const lab = ipvsLab();
    lab.nf.setSysctl('net.netfilter.nf_conntrack_udp_timeout', '3600');
    lab.nf.setSysctl('net.netfilter.nf_conntrack_udp_timeout_stream', '3600');
    udpListen(lab.server, 5353, true);
    sendUdp(lab.client, CLIENT, VIP, 40000, 53);
    lab.sim.run({ until: SECOND });
    expect(lab.nf.conntrackList()).toHaveLength(1);
    lab.sim.run({ until: lab.sim.now + 301 * SECOND });
    lab.ipvs.expire(lab.sim.now);
    expect(lab.ipvs.conns.size).toBe(0);
    expect(lab.nf.conntrackList()).toEqual([]);
  });

  it('a local client reaches the virtual service through LOCAL_OUT; the reply is rewritten at LOCAL_IN', () => {
    const lab = ipvsLab();
    const atServer = udpListen(lab.server, 5353, true);
    const atNode = udpListen(lab.node, 40000);
    sendUdp(lab.node, VIP, VIP, 40000, 53);
    lab.sim.run();
    // The source a local send to a VIP gets is the VIP itself (kubernetes#65158); IPVS keeps it.
    expect(atServer.map((s) => [formatIp4(s.src), formatIp4(s.dst), s.ttl])).toEqual([[VIP, SERVER, 63]]);
    expect(atNode.map((s) => [formatIp4(s.src), s.sport])).toEqual([[VIP, 53]]);
  });

  it('packets IPVS has no connection for pass FORWARD untouched, and the tracer is told each IPVS rewrite', () => {
    const lab = ipvsLab();
    const seen: string[] = [];
    const x: NfExplainer = {
      rule: () => {},
      policy: () => {},
      conntrack: () => {},
      nat: () => {},
      ipvs: (hook, dir, before, after) =>
        seen.push(
          `${hook} ${dir} ${formatIp4(before.src)}>${formatIp4(before.dst)} => ${formatIp4(after.src)}>${formatIp4(after.dst)}`,
        ),
    };
    lab.nf.explain = x;
    udpListen(lab.server, 5353, true);
    const plain = udpListen(lab.server, 7000);
    sendUdp(lab.client, CLIENT, '10.0.2.3', 40001, 7000);
    sendUdp(lab.client, CLIENT, VIP, 40000, 53);
    lab.sim.run();
    expect(plain.map((s) => [formatIp4(s.src), formatIp4(s.dst), s.ttl])).toEqual([[CLIENT, '10.0.2.3', 63]]);
    expect(seen).toEqual([
      `INPUT request ${CLIENT}>${VIP} => ${CLIENT}>${SERVER}`,
      `FORWARD reply ${SERVER}>${CLIENT} => ${VIP}>${CLIENT}`,
    ]);
  });

  it('unsetting ipvs takes IPVS off the path: the VIP is then just a local address', () => {
    const lab = ipvsLab();
    lab.nf.ipvs = undefined;
    const icmp = rawListen(lab.client, IPPROTO_ICMP);
    sendUdp(lab.client, CLIENT, VIP, 40000, 53);
    lab.sim.run();
    // No socket on the VIP's port 53: the node's own stack answers port unreachable.
    expect(icmp.map((p) => formatIp4(p.src))).toEqual([VIP]);
    expect(lab.node.stats.get('udp_no_port')).toBe(1);
  });
});
