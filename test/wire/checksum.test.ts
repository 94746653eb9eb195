import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checksumValid,
  finishChecksum,
  foldSum,
  internetChecksum,
  pseudoHeaderSum,
  sumBytes,
  swapSum,
  updateChecksum16,
  updateChecksum32,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

describe('checksum', () => {
  it('sumBytes() reproduces the RFC 1071 §3 numerical example', () => {
    // 00 01 f2 03 f4 f5 f6 f7: the folded sum is 0xddf2, so the checksum is 0x220d.
    const b = hex('0001 f203 f4f5 f6f7');
    expect(foldSum(sumBytes(b, 0, b.length))).toBe(0xddf2);
    expect(internetChecksum(b)).toBe(0x220d);
  });

  it('sumBytes() pads an odd last byte with zero', () => {
    expect(sumBytes(hex('0102 03'), 0, 3)).toBe(0x0102 + 0x0300);
  });

  it('internetChecksum() of a range with its checksum inserted verifies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 200 }), (bytes) => {
        const b = bytes.slice();
        b[0] = 0;
        b[1] = 0;
        const c = internetChecksum(b);
        b[0] = c >>> 8;
        b[1] = c & 0xff;
        expect(checksumValid(b, 0, b.length)).toBe(true);
      }),
    );
  });

  it('swapSum() gives the sum of a range that starts at an odd position', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const joined = new Uint8Array(2 * Math.ceil(a.length / 2) + b.length);
        joined.set(a);
        const aligned = sumBytes(joined, 0, joined.length);
        const odd = new Uint8Array(a.length + b.length);
        odd.set(a);
        odd.set(b, a.length);
        const tail = sumBytes(b, 0, b.length);
        const composed = sumBytes(a, 0, a.length) + (a.length % 2 === 0 ? tail : swapSum(tail));
        expect(finishChecksum(composed)).toBe(internetChecksum(odd));
        expect(aligned).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('pseudoHeaderSum() adds addresses as 16-bit halves, protocol and length', () => {
    expect(pseudoHeaderSum(0xc0a8380b, 0xc0a8380c, 17, 114)).toBe(
      0xc0a8 + 0x380b + 0xc0a8 + 0x380c + 17 + 114,
    );
  });

  it('updateChecksum16() equals a full recompute when a word changes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 64 }).map((b) => (b.length % 2 === 0 ? b : b.subarray(1))),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffff }),
        (bytes, at, word) => {
          const b = bytes.slice();
          b[0] = 0x45; // a non-zero word, as every IPv4/UDP/TCP checksummed range has
          b[2] = 0;
          b[3] = 0;
          const c = internetChecksum(b);
          b[2] = c >>> 8;
          b[3] = c & 0xff;
          const i = 4 + 2 * (at % Math.max(1, (b.length - 4) / 2));
          if (i + 1 >= b.length) return;
          const old = ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
          b[i] = word >>> 8;
          b[i + 1] = word & 0xff;
          b[2] = 0;
          b[3] = 0;
          expect(updateChecksum16(c, old, word)).toBe(internetChecksum(b));
        },
      ),
    );
  });

  it('updateChecksum32() equals a full recompute when an address changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (from, to, rest) => {
          const b = new Uint8Array(16);
          b.set(rest, 8);
          b[8] = 0x45;
          new DataView(b.buffer).setUint32(4, from);
          const c = internetChecksum(b);
          new DataView(b.buffer).setUint32(4, to);
          expect(updateChecksum32(c, from, to)).toBe(internetChecksum(b));
        },
      ),
    );
  });
});
