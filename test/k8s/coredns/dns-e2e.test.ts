import { describe, expect, it } from 'vitest';
import { podResolvConf, type ResolveResult, resolveHost, startDnsServer } from '../../../src/apps/index.js';
import { SECOND } from '../../../src/sim/index.js';
import { DNS_PORT, formatIp4, IPPROTO_UDP, parseDns } from '../../../src/wire/index.js';
import { tcpLab } from '../../net/tcp-lab.js';
import { dnsFixture } from './fixture.js';

/** pa (10.244.0.2) resolves with the pod search path of namespace default; pb (10.244.0.3) runs CoreDNS. */
function lab() {
  const l = tcpLab();
  const { zone } = dnsFixture(l.sim);
  const server = startDnsServer(l.pb, (q) => zone.answer(q));
  if (typeof server === 'string') throw new Error(server);
  const wire: string[] = [];
  l.trace.on((kind, _t, point, frame) => {
    if (point.name !== 'pa/eth0' || kind !== 'tx') return;
    const ip = frame.payload;
    if (ip.kind !== 'ipv4' || ip.protocol !== IPPROTO_UDP || ip.payload.kind !== 'udp') return;
    const d = ip.payload;
    if (d.dstPort !== DNS_PORT || d.payload.kind !== 'raw') return;
    const m = parseDns(d.payload.bytes);
    if (!m.ok) return;
    const q = m.value.questions[0];
    wire.push(
      `${d.srcPort} ${q?.name} ${q?.type === 1 ? 'A' : q?.type === 28 ? 'AAAA' : q?.type} id=${m.value.id}`,
    );
  });
  const resolve = (name: string): ResolveResult => {
    let out: ResolveResult | undefined;
    resolveHost(l.pa, name, podResolvConf('default', '10.244.0.3'), (r) => {
      out = r;
    });
    l.sim.run({ until: l.sim.now + 60 * SECOND });
    if (out === undefined) throw new Error('resolver never finished');
    return out;
  };
  return { ...l, wire, resolve };
}

describe('DNS over UDP: glibc stub resolver ↔ CoreDNS zone', () => {
  it('resolves `web` with the first search domain: A and AAAA from one port, different ids', () => {
    const l = lab();
    const r = l.resolve('web');
    expect(r.ok).toBe(true);
    expect(r.addresses.map(formatIp4)).toEqual(['10.96.0.20']);
    expect(r.canonicalName).toBe('web.default.svc.cluster.local.');
    expect(r.tried).toEqual(['web.default.svc.cluster.local.']);
    expect(l.wire).toHaveLength(2);
    const [a, aaaa] = l.wire.map((w) => w.split(' '));
    expect([a?.[1], a?.[2], aaaa?.[1], aaaa?.[2]]).toEqual([
      'web.default.svc.cluster.local.',
      'A',
      'web.default.svc.cluster.local.',
      'AAAA',
    ]);
    expect(a?.[0]).toBe(aaaa?.[0]);
    expect(a?.[3]).not.toBe(aaaa?.[3]);
    expect(r.lines).toEqual([]);
    expect(r.endNs - r.startNs).toBeLessThan(SECOND);
  });

  it('walks the whole search list on NXDOMAIN, then the name as is, and fails with curl’s message', () => {
    const l = lab();
    const r = l.resolve('nosuch');
    expect(r.ok).toBe(false);
    expect(r.tried).toEqual([
      'nosuch.default.svc.cluster.local.',
      'nosuch.svc.cluster.local.',
      'nosuch.cluster.local.',
      'nosuch.',
    ]);
    // each search name: A + AAAA once; `nosuch.` gets SERVFAIL (no upstream) and is retried (attempts 2)
    expect(l.wire.map((w) => w.split(' ').slice(1, 3).join(' '))).toEqual([
      'nosuch.default.svc.cluster.local. A',
      'nosuch.default.svc.cluster.local. AAAA',
      'nosuch.svc.cluster.local. A',
      'nosuch.svc.cluster.local. AAAA',
      'nosuch.cluster.local. A',
      'nosuch.cluster.local. AAAA',
      'nosuch. A',
      'nosuch. AAAA',
      'nosuch. A',
      'nosuch. AAAA',
    ]);
    // a new socket (source port) per name, the same one for the retry of `nosuch.`
    const ports = l.wire.map((w) => w.split(' ')[0]);
    expect(new Set(ports).size).toBe(4);
    expect(ports[6]).toBe(ports[8]);
    expect(r.lines).toEqual(['curl: (6) Could not resolve host: nosuch']);
  });

  it('resolves a fully qualified name (trailing dot) with one query pair and no search', () => {
    const l = lab();
    const r = l.resolve('db-0.db.default.svc.cluster.local.');
    expect(r.addresses.map(formatIp4)).toEqual(['10.244.1.7']);
    expect(r.tried).toEqual(['db-0.db.default.svc.cluster.local.']);
  });

  it('gives up at once when the nameserver port is closed (ICMP port unreachable → ECONNREFUSED)', () => {
    const l = lab();
    // no server: pb answers port unreachable, which a connected socket hears as ECONNREFUSED
    const r0 = (() => {
      const l2 = tcpLab();
      let out: ResolveResult | undefined;
      resolveHost(l2.pa, 'web', podResolvConf('default', '10.244.0.3'), (r) => {
        out = r;
      });
      l2.sim.run({ until: 60 * SECOND });
      return out;
    })();
    expect(r0?.ok).toBe(false);
    expect(r0?.herrno).toBe('TRY_AGAIN');
    expect(r0?.lines).toEqual(['curl: (6) Could not resolve host: web']);
    expect(r0?.queries).toHaveLength(4); // A+AAAA twice (attempts 2), then the search stops
    expect(l.wire).toEqual([]);
  });
});
