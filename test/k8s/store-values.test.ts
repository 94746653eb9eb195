/**
 * The store's value helpers: uuid4's format (version 4, RFC 4122 variant) from the seeded stream, and
 * the words it is made of, checked against a plain rendering of the four draws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uuid4 } from '../../src/k8s/store/values.js';
import { Rng } from '../../src/sim/index.js';

describe('uuid4', () => {
  it('is the four draws in hex with the version and variant bits set, for any seed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string(), (seed, name) => {
        const words = new Rng(seed, name);
        const w = [words.u32(), words.u32(), words.u32(), words.u32()].map((x) => x >>> 0);
        const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
        const h =
          hex(w[0] as number) +
          hex(((w[1] as number) & 0xffff0fff) | 0x4000) +
          hex(((w[2] as number) & 0x3fffffff) | 0x80000000) +
          hex(w[3] as number);
        const want = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
        const got = uuid4(new Rng(seed, name));
        expect(got).toBe(want);
        expect(got).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }),
      { numRuns: 500 },
    );
  });
});
