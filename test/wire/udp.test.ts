import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIp4, arbU16, arbUdpDatagram } from '../../src/testing/index.js';
import {
  describeUdp,
  emitUdp,
  ethernet,
  internetChecksum,
  ip4,
  mac,
  parseUdp,
  pseudoHeaderSum,
  rawPayload,
  sumBytes,
  type UdpDatagram,
  udp,
  udpChecksum,
  udpLen,
  verifyUdp,
  vxlan,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

const ends = { src: ip4('10.244.1.2'), dst: ip4('10.244.2.2') };

describe('udp', () => {
  it('parseUdp() reads ports, length and checksum', () => {
    const d = udp({ ...ends, srcPort: 40001, dstPort: 53, payload: hex('deadbeef') });
    expect(d.length).toBe(12);
    const b = emitUdp(d);
    expect(b.subarray(0, 6)).toEqual(hex('9c41 0035 000c'));
    expect(parseUdp(b, 0, ends, { verifyChecksums: true })).toEqual({ ok: true, value: d });
    expect(describeUdp(d)).toBe('UDP 40001 > 53, length 4');
  });

  it('parseUdp() rejects a length below 8 or different from the IP payload length', () => {
    expect(parseUdp(hex('0001 0002 0007 0000'), 0, ends)).toEqual({
      ok: false,
      error: { layer: 'udp', field: 'length', offset: 4, expected: '8 (the IP payload length)' },
    });
    expect(parseUdp(hex('0001 0002 000a 0000 00'), 0, ends)).toMatchObject({
      ok: false,
      error: { field: 'length' },
    });
    expect(parseUdp(hex('0001 0002 00'), 0, ends)).toMatchObject({
      ok: false,
      error: { field: 'length', offset: 0 },
    });
  });

  it('parseUdp() accepts checksum 0 ("no checksum") even when verifying', () => {
    const d = udp({ ...ends, srcPort: 1, dstPort: 2, payload: hex('01'), checksum: 'zero' });
    expect(d.checksum).toBe(0);
    expect(parseUdp(emitUdp(d), 0, ends, { verifyChecksums: true })).toEqual({ ok: true, value: d });
    expect(verifyUdp(d, ends)).toBe(true);
  });

  it('parseUdp() with verifyChecksums rejects a wrong checksum, and the pseudo-header counts', () => {
    const b = emitUdp(udp({ ...ends, srcPort: 1, dstPort: 2, payload: hex('01') }));
    expect(parseUdp(b, 0, { ...ends, dst: ends.dst + 1 }, { verifyChecksums: true })).toMatchObject({
      ok: false,
      error: { layer: 'udp', field: 'checksum', offset: 6 },
    });
  });

  it('udp() sends a computed checksum of 0x0000 as 0xffff', () => {
    // Choose the payload word that makes the one's complement sum 0xffff, so the checksum computes to 0.
    const probe = udp({ ...ends, srcPort: 1000, dstPort: 2000, payload: hex('0000'), checksum: 'zero' });
    const base = pseudoHeaderSum(ends.src, ends.dst, 17, 10) + 1000 + 2000 + 10;
    let s = base;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    const word = 0xffff - s;
    const d = udp({
      ...ends,
      srcPort: 1000,
      dstPort: 2000,
      payload: hex(word.toString(16).padStart(4, '0')),
    });
    expect(probe.length).toBe(10);
    expect(d.checksum).toBe(0xffff);
    expect(verifyUdp(d, ends)).toBe(true);
    expect(parseUdp(emitUdp(d), 0, ends, { verifyChecksums: true }).ok).toBe(true);
  });

  it('udpChecksum() from fields equals the RFC 1071 checksum over pseudo-header and bytes', () => {
    fc.assert(
      fc.property(arbUdpDatagram(1), arbIp4(), arbIp4(), (d, src, dst) => {
        const b = emitUdp({ ...d, checksum: 0 });
        const expected = internetChecksum(b, 0, b.length, pseudoHeaderSum(src, dst, 17, d.length));
        expect(udpChecksum(d, { src, dst })).toBe(expected === 0 ? 0xffff : expected);
      }),
    );
  });

  it('parseUdp() hands a VXLAN port payload to VXLAN only when it is valid VXLAN with a frame', () => {
    const inner = ethernet(mac('0a:00:00:00:00:02'), mac('0a:00:00:00:00:01'), hex('00'), 0x88b5);
    const v = udp({ ...ends, srcPort: 50640, dstPort: 8472, payload: vxlan({ vni: 1, inner }) });
    const b = emitUdp(v);
    expect(parseUdp(b, 0, ends)).toEqual({ ok: true, value: v });
    const noI = b.slice();
    noI[8] = 0; // VXLAN flags without the I bit
    const r = parseUdp(noI, 0, ends);
    expect(r.ok && r.value.payload.kind).toBe('raw');
    const other = parseUdp(b, 0, ends, { vxlanPorts: [4789] });
    expect(other.ok && other.value.payload).toEqual({ kind: 'raw', bytes: b.slice(8) });
    const short = emitUdp(udp({ ...ends, srcPort: 1, dstPort: 8472, payload: hex('0800000000000100 0a00') }));
    const s = parseUdp(short, 0, ends);
    expect(s.ok && s.value.payload.kind).toBe('raw');
  });

  it('parseUdp(emitUdp(d)) is d for every datagram, and emits udpLen() = length bytes', () => {
    fc.assert(
      fc.property(arbUdpDatagram(1), (d) => {
        const b = emitUdp(d);
        expect(b.length).toBe(udpLen(d));
        expect(b.length).toBe(d.length);
        expect(parseUdp(b, 0, ends)).toEqual({ ok: true, value: d });
      }),
    );
  });

  it('parseUdp() never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.nat(82),
        arbU16(),
        fc.boolean(),
        (b, at, port, verify) => {
          const bytes = b.slice();
          if (bytes.length >= at + 4) {
            bytes[at + 2] = port >>> 8;
            bytes[at + 3] = port & 0xff;
          }
          const r = parseUdp(bytes, at, ends, { verifyChecksums: verify, vxlanPorts: [port] });
          if (r.ok) expect(emitUdp(r.value)).toEqual(bytes.slice(at));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('sums of a datagram with an odd raw payload pad the last byte', () => {
    const d: UdpDatagram = udp({ ...ends, srcPort: 7, dstPort: 9, payload: rawPayload(hex('ab')) });
    const b = emitUdp(d);
    expect(sumBytes(b, 8, 9)).toBe(0xab00);
    expect(verifyUdp(d, ends)).toBe(true);
  });
});
