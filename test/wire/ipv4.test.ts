import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIpv4Packet, arbValidIpv4Packet } from '../../src/testing/index.js';
import {
  describeIpv4,
  emitIpv4,
  IP_FLAG_DF,
  IP_FLAG_MF,
  internetChecksum,
  ip4,
  ipv4,
  ipv4HeaderChecksum,
  ipv4Len,
  parseEthernet,
  parseIpv4,
  rawPayload,
  udp,
  verifyIpv4,
  verifyIpv4Header,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

// The outer IPv4 header of the LAB VXLAN frame (wire-formats.md §7) and its 114-byte UDP payload zeroed.
const LAB_OUTER_HEADER = hex('4500 0086 ac58 0000 4011 dca6 c0a8380b c0a8380c');

function packet(header: Uint8Array, payloadLen: number): Uint8Array {
  const b = new Uint8Array(header.length + payloadLen);
  b.set(header);
  return b;
}

describe('ipv4', () => {
  it('ipv4HeaderChecksum() of the LAB outer header fields is the captured 0xdca6', () => {
    const fields = {
      tos: 0,
      totalLength: 134,
      id: 0xac58,
      flags: 0,
      fragOffset: 0,
      ttl: 64,
      protocol: 17,
      src: ip4('192.168.56.11'),
      dst: ip4('192.168.56.12'),
      options: new Uint8Array(0),
    };
    expect(ipv4HeaderChecksum(fields)).toBe(0xdca6);
    const zeroed = LAB_OUTER_HEADER.slice();
    zeroed[10] = 0;
    zeroed[11] = 0;
    expect(internetChecksum(zeroed)).toBe(0xdca6);
  });

  it('parseIpv4() rejects total length below header length', () => {
    const b = packet(hex('4500 0013 0000 0000 4011 0000 0a000001 0a000002'), 0);
    expect(parseIpv4(b)).toEqual({
      ok: false,
      error: { layer: 'ipv4', field: 'totalLength', offset: 2, expected: 'at least the header length 20' },
    });
  });

  it('parseIpv4() rejects a total length beyond the input', () => {
    const b = packet(hex('4500 0030 0000 0000 40fd 0000 0a000001 0a000002'), 8);
    expect(parseIpv4(b)).toMatchObject({ ok: false, error: { field: 'totalLength', offset: 2 } });
  });

  it('parseIpv4() rejects version 6, IHL below 5 and options running past the input', () => {
    expect(parseIpv4(packet(hex('6500 0014 0000 0000 40fd 0000 0a000001 0a000002'), 0))).toMatchObject({
      ok: false,
      error: { field: 'version', offset: 0, expected: '4' },
    });
    expect(parseIpv4(packet(hex('4400 0014 0000 0000 40fd 0000 0a000001 0a000002'), 0))).toMatchObject({
      ok: false,
      error: { field: 'ihl' },
    });
    expect(parseIpv4(packet(hex('4f00 0014 0000 0000 40fd 0000 0a000001 0a000002'), 4))).toMatchObject({
      ok: false,
      error: { field: 'ihl' },
    });
  });

  it('parseIpv4() rejects a truncated header with the offset it started at', () => {
    expect(parseIpv4(hex('00 45 00 00 14'), 1)).toEqual({
      ok: false,
      error: { layer: 'ipv4', field: 'length', offset: 1, expected: 'at least 20 bytes, got 4' },
    });
  });

  it('parseIpv4() with verifyChecksums rejects a wrong header checksum and names the right one', () => {
    const good = emitIpv4(
      ipv4({ src: ip4('10.244.1.2'), dst: ip4('10.244.2.2'), protocol: 253, payload: hex('00') }),
    );
    const bad = good.slice();
    bad[11] = (bad[11] ?? 0) ^ 1;
    const right = `0x${(((good[10] ?? 0) << 8) | (good[11] ?? 0)).toString(16).padStart(4, '0')}`;
    expect(parseIpv4(bad, 0, { verifyChecksums: true })).toEqual({
      ok: false,
      error: { layer: 'ipv4', field: 'checksum', offset: 10, expected: right },
    });
    expect(parseIpv4(bad).ok).toBe(true);
  });

  it('parseIpv4() ignores bytes after the total length; parseEthernet() keeps them as trailer', () => {
    const p = ipv4({ src: 1, dst: 2, protocol: 253, payload: hex('0102') });
    const b = new Uint8Array(ipv4Len(p) + 5);
    emitIpv4(p, b);
    expect(parseIpv4(b)).toEqual({ ok: true, value: p });
    const frame = new Uint8Array(14 + b.length);
    frame.set(hex('0a0000000002 0a0000000001 0800'));
    frame.set(b, 14);
    const f = parseEthernet(frame);
    expect(f.ok && f.value.trailer).toEqual(new Uint8Array(5));
  });

  it('parseIpv4() keeps a fragment as raw bytes even for UDP', () => {
    const d = udp({ src: 1, dst: 2, srcPort: 1, dstPort: 2, payload: new Uint8Array(16) });
    const whole = emitIpv4(ipv4({ src: 1, dst: 2, payload: d }));
    whole[6] = 0x20; // MF
    const r = parseIpv4(whole);
    expect(r.ok && r.value.payload.kind).toBe('raw');
    expect(r.ok && r.value.flags).toBe(IP_FLAG_MF);
  });

  it('parseIpv4() reads header options and emitIpv4() writes the IHL from them', () => {
    const options = hex('94040000'); // Router Alert
    const p = ipv4({ src: 1, dst: 2, protocol: 2, options, payload: hex('1164ee9b00000000') });
    const b = emitIpv4(p);
    expect(b[0]).toBe(0x46);
    expect(p.totalLength).toBe(32);
    expect(parseIpv4(b)).toEqual({ ok: true, value: p });
    expect(() => emitIpv4({ ...p, options: hex('010101') })).toThrow(RangeError);
  });

  it('parseIpv4(emitIpv4(p)) is p for every canonical packet', () => {
    fc.assert(
      fc.property(arbIpv4Packet(1), (p) => {
        expect(parseIpv4(emitIpv4(p))).toEqual({ ok: true, value: p });
      }),
      { numRuns: 300 },
    );
  });

  it('emitIpv4() writes ipv4Len() bytes, the value of the total length field', () => {
    fc.assert(
      fc.property(arbValidIpv4Packet(1), (p) => {
        const b = emitIpv4(p);
        expect(b.length).toBe(ipv4Len(p));
        expect(b.length).toBe(p.totalLength);
        expect(((b[2] ?? 0) << 8) | (b[3] ?? 0)).toBe(p.totalLength);
      }),
    );
  });

  it('ipv4HeaderChecksum() from fields equals the RFC 1071 checksum of the emitted header', () => {
    fc.assert(
      fc.property(arbIpv4Packet(0), (p) => {
        const b = emitIpv4(p);
        const hlen = 20 + p.options.length;
        b[10] = 0;
        b[11] = 0;
        expect(ipv4HeaderChecksum(p)).toBe(internetChecksum(b, 0, hlen));
      }),
    );
  });

  it('emitted packets from the builders verify, by fields and by bytes', () => {
    fc.assert(
      fc.property(arbValidIpv4Packet(1), (p) => {
        expect(verifyIpv4Header(p)).toBe(true);
        expect(verifyIpv4(p)).toBe(true);
        expect(parseIpv4(emitIpv4(p), 0, { verifyChecksums: true })).toEqual({ ok: true, value: p });
      }),
    );
  });

  it('parseIpv4() never throws on arbitrary bytes at any offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(130), fc.boolean(), (b, at, verify) => {
        const r = parseIpv4(b, at, { verifyChecksums: verify });
        if (r.ok) expect(emitIpv4(r.value)).toEqual(b.slice(at, at + r.value.totalLength));
      }),
      { numRuns: 1000 },
    );
  });

  it('describeIpv4() prints the header like tcpdump -v', () => {
    const p = ipv4({
      src: ip4('10.244.1.2'),
      dst: ip4('10.244.2.2'),
      id: 253,
      ttl: 63,
      flags: IP_FLAG_DF,
      protocol: 253,
      payload: rawPayload(new Uint8Array(64)),
    });
    expect(describeIpv4(p)).toBe(
      'IP (tos 0x0, ttl 63, id 253, offset 0, flags [DF], proto unknown (253), length 84) 10.244.1.2 > 10.244.2.2',
    );
  });
});
