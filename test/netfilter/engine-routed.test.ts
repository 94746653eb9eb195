import { describe, expect, it } from 'vitest';
import { SECOND } from '../../src/sim/index.js';
import {
  emitIpv4,
  formatIp4,
  ip4,
  parseIpv4,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  tcp,
  verifyIcmp,
  withEndpoints,
} from '../../src/wire/index.js';
import {
  dnat,
  dport,
  load,
  masquerade,
  rawListen,
  reject,
  routedLab,
  rule,
  sendUdp,
  table,
  udpListen,
} from './engine-lab.js';

/** The ClusterIP of the examples (kube-proxy.md §7) and its service rule, DNAT to the server's 8080. */
const VIP = '10.96.0.100';
const clusterIpRules = table('nat', {
  PREROUTING: [rule({ dst: VIP, proto: 'udp', matches: [dport('udp', 80)], target: dnat('10.0.2.2', 8080) })],
});

describe('service NAT across a node (client — node — server namespaces)', () => {
  it('DNAT of a ClusterIP: the server sees the client, the client gets its answer from the ClusterIP', () => {
    const lab = routedLab();
    load(lab.nf, clusterIpRules);
    const atServer = udpListen(lab.server, 8080, true);
    const atClient = udpListen(lab.client, 40000);
    sendUdp(lab.client, '10.0.1.2', VIP, 40000, 80);
    lab.sim.run();
    expect(atServer.map((s) => [formatIp4(s.src), s.sport, formatIp4(s.dst), s.dport, s.ttl])).toEqual([
      ['10.0.1.2', 40000, '10.0.2.2', 8080, 63],
    ]);
    expect(atClient.map((s) => [formatIp4(s.src), s.sport, formatIp4(s.dst), s.dport])).toEqual([
      [VIP, 80, '10.0.1.2', 40000],
    ]);
  });

  it('MASQUERADE keeps the source port when the tuple is free and picks another when it clashes', () => {
    const lab = routedLab();
    load(lab.nf, table('nat', { POSTROUTING: [rule({ out: 'eth-s', target: masquerade() })] }));
    const atServer = udpListen(lab.server, 53, true);
    const a = udpListen(lab.client, 5000);
    sendUdp(lab.client, '10.0.1.2', '10.0.2.2', 5000, 53);
    sendUdp(lab.client, '10.0.1.3', '10.0.2.2', 5000, 53);
    lab.sim.run();
    const [first, second] = atServer;
    expect(formatIp4(first?.src ?? 0)).toBe('10.0.2.1');
    expect(first?.sport).toBe(5000);
    expect(formatIp4(second?.src ?? 0)).toBe('10.0.2.1');
    expect(second?.sport).not.toBe(5000);
    expect(second?.sport).toBeGreaterThanOrEqual(1024);
    // Each client gets its own answer back, from the server, to its own address and port.
    expect(a.map((s) => [formatIp4(s.src), formatIp4(s.dst), s.dport]).sort()).toEqual([
      ['10.0.2.2', '10.0.1.2', 5000],
      ['10.0.2.2', '10.0.1.3', 5000],
    ]);
  });

  it('MASQUERADE --random-fully picks a random port from 1024–65535 even when the original is free', () => {
    const lab = routedLab(7);
    load(lab.nf, table('nat', { POSTROUTING: [rule({ out: 'eth-s', target: masquerade(true) })] }));
    const atServer = udpListen(lab.server, 53);
    for (let i = 0; i < 5; i++) sendUdp(lab.client, '10.0.1.2', '10.0.2.2', 5000 + i, 53);
    lab.sim.run();
    const ports = atServer.map((s) => s.sport);
    expect(ports).toHaveLength(5);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(1024);
    expect(ports.filter((p, i) => p === 5000 + i).length).toBeLessThan(5);
  });

  it('REJECT in FORWARD sends ICMP port unreachable from the node, quoting the packet', () => {
    const lab = routedLab();
    load(
      lab.nf,
      table('filter', { FORWARD: [rule({ dst: '10.96.0.200', proto: 'udp', target: reject() })] }),
    );
    const icmp = rawListen(lab.client, 1);
    sendUdp(lab.client, '10.0.1.2', '10.96.0.200', 41000, 80);
    lab.sim.run();
    expect(icmp).toHaveLength(1);
    const e = icmp[0];
    const m = e?.payload;
    expect(m?.kind === 'icmp' ? [m.type, m.code, verifyIcmp(m)] : []).toEqual([3, 3, true]);
    expect(formatIp4(e?.src ?? 0)).toBe('10.0.1.1');
    const quoted = m?.kind === 'icmp' ? parseIpv4(m.data) : undefined;
    expect(quoted?.ok === true ? formatIp4(quoted.value.dst) : '').toBe('10.96.0.200');
    expect(lab.node.stats.get('nf_reject')).toBe(1);
  });

  it('REJECT --reject-with tcp-reset answers a SYN with a RST from the address it was sent to', () => {
    const lab = routedLab();
    load(
      lab.nf,
      table('filter', { FORWARD: [rule({ dst: '10.96.0.200', proto: 'tcp', target: reject('tcp-reset') })] }),
    );
    const got = rawListen(lab.client, 6);
    const src = ip4('10.0.1.2');
    const dst = ip4('10.96.0.200');
    lab.client.send({
      src,
      dst,
      protocol: 6,
      payload: tcp({
        src,
        dst,
        srcPort: 42000,
        dstPort: 80,
        seq: 7777,
        ack: 0,
        flags: TCP_SYN,
        window: 64240,
      }),
    });
    lab.sim.run();
    const rst = got[0];
    const seg = rst?.payload;
    expect(formatIp4(rst?.src ?? 0)).toBe('10.96.0.200');
    expect(seg?.kind === 'tcp' ? [seg.flags, seg.ack, seg.srcPort, seg.dstPort, seg.window] : []).toEqual([
      TCP_RST | TCP_ACK,
      7778,
      80,
      42000,
      0,
    ]);
    // nf_send_reset: a locally generated packet, TTL from the route (64), DF, IP ID 0.
    expect([rst?.ttl, rst?.id, rst?.flags]).toEqual([64, 0, 0b010]);
  });

  it('a REJECT in OUTPUT fails the send with EPERM', () => {
    const lab = routedLab();
    load(lab.nf, table('filter', { OUTPUT: [rule({ dst: '10.0.2.2', target: reject() })] }));
    const r = lab.node.send({
      src: ip4('10.0.2.1'),
      dst: ip4('10.0.2.2'),
      protocol: 17,
      payload: { kind: 'raw', bytes: new Uint8Array(8) },
    });
    expect(r).toEqual({ ok: false, errno: 'EPERM' });
  });

  it('an ICMP error about a DNATed flow reaches the client translated back, outside and inside', () => {
    const lab = routedLab();
    load(lab.nf, clusterIpRules);
    // Nothing listens on the server's 8080: the server answers port unreachable.
    const icmp = rawListen(lab.client, 1);
    sendUdp(lab.client, '10.0.1.2', VIP, 40001, 80);
    lab.sim.run();
    expect(icmp).toHaveLength(1);
    const e = icmp[0];
    const m = e?.payload;
    expect(formatIp4(e?.src ?? 0)).toBe(VIP);
    expect(m?.kind === 'icmp' ? [m.type, m.code, verifyIcmp(m)] : []).toEqual([3, 3, true]);
    const inner = m?.kind === 'icmp' ? parseIpv4(m.data, 0, { verifyChecksums: true }) : undefined;
    expect(inner?.ok).toBe(true);
    if (inner?.ok !== true) return;
    const d = inner.value.payload;
    expect([formatIp4(inner.value.src), formatIp4(inner.value.dst)]).toEqual(['10.0.1.2', VIP]);
    expect(d.kind === 'udp' ? [d.srcPort, d.dstPort] : []).toEqual([40001, 80]);
    // The quote is byte-exact what the client sent (as the kernel restores it).
    expect(emitIpv4(inner.value)).toEqual(m?.kind === 'icmp' ? m.data : undefined);
  });

  it('a NodePort (addrtype LOCAL) reaches the server through the node address', () => {
    const lab = routedLab();
    load(
      lab.nf,
      table('nat', {
        PREROUTING: [
          rule({
            proto: 'udp',
            matches: [{ kind: 'addrtype', dstType: { type: 'LOCAL', invert: false } }, dport('udp', 30080)],
            target: dnat('10.0.2.2', 8080),
          }),
        ],
      }),
    );
    const atServer = udpListen(lab.server, 8080, true);
    const atClient = udpListen(lab.client, 40002);
    sendUdp(lab.client, '10.0.1.2', '10.0.1.1', 40002, 30080);
    sendUdp(lab.client, '10.0.1.2', '10.0.2.1', 40002, 30080);
    lab.sim.run();
    expect(atServer).toHaveLength(2);
    expect(atClient.map((s) => [formatIp4(s.src), s.sport])).toEqual([
      ['10.0.1.1', 30080],
      ['10.0.2.1', 30080],
    ]);
  });

  it('DNAT in OUTPUT re-routes a node-local sender to the endpoint; the reply is undone at INPUT', () => {
    const lab = routedLab();
    load(
      lab.nf,
      table('nat', {
        OUTPUT: [
          rule({ dst: VIP, proto: 'udp', matches: [dport('udp', 80)], target: dnat('10.0.2.2', 8080) }),
        ],
      }),
    );
    // The service range is routed out of eth-c: only the re-route after DNAT finds eth-s.
    lab.node.addRoute({ dst: ip4('10.96.0.0'), prefixLen: 12, gateway: ip4('10.0.1.2'), dev: 'eth-c' });
    const atServer = udpListen(lab.server, 8080, true);
    const atNode = udpListen(lab.node, 45000);
    sendUdp(lab.node, '10.0.1.1', VIP, 45000, 80);
    lab.sim.run();
    expect(atServer.map((s) => [formatIp4(s.src), formatIp4(s.dst), s.ttl])).toEqual([
      ['10.0.1.1', '10.0.2.2', 64],
    ]);
    expect(atNode.map((s) => [formatIp4(s.src), s.sport])).toEqual([[VIP, 80]]);
  });

  it('a packet DNATed to the node itself crosses lo with its conntrack entry: PREROUTING runs, no second entry', () => {
    const lab = routedLab();
    load(
      lab.nf,
      table('mangle', { PREROUTING: [rule({ in: 'lo' })] }),
      table('nat', { OUTPUT: [rule({ dst: '10.96.0.5', target: dnat('10.0.2.1', 6000) })] }),
    );
    const got = udpListen(lab.node, 6000);
    sendUdp(lab.node, '10.0.1.1', '10.96.0.5', 5000, 80);
    lab.sim.run({ until: lab.sim.now + SECOND });
    expect(got).toHaveLength(1);
    expect(lab.nf.counters('mangle', 'PREROUTING')?.rules[0]?.packets).toBe(1);
    expect(lab.nf.conntrackList()).toHaveLength(1);
  });

  it('the stack sends out a packet the INPUT hook readdressed elsewhere (as ip_vs_nat_xmit does)', () => {
    const lab = routedLab();
    const seen: string[] = [];
    lab.node.hooks = {
      run: (h, pkt, _in, out) => {
        seen.push(`${h}${out === undefined ? '' : ` ${out}`}`);
        const l4 = pkt.payload;
        if (h === 'INPUT' && l4.kind === 'udp' && l4.dstPort === 7000)
          return withEndpoints(pkt, pkt.src, ip4('10.0.2.2'), l4.srcPort, 8080);
        return pkt;
      },
    };
    const atServer = udpListen(lab.server, 8080);
    sendUdp(lab.client, '10.0.1.2', '10.0.1.1', 43000, 7000);
    lab.sim.run({ until: lab.sim.now + SECOND });
    expect(atServer.map((s) => [formatIp4(s.src), formatIp4(s.dst), s.dport])).toEqual([
      ['10.0.1.2', '10.0.2.2', 8080],
    ]);
    expect(seen.slice(0, 4)).toEqual(['PREROUTING', 'INPUT', 'OUTPUT eth-s', 'POSTROUTING eth-s']);
  });
});
