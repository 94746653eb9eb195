/**
 * How a stream is seeded from (seed, name) is part of every run's output (MACs, ISNs, reachable times):
 * the constructor must give the state the splitmix32 sequence of the name's FNV-1a hash gives, written
 * here the plain way (a counter advanced by the golden-ratio increment, unsigned outputs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/index.js';

/** xoshiro128** seeded as documented in src/sim/rng.ts, with unsigned state words. */
function referenceDraws(seed: number, name: string, n: number): number[] {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  let x = h;
  const next = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [next(), next(), next(), next()];
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[3] = 1;
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0);
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0;
    s[3] = rotl(s[3]!, 11);
  }
  return out;
}

describe('Rng seeding', () => {
  it('draws what the documented seeding and generator give, for any seed and name', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        fc.string({ maxLength: 40 }),
        (seed, name) => {
          const r = new Rng(seed, name);
          const got = Array.from({ length: 12 }, () => r.u32());
          expect(got).toEqual(referenceDraws(seed, name, 12));
        },
      ),
      { numRuns: 300 },
    );
  });
});
