import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbValidIpv4Packet } from '../../src/testing/index.js';
import {
  emitIpv4,
  ICMP_DEST_UNREACH,
  ICMP_ERROR_TOS,
  ICMP_QUOTE_MAX,
  ICMP_TIME_EXCEEDED,
  IP_FLAG_DF,
  IP_FLAG_MF,
  icmpEcho,
  icmpError,
  icmpErrorPacketLen,
  ip4,
  ipv4,
  ipv4Len,
  l4Len,
  linuxSynOptions,
  parseIpv4,
  pingPayload,
  rawPayload,
  tcpOptionsLen,
  udp,
  udpLen,
  verifyIpv4,
} from '../../src/wire/index.js';

const a = ip4('10.244.1.2');
const b = ip4('10.244.2.2');

function ping(size: number) {
  return ipv4({
    src: a,
    dst: b,
    id: 7,
    flags: IP_FLAG_DF,
    payload: icmpEcho({ type: 8, id: 1, seq: 1, data: pingPayload(size, 0) }),
  });
}

describe('build', () => {
  it('ipv4() defaults to TTL 64, TOS 0, id 0, no flags, and infers the protocol', () => {
    const p = ping(56);
    expect(p).toMatchObject({ ttl: 64, tos: 0, flags: IP_FLAG_DF, protocol: 1, totalLength: 84 });
    const q = ipv4({ src: a, dst: b, protocol: 253, payload: new Uint8Array(3) });
    expect(q).toMatchObject({ ttl: 64, tos: 0, id: 0, flags: 0, fragOffset: 0, totalLength: 23 });
  });

  it('ipv4() refuses a raw payload without protocol, a mismatched protocol, and a fragment of a record', () => {
    expect(() => ipv4({ src: a, dst: b, payload: new Uint8Array(1) })).toThrow(RangeError);
    expect(() => ipv4({ src: a, dst: b, protocol: 6, payload: ping(8).payload })).toThrow(RangeError);
    expect(() => ipv4({ src: a, dst: b, flags: IP_FLAG_MF, payload: ping(8).payload })).toThrow(RangeError);
    expect(() => ipv4({ src: a, dst: b, protocol: 253, payload: new Uint8Array(65516) })).toThrow(RangeError);
  });

  it('pingPayload() writes the iputils pattern after a little-endian timeval', () => {
    const t = 8_000_123 * 1e9 + 456_789_123; // 8000123 s 456789 µs (simulated ns stay below 2^53)
    const d = pingPayload(56, t);
    expect(d.length).toBe(56);
    const dv = new DataView(d.buffer);
    expect(dv.getUint32(0, true)).toBe(8_000_123);
    expect(dv.getUint32(4, true)).toBe(0);
    expect(dv.getUint32(8, true)).toBe(456_789);
    expect(dv.getUint32(12, true)).toBe(0);
    expect(Array.from(d.subarray(16, 20))).toEqual([0x10, 0x11, 0x12, 0x13]);
    expect(d[55]).toBe(0x37);
    expect(Array.from(pingPayload(4, t))).toEqual([0, 1, 2, 3]);
    expect(pingPayload(300)[280]).toBe(280 & 0xff);
  });

  it('icmpError() quotes a whole 84-byte ping: the error packet is 112 bytes (LAB)', () => {
    const orig = ping(56);
    const m = icmpError({ type: ICMP_TIME_EXCEEDED, code: 0, original: orig });
    expect(m.data).toEqual(emitIpv4(orig));
    const err = ipv4({ src: ip4('10.244.1.1'), dst: a, tos: ICMP_ERROR_TOS, payload: m });
    expect(err.totalLength).toBe(112);
    expect(err.tos).toBe(0xc0);
    expect(icmpErrorPacketLen(orig)).toBe(112);
    expect(verifyIpv4(err)).toBe(true);
  });

  it('icmpError() quotes at most 548 bytes: a 1500-byte original gives a 576-byte error (LAB)', () => {
    const orig = ping(1472);
    expect(orig.totalLength).toBe(1500);
    const m = icmpError({ type: ICMP_DEST_UNREACH, code: 4, rest: 1450, original: orig });
    expect(m.data.length).toBe(ICMP_QUOTE_MAX);
    expect(m.data).toEqual(emitIpv4(orig).subarray(0, 548));
    expect(m.rest).toBe(1450);
    const err = ipv4({ src: ip4('10.244.1.1'), dst: a, tos: ICMP_ERROR_TOS, payload: m });
    expect(err.totalLength).toBe(576);
    expect(parseIpv4(emitIpv4(err), 0, { verifyChecksums: true })).toEqual({ ok: true, value: err });
  });

  it('linuxSynOptions() is 20 bytes with timestamps and 12 without', () => {
    expect(tcpOptionsLen(linuxSynOptions({ mss: 1410, tsval: 1 }))).toBe(20);
    expect(tcpOptionsLen(linuxSynOptions({ mss: 1410, tsval: 1, timestamps: false }))).toBe(12);
    expect(linuxSynOptions({ mss: 1410, tsval: 1 }).at(-1)).toEqual({ kind: 'wscale', shift: 10 });
  });

  it('udp() with checksum "zero" sends no checksum', () => {
    expect(
      udp({
        src: a,
        dst: b,
        srcPort: 1,
        dstPort: 2,
        payload: rawPayload(new Uint8Array(5)),
        checksum: 'zero',
      }).checksum,
    ).toBe(0);
  });

  it('builders fill every length field with the length emit writes', () => {
    fc.assert(
      fc.property(arbValidIpv4Packet(1, 200), (p) => {
        expect(emitIpv4(p).length).toBe(p.totalLength);
        expect(ipv4Len(p)).toBe(p.totalLength);
        expect(l4Len(p.payload)).toBe(p.totalLength - 20 - p.options.length);
        if (p.payload.kind === 'udp') expect(udpLen(p.payload)).toBe(p.payload.length);
        if (p.payload.kind === 'tcp') expect(p.payload.dataOffset * 4).toBeGreaterThanOrEqual(20);
      }),
    );
  });

  it('builders fill checksums that verify from fields and from the emitted bytes', () => {
    fc.assert(
      fc.property(arbValidIpv4Packet(1, 200), (p) => {
        expect(verifyIpv4(p)).toBe(true);
        expect(parseIpv4(emitIpv4(p), 0, { verifyChecksums: true }).ok).toBe(true);
      }),
    );
  });
});
