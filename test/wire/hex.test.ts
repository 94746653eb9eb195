/** The byte-table hex texts equal toString(16) padded, for every value they take. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex16, hex32, hexByte } from '../../src/wire/index.js';

describe('hex texts', () => {
  it('hexByte, hex16 and hex32 print the low 8, 16 and 32 bits as padded lowercase hex', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), (v) => {
        const u = v >>> 0;
        expect(hex32(v)).toBe(u.toString(16).padStart(8, '0'));
        expect(hex16(v)).toBe((u & 0xffff).toString(16).padStart(4, '0'));
        expect(hexByte(v)).toBe((u & 0xff).toString(16).padStart(2, '0'));
      }),
      { numRuns: 1000 },
    );
  });
});
