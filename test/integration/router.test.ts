import { describe, expect, it } from 'vitest';
import { Ping, type PingOptions, Traceroute } from '../../src/apps/index.js';
import { ipNeigh, ipRouteGet } from '../../src/inspect/index.js';
import { SECOND } from '../../src/sim/index.js';
import { IPPROTO_ICMP, type Ipv4Packet, ip4 } from '../../src/wire/index.js';
import { ns, record, routerLab } from '../net/helpers.js';

const NODE1 = ip4('192.168.56.11');
const NODE3 = ip4('192.168.57.11');

function ping(
  cluster: ReturnType<typeof routerLab>,
  from: string,
  dst: number,
  opts: Partial<PingOptions> = {},
  untilNs?: number,
) {
  const app = new Ping(ns(cluster, from), {
    dst,
    count: 1,
    intervalNs: SECOND,
    size: 56,
    ttl: 64,
    pmtudisc: 'want',
    ...opts,
  });
  app.start();
  cluster.sim.run(untilNs === undefined ? {} : { until: untilNs });
  return app.result();
}

/** The ICMP packets a capture point saw leaving or arriving. */
function icmpAt(seen: ReturnType<typeof record>, point: string, kind: 'rx' | 'tx'): Ipv4Packet[] {
  return seen
    .filter((s) => s.point === point && s.kind === kind && s.frame.payload.kind === 'ipv4')
    .flatMap((s) =>
      s.frame.payload.kind === 'ipv4' && s.frame.payload.protocol === IPPROTO_ICMP ? [s.frame.payload] : [],
    );
}

describe('the IPv4 datapath across a router', () => {
  it('answers a ping across the router with TTL 63, on the segment with 64', () => {
    const c = routerLab();
    const across = ping(c, 'node1', NODE3);
    expect(across.ttls).toEqual([63]);
    expect(
      across.lines.map((l) =>
        l.text.replace(/time=[\d.]+ ms/, 'time=<rtt> ms').replace(/= [\d./]+ ms/, '= <rtt> ms'),
      ),
    ).toEqual([
      'PING 192.168.57.11 (192.168.57.11) 56(84) bytes of data.',
      '64 bytes from 192.168.57.11: icmp_seq=1 ttl=63 time=<rtt> ms',
      '',
      '--- 192.168.57.11 ping statistics ---',
      '1 packets transmitted, 1 received, 0% packet loss, time 0ms',
      'rtt min/avg/max/mdev = <rtt> ms',
    ]);
    expect(ping(c, 'node1', ip4('192.168.56.12')).ttls).toEqual([64]);
  });

  it('resolves the gateway with one 42-byte broadcast ARP request, REACHABLE until it ages to STALE', () => {
    const c = routerLab();
    const seen = record(c);
    ping(c, 'node1', NODE3, {}, 2 * SECOND);
    const arps = seen.filter(
      (s) => s.point === 'node1/eth0' && s.kind === 'tx' && s.frame.payload.kind === 'arp',
    );
    expect(arps).toHaveLength(1);
    const req = arps[0]!.frame;
    expect(req.dst).toBe(0xffffffffffff);
    expect(req.payload).toMatchObject({
      op: 1,
      senderIp: NODE1,
      targetIp: ip4('192.168.56.1'),
      targetMac: 0,
    });
    expect(ipNeigh(ns(c, 'node1'))).toMatch(
      /^192\.168\.56\.1 dev eth0 lladdr ([0-9a-f]{2}:){5}[0-9a-f]{2} REACHABLE \n$/,
    );
    // base_reachable_time 30 s: REACHABLE for a random 15–45 s, then STALE.
    c.sim.run({ until: 15 * SECOND });
    expect(ipNeigh(ns(c, 'node1'))).toContain('REACHABLE');
    c.sim.run({ until: 46 * SECOND });
    expect(ipNeigh(ns(c, 'node1'))).toContain('STALE');
  });

  it('gives up ARP after three requests one second apart and reports host unreachable from itself', () => {
    const c = routerLab();
    const seen = record(c);
    const r = ping(c, 'node1', ip4('192.168.56.99'));
    const reqTimes = seen
      .filter((s) => s.point === 'node1/eth0' && s.kind === 'tx' && s.frame.payload.kind === 'arp')
      .map((s) => s.time);
    expect(reqTimes.map((t) => t - reqTimes[0]!)).toEqual([0, SECOND, 2 * SECOND]);
    expect(r.lines.map((l) => l.text)).toContain(
      'From 192.168.56.11 icmp_seq=1 Destination Host Unreachable',
    );
    expect(r.lines.at(-2)?.text).toBe(
      '1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms',
    );
    expect(r.lines.at(-1)?.text).toBe('');
    expect(ipNeigh(ns(c, 'node1'))).toContain('192.168.56.99 dev eth0 FAILED \n');
  });

  it('sends time exceeded from the router address facing the sender, TOS 0xc0, quoting the whole 84-byte ping', () => {
    const c = routerLab();
    const seen = record(c);
    const r = ping(c, 'node1', NODE3, { ttl: 1 });
    expect(r.lines[1]?.text).toBe('From 192.168.56.1 icmp_seq=1 Time to live exceeded');
    const [err] = icmpAt(seen, 'router/eth0', 'tx');
    expect(err).toMatchObject({ src: ip4('192.168.56.1'), dst: NODE1, tos: 0xc0, ttl: 64, totalLength: 112 });
  });

  it('quotes a large packet only up to a 576-byte error', () => {
    const c = routerLab();
    const seen = record(c);
    ping(c, 'node1', NODE3, { ttl: 1, size: 1472 });
    const [err] = icmpAt(seen, 'router/eth0', 'tx');
    expect(err?.totalLength).toBe(576);
  });

  it('answers an unroutable destination with net unreachable, rate-limited to two in a burst as Linux does', () => {
    const c = routerLab();
    const seen = record(c);
    const r = ping(c, 'node1', ip4('192.168.99.9'), { count: 3, intervalNs: 1000 });
    expect(r.lines[1]?.text).toBe('From 192.168.56.1 icmp_seq=1 Destination Net Unreachable');
    const errors = icmpAt(seen, 'router/eth0', 'tx').filter(
      (p) => p.payload.kind === 'icmp' && p.payload.type === 3,
    );
    expect(errors).toHaveLength(2);
  });

  it('refuses to send an oversized -M do ping locally, as ping reports it', () => {
    const c = routerLab();
    const r = ping(c, 'node1', NODE3, { size: 1473, pmtudisc: 'do' });
    expect(r.lines.map((l) => l.text)).toContain('ping: local error: message too long, mtu=1500');
    expect(r.received).toBe(0);
  });

  it('sends fragmentation needed with the next-hop MTU when DF meets a smaller link', () => {
    const c = routerLab({ mtu2: 1400 });
    const seen = record(c);
    const r = ping(c, 'node1', NODE3, { size: 1472, pmtudisc: 'do' });
    expect(r.lines[1]?.text).toBe('From 192.168.56.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)');
    const [err] = icmpAt(seen, 'router/eth0', 'tx');
    expect(err?.payload).toMatchObject({ type: 3, code: 4, rest: 1400 });
  });

  it('fragments a packet without DF at the router and reassembles it at the receiver', () => {
    const c = routerLab({ mtu2: 1400 });
    const seen = record(c);
    const r = ping(c, 'node1', NODE3, { size: 1472, pmtudisc: 'dont' });
    expect(r.received).toBe(1);
    const onRack2 = seen.filter(
      (s) => s.point === 'node3/eth0' && s.kind === 'rx' && s.frame.payload.kind === 'ipv4',
    );
    const sizes = onRack2.map((s) => (s.frame.payload.kind === 'ipv4' ? s.frame.payload.totalLength : 0));
    expect(sizes).toEqual([1396, 124]);
  });

  it('traceroute lists the router then the destination', () => {
    const c = routerLab();
    const app = new Traceroute(ns(c, 'node1'), {
      dst: NODE3,
      queries: 3,
      maxHops: 30,
      proto: 'udp',
      waitNs: 5 * SECOND,
    });
    app.start();
    c.sim.run();
    const lines = app.result().lines.map((l) => l.text.replace(/\d+\.\d{3} ms/g, 'T ms'));
    expect(lines).toEqual([
      'traceroute to 192.168.57.11 (192.168.57.11), 30 hops max, 60 byte packets',
      ' 1  192.168.56.1  T ms  T ms  T ms',
      ' 2  192.168.57.11  T ms  T ms  T ms',
    ]);
  });

  it('a link taken down makes its node unreachable, and reachable again once up', () => {
    const c = routerLab();
    ns(c, 'node3').setLinkUp('eth0', false);
    expect(ping(c, 'node1', NODE3, { lingerNs: 5 * SECOND }).received).toBe(0);
    ns(c, 'node3').setLinkUp('eth0', true);
    expect(ping(c, 'node1', NODE3).received).toBe(1);
  });
});

describe('path MTU learned from fragmentation needed', () => {
  it('shows as a route exception in ip route get, and ping -M do then fails locally with it', () => {
    const c = routerLab({ mtu2: 1400 });
    const first = ping(c, 'node1', NODE3, { size: 1472, pmtudisc: 'do' });
    expect(first.lines[1]?.text).toBe('From 192.168.56.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)');
    expect(ipRouteGet(ns(c, 'node1'), NODE3)).toMatch(
      /^192\.168\.57\.11 via 192\.168\.56\.1 dev eth0 src 192\.168\.56\.11 uid 0 \n {4}cache expires 5\d\dsec mtu 1400 \n$/,
    );
    const again = ping(c, 'node1', NODE3, { size: 1472, pmtudisc: 'do' });
    expect(again.lines.map((l) => l.text)).toContain('ping: local error: message too long, mtu=1400');
  });
});
