import { describe, expect, it } from 'vitest';
import {
  DNS_RCODE,
  DNS_TYPE,
  type DnsMessage,
  type DnsRecord,
  dnsQuery,
  formatIp4,
} from '../../../src/wire/index.js';
import { dnsFixture } from './fixture.js';

const ask = (name: string, type: number): DnsMessage => dnsFixture().zone.answer(dnsQuery(7, name, type));
const text = (r: DnsRecord): string => {
  const d = r.data;
  const v =
    d.kind === 'A'
      ? formatIp4(d.address)
      : d.kind === 'SRV'
        ? `${d.priority} ${d.weight} ${d.port} ${d.target}`
        : d.kind === 'CNAME' || d.kind === 'PTR' || d.kind === 'NS'
          ? d.target
          : d.kind === 'TXT'
            ? d.strings.join(' ')
            : d.kind;
  return `${r.name} ${r.ttl} ${d.kind} ${v}`;
};

describe('CoreDnsZone', () => {
  it('answers <svc>.<ns>.svc.cluster.local A with the ClusterIP, AA set, RA clear, TTL 30', () => {
    const m = ask('web.default.svc.cluster.local.', DNS_TYPE.A);
    expect(m).toMatchObject({ id: 7, qr: true, aa: true, ra: false, rd: true, rcode: DNS_RCODE.NOERROR });
    expect(m.answers.map(text)).toEqual(['web.default.svc.cluster.local. 30 A 10.96.0.20']);
  });

  it('answers AAAA of an IPv4 Service with NODATA and the SOA CoreDNS writes', () => {
    const m = ask('web.default.svc.cluster.local.', DNS_TYPE.AAAA);
    expect(m.rcode).toBe(DNS_RCODE.NOERROR);
    expect(m.answers).toEqual([]);
    expect(m.authorities).toHaveLength(1);
    expect(m.authorities[0]).toMatchObject({
      name: 'cluster.local.',
      ttl: 30,
      data: {
        kind: 'SOA',
        mname: 'ns.dns.cluster.local.',
        rname: 'hostmaster.cluster.local.',
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: 30,
      },
    });
  });

  it('answers NXDOMAIN with the SOA for an unknown Service, namespace, or a name outside the schema', () => {
    for (const n of [
      'nosuch.default.svc.cluster.local.',
      'web.nosuchns.svc.cluster.local.',
      'web.svc.cluster.local.',
      'web.cluster.local.',
    ]) {
      const m = ask(n, DNS_TYPE.A);
      expect([n, m.rcode, m.aa, m.authorities[0]?.type]).toEqual([n, DNS_RCODE.NXDOMAIN, true, DNS_TYPE.SOA]);
    }
  });

  it('answers a headless Service with one A per ready endpoint', () => {
    expect(ask('db.default.svc.cluster.local.', DNS_TYPE.A).answers.map(text)).toEqual([
      'db.default.svc.cluster.local. 30 A 10.244.1.7',
      'db.default.svc.cluster.local. 30 A 10.244.2.8',
    ]);
  });

  it('answers StatefulSet hostnames and dashed IPs below the Service; a not-ready endpoint is NXDOMAIN', () => {
    expect(ask('db-1.db.default.svc.cluster.local.', DNS_TYPE.A).answers.map(text)).toEqual([
      'db-1.db.default.svc.cluster.local. 30 A 10.244.2.8',
    ]);
    expect(ask('10-244-2-3.web.default.svc.cluster.local.', DNS_TYPE.A).answers.map(text)).toEqual([
      '10-244-2-3.web.default.svc.cluster.local. 30 A 10.244.2.3',
    ]);
    expect(ask('db-2.db.default.svc.cluster.local.', DNS_TYPE.A).rcode).toBe(DNS_RCODE.NXDOMAIN);
  });

  it('answers SRV for named ports: the Service name for ClusterIP, each endpoint for headless, with A extras', () => {
    const web = ask('_http._tcp.web.default.svc.cluster.local.', DNS_TYPE.SRV);
    expect(web.answers.map(text)).toEqual([
      '_http._tcp.web.default.svc.cluster.local. 30 SRV 0 100 80 web.default.svc.cluster.local.',
    ]);
    expect(web.additionals.map(text)).toEqual(['web.default.svc.cluster.local. 30 A 10.96.0.20']);
    const db = ask('_pg._tcp.db.default.svc.cluster.local.', DNS_TYPE.SRV);
    expect(db.answers.map(text)).toEqual([
      '_pg._tcp.db.default.svc.cluster.local. 30 SRV 0 50 5432 db-0.db.default.svc.cluster.local.',
      '_pg._tcp.db.default.svc.cluster.local. 30 SRV 0 50 5432 db-1.db.default.svc.cluster.local.',
    ]);
    expect(ask('_nope._tcp.web.default.svc.cluster.local.', DNS_TYPE.SRV).rcode).toBe(DNS_RCODE.NXDOMAIN);
  });

  it('answers <a-b-c-d>.<ns>.pod.cluster.local without checking the pod (pods insecure)', () => {
    expect(ask('10-244-9-9.default.pod.cluster.local.', DNS_TYPE.A).answers.map(text)).toEqual([
      '10-244-9-9.default.pod.cluster.local. 30 A 10.244.9.9',
    ]);
    expect(ask('not-an-ip.default.pod.cluster.local.', DNS_TYPE.A).rcode).toBe(DNS_RCODE.NXDOMAIN);
  });

  it('answers PTR for a ClusterIP and a headless endpoint; an unknown address falls through (SERVFAIL)', () => {
    expect(ask('20.0.96.10.in-addr.arpa.', DNS_TYPE.PTR).answers.map(text)).toEqual([
      '20.0.96.10.in-addr.arpa. 30 PTR web.default.svc.cluster.local.',
    ]);
    expect(ask('7.1.244.10.in-addr.arpa.', DNS_TYPE.PTR).answers.map(text)).toEqual([
      '7.1.244.10.in-addr.arpa. 30 PTR db-0.db.default.svc.cluster.local.',
    ]);
    expect(ask('9.9.9.9.in-addr.arpa.', DNS_TYPE.PTR).rcode).toBe(DNS_RCODE.SERVFAIL);
  });

  it('answers an ExternalName with a CNAME, and dns-version with TXT 1.1.0', () => {
    expect(ask('ext.default.svc.cluster.local.', DNS_TYPE.A).answers.map(text)).toEqual([
      'ext.default.svc.cluster.local. 30 CNAME example.com.',
    ]);
    expect(ask('dns-version.cluster.local.', DNS_TYPE.TXT).answers.map(text)).toEqual([
      'dns-version.cluster.local. 28800 TXT 1.1.0',
    ]);
  });

  it('answers SERVFAIL outside its zones (no forward plugin modelled), without AA', () => {
    const m = ask('example.com.', DNS_TYPE.A);
    expect([m.rcode, m.aa, m.authorities]).toEqual([DNS_RCODE.SERVFAIL, false, []]);
  });

  it('follows the store through its informers: a new Service answers after the watch delay', () => {
    const { sim, store, zone } = dnsFixture();
    store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'default' },
      spec: { clusterIP: '10.96.0.30', ports: [{ port: 443 }] },
    });
    expect(zone.answer(dnsQuery(1, 'api.default.svc.cluster.local.', DNS_TYPE.A)).rcode).toBe(
      DNS_RCODE.NXDOMAIN,
    );
    sim.run();
    expect(zone.answer(dnsQuery(1, 'api.default.svc.cluster.local.', DNS_TYPE.A)).answers.map(text)).toEqual([
      'api.default.svc.cluster.local. 30 A 10.96.0.30',
    ]);
  });
});
