import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIpvsadmConnections,
  Ipvs,
  type IpvsVerdict,
  KUBE_PROXY_SYSCTLS,
  TCP_S,
} from '../../src/netfilter/index.js';
import { SECOND } from '../../src/sim/index.js';
import {
  IP_FLAG_DF,
  type Ip4,
  type Ipv4Packet,
  ip4,
  ipv4,
  TCP_ACK,
  TCP_FIN,
  TCP_SYN,
  tcp,
  udp,
  verifyIpv4,
} from '../../src/wire/index.js';

const C = ip4('10.244.1.2');
const V = ip4('10.96.0.100');
const D1 = ip4('10.244.2.2');
const D2 = ip4('10.244.3.2');

function tcpPacket(src: Ip4, sport: number, dst: Ip4, dport: number, flags: number, ttl = 64): Ipv4Packet {
  const seg = tcp({ src, dst, srcPort: sport, dstPort: dport, seq: 1000, ack: 0, flags, window: 64240 });
  return ipv4({ src, dst, ttl, id: 7, flags: IP_FLAG_DF, payload: seg });
}

function udpPacket(
  src: Ip4,
  sport: number,
  dst: Ip4,
  dport: number,
  checksum: 'compute' | 'zero' = 'compute',
) {
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  return ipv4({
    src,
    dst,
    id: 9,
    payload: udp({ src, dst, srcPort: sport, dstPort: dport, payload, checksum }),
  });
}

/** kube-proxy's IPVS: sysctls as the proxier sets them, one TCP service V:80 → D1:8080, D2:8080. */
function cluster(options: { persistent?: number; scheduler?: 'rr' | 'wrr'; kernelSysctls?: boolean } = {}) {
  const ipvs = new Ipvs(options.kernelSysctls === true ? {} : { sysctls: KUBE_PROXY_SYSCTLS });
  const svc = {
    protocol: 'TCP' as const,
    addr: V,
    port: 80,
    scheduler: options.scheduler ?? ('rr' as const),
    ...(options.persistent !== undefined ? { persistent: { timeout: options.persistent } } : {}),
  };
  expect(ipvs.addService(svc)).toBeUndefined();
  expect(ipvs.addDest('TCP', V, 80, { addr: D1, port: 8080 })).toBeUndefined();
  expect(ipvs.addDest('TCP', V, 80, { addr: D2, port: 8080 })).toBeUndefined();
  return ipvs;
}

function nat(v: IpvsVerdict): Ipv4Packet {
  if (v.kind !== 'nat') throw new Error(`expected nat, got ${JSON.stringify(v)}`);
  return v.packet;
}

function dest(ipvs: Ipvs, addr: Ip4) {
  const d = ipvs.service('TCP', V, 80)?.findDest(addr, 8080);
  if (d === undefined) throw new Error('no dest');
  return d;
}

describe('IPVS connections', () => {
  it('request() DNATs a SYN to the scheduled real server, TTL − 1, checksums patched', () => {
    const ipvs = cluster();
    const v = ipvs.request('LOCAL_IN', tcpPacket(C, 40000, V, 80, TCP_SYN), 0);
    expect(v.kind).toBe('nat');
    if (v.kind !== 'nat') return;
    // D2 was added last, so it heads the list and rr picks it first.
    expect([v.packet.src, v.packet.dst, v.packet.ttl]).toEqual([C, D2, 63]);
    expect(v.packet.payload.kind === 'tcp' && v.packet.payload.dstPort).toBe(8080);
    expect(verifyIpv4(v.packet)).toBe(true);
    expect([v.local, v.conntrack]).toEqual([false, true]);
    expect(v.conn.state).toBe(TCP_S.SYN_RECV);
    expect([dest(ipvs, D2).activeConns, dest(ipvs, D2).inactConns]).toEqual([0, 1]);
  });

  it('a connection counts as active once ESTABLISHED and inactive again after a FIN', () => {
    const ipvs = cluster();
    ipvs.request('LOCAL_IN', tcpPacket(C, 40000, V, 80, TCP_SYN), 0);
    const synAck = ipvs.reply('FORWARD', tcpPacket(D2, 8080, C, 40000, TCP_SYN | TCP_ACK), 1);
    expect(synAck?.packet.src).toBe(V);
    expect(synAck?.packet.payload.kind === 'tcp' && synAck.packet.payload.srcPort).toBe(80);
    const ack = nat(ipvs.request('LOCAL_IN', tcpPacket(C, 40000, V, 80, TCP_ACK), 2));
    expect(ack.dst).toBe(D2);
    expect([dest(ipvs, D2).activeConns, dest(ipvs, D2).inactConns]).toEqual([1, 0]);
    ipvs.request('LOCAL_IN', tcpPacket(C, 40000, V, 80, TCP_FIN | TCP_ACK), 3);
    expect([dest(ipvs, D2).activeConns, dest(ipvs, D2).inactConns]).toEqual([0, 1]);
    expect(ipvs.conns.list()[0]?.state).toBe(TCP_S.CLOSE_WAIT);
  });

  it('connections expire lazily by IPVS timeouts: SYN_RECV 60 s, ESTABLISHED 900 s, UDP 300 s', () => {
    const ipvs = cluster();
    ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN), 0);
    ipvs.request('LOCAL_IN', tcpPacket(C, 2, V, 80, TCP_SYN), 0);
    ipvs.request('LOCAL_IN', tcpPacket(C, 2, V, 80, TCP_ACK), SECOND);
    ipvs.expire(60 * SECOND - 1);
    expect(ipvs.conns.size).toBe(2);
    ipvs.expire(60 * SECOND);
    expect(ipvs.conns.size).toBe(1);
    ipvs.expire(901 * SECOND - 1);
    expect(ipvs.conns.size).toBe(1);
    ipvs.expire(901 * SECOND);
    expect(ipvs.conns.size).toBe(0);
    expect(dest(ipvs, D1).totalConns + dest(ipvs, D2).totalConns).toBe(0);

    ipvs.addService({ protocol: 'UDP', addr: V, port: 53, scheduler: 'rr' });
    ipvs.addDest('UDP', V, 53, { addr: D1, port: 53 });
    ipvs.request('LOCAL_IN', udpPacket(C, 5353, V, 53), 1000 * SECOND);
    const d = ipvs.service('UDP', V, 53)?.findDest(D1, 53);
    expect([d?.activeConns, d?.inactConns]).toEqual([0, 1]);
    ipvs.expire(1300 * SECOND - 1);
    expect(ipvs.conns.size).toBe(1);
    ipvs.expire(1300 * SECOND);
    expect(ipvs.conns.size).toBe(0);
  });

  it('later packets of a connection keep its real server whatever the scheduler says next', () => {
    const ipvs = cluster();
    const first = nat(ipvs.request('LOCAL_IN', tcpPacket(C, 40000, V, 80, TCP_SYN), 0)).dst;
    nat(ipvs.request('LOCAL_IN', tcpPacket(C, 40001, V, 80, TCP_SYN), 0)); // rr moves on
    expect(nat(ipvs.request('LOCAL_IN', tcpPacket(C, 40000, V, 80, TCP_ACK), 1)).dst).toBe(first);
  });

  it('a UDP datagram without checksum gets a full one, as udp_dnat_handler computes it', () => {
    const ipvs = new Ipvs();
    ipvs.addService({ protocol: 'UDP', addr: V, port: 53, scheduler: 'rr' });
    ipvs.addDest('UDP', V, 53, { addr: D1, port: 5353 });
    const p = nat(ipvs.request('LOCAL_IN', udpPacket(C, 1234, V, 53, 'zero'), 0));
    const expected = udp({
      src: C,
      dst: D1,
      srcPort: 1234,
      dstPort: 5353,
      payload: new Uint8Array([1, 2, 3, 4, 5]),
    });
    expect(p.payload).toEqual(expected);
    expect(verifyIpv4(p)).toBe(true);
  });
});

describe('IPVS request outcomes', () => {
  it('packets that are not IPVS business are accepted unchanged', () => {
    const ipvs = cluster();
    expect(ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 81, TCP_SYN), 0).kind).toBe('accept'); // no service
    expect(ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_ACK), 0).kind).toBe('accept'); // not a SYN
    expect(ipvs.request('LOCAL_IN', udpPacket(C, 1, V, 80), 0).kind).toBe('accept'); // no UDP service
    expect(ipvs.reply('FORWARD', tcpPacket(D1, 8080, C, 1, TCP_ACK), 0)).toBeUndefined();
  });

  it('a service without a usable real server answers ICMP port unreachable (ip_vs_leave)', () => {
    const ipvs = cluster();
    ipvs.editDest('TCP', V, 80, { addr: D1, port: 8080, weight: 0 });
    ipvs.editDest('TCP', V, 80, { addr: D2, port: 8080, weight: 0 });
    expect(ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN), 0)).toEqual({
      kind: 'icmp',
      type: 3,
      code: 3,
      reason: 'no-destination',
    });
  });

  it('TTL 1 gets ICMP time exceeded; a local real server keeps the TTL', () => {
    const ipvs = cluster();
    expect(ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN, 1), 0)).toMatchObject({
      kind: 'icmp',
      type: 11,
    });
    const local = new Ipvs({ isLocal: (a) => a === D1 || a === ip4('127.0.0.1') });
    local.addService({ protocol: 'TCP', addr: V, port: 80, scheduler: 'rr' });
    local.addDest('TCP', V, 80, { addr: D1, port: 8080 });
    const v = local.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN, 1), 0);
    expect(v).toMatchObject({ kind: 'nat', local: true, packet: { ttl: 1, dst: D1 } });
    local.editDest('TCP', V, 80, { addr: D1, port: 8080, weight: 0 });
    local.addDest('TCP', V, 80, { addr: ip4('127.0.0.1'), port: 8080 });
    expect(local.request('LOCAL_IN', tcpPacket(C, 2, V, 80, TCP_SYN), 0)).toEqual({
      kind: 'drop',
      reason: 'dnat-to-loopback',
    });
  });

  it('a SYN reusing the ports of a TIME_WAIT connection is scheduled afresh (conn_reuse_mode 1)', () => {
    const ipvs = cluster();
    const first = nat(ipvs.request('LOCAL_IN', tcpPacket(C, 7, V, 80, TCP_SYN), 0)).dst;
    ipvs.request('LOCAL_IN', tcpPacket(C, 7, V, 80, TCP_FIN | TCP_ACK), 1); // SYN_RECV + FIN → TIME_WAIT
    expect(ipvs.conns.list()[0]?.state).toBe(TCP_S.TIME_WAIT);
    const again = nat(ipvs.request('LOCAL_IN', tcpPacket(C, 7, V, 80, TCP_SYN), 2)).dst;
    expect(again).not.toBe(first);
    expect(ipvs.conns.size).toBe(1);
    ipvs.request('LOCAL_IN', tcpPacket(C, 7, V, 80, TCP_FIN | TCP_ACK), 3);
    const old = ipvs.request('LOCAL_IN', tcpPacket(C, 7, V, 80, TCP_SYN), 4, { conntrackConfirmed: true });
    expect(old).toEqual({ kind: 'drop', reason: 'old-conntrack' });
  });

  it('deleting a real server flushes its connections with expire_nodest_conn=1, drops their packets without', () => {
    const ipvs = cluster();
    nat(ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN), 0)); // → D2
    expect(ipvs.deleteDest('TCP', V, 80, D2, 8080, 1)).toBeUndefined();
    expect(ipvs.conns.size).toBe(0);

    const plain = cluster({ kernelSysctls: true });
    nat(plain.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN), 0));
    const d2 = dest(plain, D2);
    plain.deleteDest('TCP', V, 80, D2, 8080, 1);
    expect(plain.conns.size).toBe(1);
    expect(plain.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_ACK), 2)).toEqual({
      kind: 'drop',
      reason: 'dest-unavailable',
    });
    // Re-added while connections still use it, the dest comes back from the trash with its counters.
    plain.addDest('TCP', V, 80, { addr: D2, port: 8080 });
    expect(dest(plain, D2)).toBe(d2);
    expect(d2.inactConns).toBe(1);
    expect(nat(plain.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_ACK), 3)).dst).toBe(D2);
  });
});

describe('IPVS persistence', () => {
  it('persistent services send every connection of a client to the templated real server', () => {
    const ipvs = cluster({ persistent: 10800 });
    const dsts = [1, 2, 3, 4].map(
      (p) => nat(ipvs.request('LOCAL_IN', tcpPacket(C, p, V, 80, TCP_SYN), 0)).dst,
    );
    expect(new Set(dsts).size).toBe(1);
    const other = nat(ipvs.request('LOCAL_IN', tcpPacket(ip4('10.244.1.3'), 1, V, 80, TCP_SYN), 0)).dst;
    expect(other).not.toBe(dsts[0]); // rr moved on for the new client's template
    expect(dest(ipvs, dsts[0] as Ip4).persistConns).toBe(1);
    expect(formatIpvsadmConnections(ipvs, 0)).toContain(
      'TCP 180:00 NONE        10.244.1.2:0       10.96.0.100:80     ',
    );
  });

  it('a template outlives its timeout while it controls a connection, re-armed by 60 s', () => {
    const ipvs = cluster({ persistent: 10 });
    ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN), 0);
    ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_ACK), SECOND); // ESTABLISHED until 901 s
    const templates = () => ipvs.conns.list().filter((c) => c.template).length;
    ipvs.expire(900 * SECOND);
    expect(templates()).toBe(1);
    ipvs.expire(901 * SECOND); // the connection goes; the template fires at 10 + 15·60 = 910 s
    expect(ipvs.conns.size).toBe(1);
    ipvs.expire(910 * SECOND - 1);
    expect(templates()).toBe(1);
    ipvs.expire(910 * SECOND);
    expect(ipvs.conns.size).toBe(0);
  });

  it('expire_quiescent_template moves a client off a weight-0 real server; the kernel default does not', () => {
    for (const kernel of [false, true]) {
      const ipvs = cluster({ persistent: 10800, kernelSysctls: kernel });
      const first = nat(ipvs.request('LOCAL_IN', tcpPacket(C, 1, V, 80, TCP_SYN), 0)).dst;
      ipvs.editDest('TCP', V, 80, { addr: first, port: 8080, weight: 0 });
      const next = nat(ipvs.request('LOCAL_IN', tcpPacket(C, 2, V, 80, TCP_SYN), 1)).dst;
      expect(next === first).toBe(kernel);
    }
  });
});

describe('IPVS NAT symmetry', () => {
  it('the reply rewrite is the inverse of the request rewrite', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0x0a000001, max: 0x0a0fffff }),
        fc.integer({ min: 1024, max: 65535 }),
        fc.integer({ min: 2, max: 255 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom('tcp', 'udp', 'udp-nocsum'),
        (client, sport, ttl, data, kind) => {
          const ipvs = new Ipvs();
          const proto = kind === 'tcp' ? 'TCP' : 'UDP';
          ipvs.addService({ protocol: proto, addr: V, port: 80, scheduler: 'rr' });
          ipvs.addDest(proto, V, 80, { addr: D1, port: 8080 });
          const l4 = (src: Ip4, sp: number, dst: Ip4, dp: number) =>
            kind === 'tcp'
              ? tcp({
                  src,
                  dst,
                  srcPort: sp,
                  dstPort: dp,
                  seq: 1,
                  ack: 0,
                  flags: TCP_SYN,
                  window: 100,
                  payload: data,
                })
              : udp({
                  src,
                  dst,
                  srcPort: sp,
                  dstPort: dp,
                  payload: data,
                  checksum: kind === 'udp' ? 'compute' : 'zero',
                });
          const req = ipv4({ src: client, dst: V, ttl, id: 3, payload: l4(client, sport, V, 80) });
          const out = nat(ipvs.request('LOCAL_IN', req, 0));
          const full = (src: Ip4, sp: number, dst: Ip4, dp: number, t: number) =>
            ipv4({
              src,
              dst,
              ttl: t,
              id: 3,
              payload:
                kind === 'tcp'
                  ? l4(src, sp, dst, dp)
                  : udp({ src, dst, srcPort: sp, dstPort: dp, payload: data }),
            });
          expect(out).toEqual(full(client, sport, D1, 8080, ttl - 1));
          const back = ipv4({ src: D1, dst: client, ttl, id: 3, payload: l4(D1, 8080, client, sport) });
          const rep = ipvs.reply('FORWARD', back, 1);
          expect(rep?.packet).toEqual(full(V, 80, client, sport, ttl));
        },
      ),
    );
  });
});
