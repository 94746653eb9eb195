import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EPB_OUTBOUND } from '../../src/capture/pcapng.js';
import { FileSink } from '../../src/capture/sink.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import {
  DNS_CLASS_IN,
  DNS_RCODE,
  DNS_TYPE,
  type DnsMessage,
  type DnsRecord,
  dnsQuery,
  dnsReply,
  emitDns,
  emitEthernet,
  ethernet,
  ip4,
  ipv4,
  mac,
  parseDns,
  udp,
} from '../../src/wire/index.js';
import { fields, haveTshark, tsharkSkipNote } from '../capture/tshark.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const NAME = 'web.default.svc.cluster.local.';
const QNAME_HEX = '03776562' + '0764656661756c74' + '03737663' + '07636c7573746572' + '056c6f63616c' + '00';

describe('DNS codec', () => {
  it('emitDns() writes the query glibc sends for web.default.svc.cluster.local A: RD only, 47 bytes', () => {
    const b = emitDns(dnsQuery(0x1234, NAME, DNS_TYPE.A));
    // id, flags 0x0100, QDCOUNT 1, no records, the name, type A, class IN (tcpdump: "A? … (47)")
    expect(hex(b)).toBe(`123401000001000000000000${QNAME_HEX}00010001`);
    expect(b.length).toBe(47);
  });

  it('emitDns() writes an uncompressed answer as CoreDNS does for a small reply (QR AA RD, TTL 30)', () => {
    const q = dnsQuery(0x1234, NAME, DNS_TYPE.A);
    const a: DnsRecord = {
      name: NAME,
      type: DNS_TYPE.A,
      class: DNS_CLASS_IN,
      ttl: 30,
      data: { kind: 'A', address: ip4('10.96.0.20') },
    };
    const r = emitDns({ ...dnsReply(q, DNS_RCODE.NOERROR), aa: true, answers: [a] });
    expect(hex(r)).toBe(
      `123485000001000100000000${QNAME_HEX}00010001${QNAME_HEX}000100010000001e00040a600014`,
    );
    // compressed, the owner becomes a pointer to the question name at offset 12
    const c = emitDns({ ...dnsReply(q, DNS_RCODE.NOERROR), aa: true, answers: [a] }, { compress: true });
    expect(hex(c).slice(94)).toBe('c00c000100010000001e00040a600014');
    expect(parseDns(c)).toEqual(parseDns(r));
  });

  it('parseDns() rejects a compression pointer loop and a forward pointer', () => {
    const loop = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    const r = parseDns(loop);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ layer: 'dns', field: 'questions[0].name', offset: 12 });
    const fwd = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1]);
    expect(parseDns(fwd).ok).toBe(false);
  });

  it('parseDns() never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        parseDns(b);
      }),
    );
  });

  const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
  const name = fc
    .array(label, { minLength: 0, maxLength: 5 })
    .map((ls) => (ls.length === 0 ? '.' : `${ls.join('.')}.`));
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const rdata = fc.oneof(
    fc.record({ kind: fc.constant('A' as const), address: u32 }).map((data) => ({ type: DNS_TYPE.A, data })),
    fc
      .uint8Array({ minLength: 16, maxLength: 16 })
      .map((address) => ({ type: DNS_TYPE.AAAA, data: { kind: 'AAAA' as const, address } })),
    fc
      .tuple(fc.constantFrom('NS' as const, 'CNAME' as const, 'PTR' as const), name)
      .map(([kind, target]) => ({ type: DNS_TYPE[kind], data: { kind, target } })),
    fc
      .record({
        kind: fc.constant('SRV' as const),
        priority: fc.nat(0xffff),
        weight: fc.nat(0xffff),
        port: fc.nat(0xffff),
        target: name,
      })
      .map((data) => ({ type: DNS_TYPE.SRV, data })),
    fc
      .array(
        fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
        { minLength: 1, maxLength: 3 },
      )
      .map((strings) => ({ type: DNS_TYPE.TXT, data: { kind: 'TXT' as const, strings } })),
    fc
      .record({
        kind: fc.constant('SOA' as const),
        mname: name,
        rname: name,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
      })
      .map((data) => ({ type: DNS_TYPE.SOA, data })),
    fc
      .uint8Array({ maxLength: 8 })
      .map((bytes) => ({ type: DNS_TYPE.OPT, data: { kind: 'raw' as const, bytes } })),
  );
  const record = fc
    .record({ name, rd: rdata, ttl: u32, class: fc.nat(0xffff) })
    .map(
      ({ name, rd, ttl, class: cls }): DnsRecord => ({ name, type: rd.type, class: cls, ttl, data: rd.data }),
    );
  const message = fc.record({
    id: fc.nat(0xffff),
    qr: fc.boolean(),
    opcode: fc.nat(15),
    aa: fc.boolean(),
    tc: fc.boolean(),
    rd: fc.boolean(),
    ra: fc.boolean(),
    z: fc.boolean(),
    ad: fc.boolean(),
    cd: fc.boolean(),
    rcode: fc.nat(15),
    questions: fc.array(fc.record({ name, type: fc.nat(0xffff), class: fc.nat(0xffff) }), { maxLength: 2 }),
    answers: fc.array(record, { maxLength: 3 }),
    authorities: fc.array(record, { maxLength: 2 }),
    additionals: fc.array(record, { maxLength: 2 }),
  });

  it('parseDns(emitDns(m)) equals m, with and without compression', () => {
    fc.assert(
      fc.property(message, fc.boolean(), (m: DnsMessage, compress) => {
        const b = emitDns(m, { compress });
        expect(parseDns(b)).toEqual({ ok: true, value: m });
        if (compress) expect(b.length).toBeLessThanOrEqual(emitDns(m).length);
      }),
    );
  });
});

const dir = mkdtempSync(join(tmpdir(), 'podwire-dns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveTshark)(`DNS read by tshark${tsharkSkipNote}`, () => {
  it('tshark decodes an emitted query and compressed answer as dns with their fields', () => {
    const client = ip4('10.244.1.5');
    const server = ip4('10.96.0.10');
    const q = dnsQuery(0xbeef, NAME, DNS_TYPE.A);
    const srv: DnsRecord = {
      name: '_http._tcp.web.default.svc.cluster.local.',
      type: DNS_TYPE.SRV,
      class: DNS_CLASS_IN,
      ttl: 30,
      data: { kind: 'SRV', priority: 0, weight: 100, port: 80, target: NAME },
    };
    const a: DnsRecord = {
      name: NAME,
      type: DNS_TYPE.A,
      class: DNS_CLASS_IN,
      ttl: 30,
      data: { kind: 'A', address: ip4('10.96.0.20') },
    };
    const ans = { ...dnsReply(q, DNS_RCODE.NOERROR), aa: true, answers: [a, srv] };
    const frame = (src: number, dst: number, sp: number, dp: number, payload: Uint8Array) =>
      emitEthernet(
        ethernet(
          mac('02:00:00:00:00:02'),
          mac('02:00:00:00:00:01'),
          ipv4({ src, dst, payload: udp({ src, dst, srcPort: sp, dstPort: dp, payload }) }),
        ),
      );
    const file = join(dir, 'dns.pcapng');
    const sink = new FileSink(file);
    const w = new PcapngWriter(sink);
    w.addInterface('pa/eth0');
    w.writePacket(0, 1_000_000_000, frame(client, server, 40000, 53, emitDns(q)), EPB_OUTBOUND);
    w.writePacket(
      0,
      1_000_100_000,
      frame(server, client, 53, 40000, emitDns(ans, { compress: true })),
      EPB_OUTBOUND,
    );
    w.close();
    const rows = fields(
      file,
      [
        'dns.id',
        'dns.flags',
        'dns.qry.name',
        'dns.qry.type',
        'dns.a',
        'dns.srv.port',
        'dns.srv.target',
        '_ws.malformed',
      ],
      'dns',
    );
    expect(rows).toEqual([
      ['0xbeef', '0x0100', 'web.default.svc.cluster.local', '1', '', '', '', ''],
      [
        '0xbeef',
        '0x8500',
        'web.default.svc.cluster.local',
        '1',
        '10.96.0.20',
        '80',
        'web.default.svc.cluster.local',
        '',
      ],
    ]);
  });
});
