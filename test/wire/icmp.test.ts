import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIcmpMessage } from '../../src/testing/index.js';
import {
  describeIcmp,
  echoId,
  echoSeq,
  emitIcmp,
  emitIpv4,
  ICMP_DEST_UNREACH,
  ICMP_FRAG_NEEDED,
  ICMP_PORT_UNREACH,
  ICMP_TIME_EXCEEDED,
  icmpChecksum,
  icmpEcho,
  icmpError,
  icmpLen,
  internetChecksum,
  ip4,
  ipv4,
  parseIcmp,
  parseIcmpQuote,
  pingPayload,
  udp,
  verifyIcmp,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

describe('icmp', () => {
  it('parseIcmp() reads the LAB echo request header: id 0x3680, seq 1', () => {
    const data = pingPayload(56, 0);
    const m = icmpEcho({ type: 8, id: 0x3680, seq: 1, data });
    const b = emitIcmp(m);
    expect(b.subarray(0, 2)).toEqual(hex('0800'));
    expect(b.subarray(4, 8)).toEqual(hex('3680 0001'));
    const r = parseIcmp(b, 0, { verifyChecksums: true });
    expect(r).toEqual({ ok: true, value: m });
    if (r.ok) {
      expect(echoId(r.value)).toBe(0x3680);
      expect(echoSeq(r.value)).toBe(1);
      expect(describeIcmp(r.value)).toBe('ICMP echo request, id 13952, seq 1, length 64');
    }
  });

  it('parseIcmp() rejects a message shorter than 8 bytes', () => {
    expect(parseIcmp(hex('0800 0000 0000 00'), 0)).toEqual({
      ok: false,
      error: { layer: 'icmp', field: 'length', offset: 0, expected: 'at least 8 bytes, got 7' },
    });
  });

  it('parseIcmp() with verifyChecksums rejects a wrong checksum and accepts it without', () => {
    const b = emitIcmp(icmpEcho({ type: 0, id: 1, seq: 2, data: hex('aabbcc') }));
    b[3] = (b[3] ?? 0) ^ 0x40;
    expect(parseIcmp(b, 0, { verifyChecksums: true })).toMatchObject({
      ok: false,
      error: { layer: 'icmp', field: 'checksum', offset: 2 },
    });
    expect(parseIcmp(b).ok).toBe(true);
  });

  it('icmpChecksum() from fields equals the RFC 1071 checksum of the emitted message', () => {
    fc.assert(
      fc.property(arbIcmpMessage(), (m) => {
        const b = emitIcmp({ ...m, checksum: 0 });
        expect(icmpChecksum(m)).toBe(internetChecksum(b));
        expect(verifyIcmp({ ...m, checksum: icmpChecksum(m) })).toBe(true);
      }),
    );
  });

  it('parseIcmp(emitIcmp(m)) is m for every message, and emits icmpLen() bytes', () => {
    fc.assert(
      fc.property(arbIcmpMessage(), (m) => {
        const b = emitIcmp(m);
        expect(b.length).toBe(icmpLen(m));
        expect(parseIcmp(b)).toEqual({ ok: true, value: m });
      }),
    );
  });

  it('parseIcmp() never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(42), fc.boolean(), (b, at, verify) => {
        const r = parseIcmp(b, at, { verifyChecksums: verify });
        if (r.ok) expect(emitIcmp(r.value)).toEqual(b.slice(at));
      }),
    );
  });

  it('describeIcmp() names errors like tcpdump, with the quoted destination', () => {
    const orig = ipv4({
      src: ip4('10.244.1.2'),
      dst: ip4('10.244.2.2'),
      payload: udp({
        src: ip4('10.244.1.2'),
        dst: ip4('10.244.2.2'),
        srcPort: 40000,
        dstPort: 33434,
        payload: new Uint8Array(32),
      }),
    });
    expect(
      describeIcmp(icmpError({ type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH, original: orig })),
    ).toBe('ICMP 10.244.2.2 port unreachable, length 68');
    expect(
      describeIcmp(
        icmpError({ type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED, rest: 1450, original: orig }),
      ),
    ).toBe('ICMP 10.244.2.2 unreachable - need to frag (mtu 1450), length 68');
    expect(describeIcmp(icmpError({ type: ICMP_TIME_EXCEEDED, code: 0, original: orig }))).toBe(
      'ICMP time exceeded in-transit, length 68',
    );
  });
});

describe('parseIcmpQuote()', () => {
  it('reads protocol, destination and header length from a quote cut short of the datagram', () => {
    const original = ipv4({
      src: ip4('10.0.0.1'),
      dst: ip4('10.0.0.2'),
      payload: icmpEcho({ type: 8, id: 1, seq: 1, data: new Uint8Array(1400) }),
    });
    const quote = emitIpv4(original).slice(0, 548);
    expect(parseIcmpQuote(quote)).toEqual({ protocol: 1, dst: ip4('10.0.0.2'), headerLen: 20 });
    expect(parseIcmpQuote(quote.slice(0, 19))).toBeUndefined();
    expect(parseIcmpQuote(new Uint8Array(20).fill(0x60))).toBeUndefined();
  });
});
