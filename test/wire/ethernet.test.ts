import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbEthernetFrame,
  arbFrameBytes,
  arbMutatedFrameBytes,
  arbValidEthernetFrame,
} from '../../src/testing/index.js';
import {
  describeEthernet,
  describeFrame,
  ETH_HLEN,
  emitEthernet,
  ethernet,
  ethernetLen,
  mac,
  parseEthernet,
  parseEthernetAt,
  verifyEthernet,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

describe('ethernet', () => {
  it('parseEthernet() rejects a frame shorter than the 14-byte header', () => {
    expect(parseEthernet(hex('ffffffffffff e2e71a714dd3 08'))).toEqual({
      ok: false,
      error: { layer: 'ethernet', field: 'length', offset: 0, expected: 'at least 14 bytes, got 13' },
    });
  });

  it('parseEthernet() keeps an unknown EtherType as raw bytes with no trailer', () => {
    const b = hex('0a0000000002 0a0000000001 88b5 deadbeef');
    expect(parseEthernet(b)).toEqual({
      ok: true,
      value: {
        kind: 'eth',
        dst: mac('0a:00:00:00:00:02'),
        src: mac('0a:00:00:00:00:01'),
        etherType: 0x88b5,
        payload: { kind: 'raw', bytes: hex('deadbeef') },
        trailer: new Uint8Array(0),
      },
    });
  });

  it('ethernet() infers the EtherType and refuses raw bytes without one', () => {
    expect(ethernet(1, 2, hex('00'), 0x88b5).etherType).toBe(0x88b5);
    expect(() => ethernet(1, 2, hex('00'))).toThrow(RangeError);
  });

  it('describeEthernet() prints addresses and EtherType like tcpdump -e', () => {
    const f = ethernet(mac('ff:ff:ff:ff:ff:ff'), mac('e2:e7:1a:71:4d:d3'), hex('00'), 0x0806);
    expect(describeEthernet(f)).toBe('e2:e7:1a:71:4d:d3 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806)');
  });

  it('parseEthernet(emitEthernet(f)) is f for every canonical frame (checksums not verified)', () => {
    fc.assert(
      fc.property(arbEthernetFrame(1), (f) => {
        expect(parseEthernet(emitEthernet(f))).toEqual({ ok: true, value: f });
      }),
      { numRuns: 300 },
    );
  });

  it('parseEthernet(emitEthernet(f), verify) is f for every valid frame, and all its checksums verify', () => {
    fc.assert(
      fc.property(arbValidEthernetFrame(1), (f) => {
        expect(verifyEthernet(f)).toBe(true);
        expect(parseEthernet(emitEthernet(f), { verifyChecksums: true })).toEqual({ ok: true, value: f });
      }),
      { numRuns: 300 },
    );
  });

  it('emitEthernet() writes exactly ethernetLen() bytes, also into a larger buffer at an offset', () => {
    fc.assert(
      fc.property(arbEthernetFrame(1), fc.nat(16), (f, at) => {
        const len = ethernetLen(f);
        expect(emitEthernet(f).length).toBe(len);
        const buf = new Uint8Array(at + len + 4).fill(0xee);
        emitEthernet(f, buf, at);
        expect(buf.subarray(0, at).every((b) => b === 0xee)).toBe(true);
        expect(buf.subarray(at + len).every((b) => b === 0xee)).toBe(true);
        expect(parseEthernetAt(buf.subarray(0, at + len), at)).toEqual({ ok: true, value: f });
      }),
    );
  });

  it('emitEthernet(parseEthernet(b)) is b for any bytes that parse', () => {
    fc.assert(
      fc.property(fc.oneof(arbFrameBytes(), arbMutatedFrameBytes()), fc.boolean(), (b, verify) => {
        const r = parseEthernet(b, { verifyChecksums: verify });
        if (r.ok) expect(emitEthernet(r.value)).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('parseEthernet() never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (b, verify) => {
        const r = parseEthernet(b, { verifyChecksums: verify });
        if (r.ok) expect(emitEthernet(r.value)).toEqual(b);
        else expect(r.error.offset).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('parseEthernet() never throws on mutated valid frames, and names an offset inside the input', () => {
    fc.assert(
      fc.property(arbMutatedFrameBytes(), fc.boolean(), (b, verify) => {
        const r = parseEthernet(b, { verifyChecksums: verify });
        if (!r.ok) expect(r.error.offset).toBeLessThanOrEqual(Math.max(b.length, ETH_HLEN));
      }),
      { numRuns: 1000 },
    );
  });

  it('describeFrame() prints one line for every frame', () => {
    fc.assert(
      fc.property(arbEthernetFrame(1), (f) => {
        const line = describeFrame(f);
        expect(line).not.toContain('\n');
        expect(line).toContain(`length ${ethernetLen(f)}`);
      }),
    );
  });
});
