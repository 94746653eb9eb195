import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, Sim } from '../../src/sim/index.js';

function draws(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.u32());
}

describe('Rng streams', () => {
  it('give the same sequence for the same seed and name', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.string(), (seed, name) => {
        expect(draws(new Rng(seed, name), 20)).toEqual(draws(new Rng(seed, name), 20));
      }),
    );
  });

  it('give different sequences for different names and for different seeds', () => {
    expect(draws(new Rng(1, 'node1/neigh'), 8)).not.toEqual(draws(new Rng(1, 'node2/neigh'), 8));
    expect(draws(new Rng(1, 'node1/neigh'), 8)).not.toEqual(draws(new Rng(2, 'node1/neigh'), 8));
    fc.assert(
      fc.property(fc.nat(), fc.string(), fc.string(), (seed, a, b) => {
        fc.pre(a !== b);
        expect(draws(new Rng(seed, a), 4)).not.toEqual(draws(new Rng(seed, b), 4));
      }),
    );
  });

  it('are not disturbed by another stream being created or drawn from (ns-3 AssignStreams)', () => {
    const alone = new Sim({ seed: 42 });
    const expected = draws(alone.rng('node1/kube-proxy'), 50);
    const crowded = new Sim({ seed: 42 });
    draws(crowded.rng('node0/flanneld'), 17); // a new node appears first and draws
    const mine = crowded.rng('node1/kube-proxy');
    const first = draws(mine, 25);
    draws(crowded.rng('node9/kubelet'), 5); // and another, interleaved
    expect([...first, ...draws(mine, 25)]).toEqual(expected);
  });

  it('Sim.rng() returns the same stream object for the same name', () => {
    const sim = new Sim({ seed: 7 });
    expect(sim.rng('a')).toBe(sim.rng('a'));
  });
});

describe('Rng.int()', () => {
  it('stays within [lo, hi] for any bounds', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (seed, lo, span) => {
          const r = new Rng(seed, 'int');
          for (let i = 0; i < 20; i++) {
            const v = r.int(lo, lo + span);
            expect(Number.isInteger(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(lo);
            expect(v).toBeLessThanOrEqual(lo + span);
          }
        },
      ),
    );
  });

  it('is rejection sampling over u32 draws: the same values as the textbook formula, any span', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.oneof(
          fc.integer({ min: 1, max: 1000 }),
          fc.integer({ min: 1, max: 2 ** 32 }),
          fc.constantFrom(2 ** 31 + 1, 3 * 2 ** 30, 2 ** 32 - 1),
        ),
        (seed, span) => {
          const r = new Rng(seed, 'int');
          const words = new Rng(seed, 'int');
          for (let i = 0; i < 20; i++) {
            // limit = 2^32 - (2^32 mod span), in doubles; draws at or above it are rejected.
            const limit = 2 ** 32 - (2 ** 32 % span);
            let v = words.u32();
            while (v >= limit) v = words.u32();
            expect(r.int(0, span - 1)).toBe(v % span);
          }
        },
      ),
    );
  });

  it('is close to uniform: chi-square over 10 bins of 100,000 draws is below 27.88 (p = 0.001, 9 df)', () => {
    const r = new Rng(1, 'chi-square');
    const bins = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = r.int(0, 9);
      bins[v] = (bins[v] ?? 0) + 1;
    }
    const expected = n / 10;
    const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88);
  });

  it('covers a span that does not divide 2^32 without modulo bias (chi-square, 3 bins of 3·2^30 span)', () => {
    // With plain modulo, lo + (u32 % span) for span = 3·2^30 would put half the mass in the first third.
    const r = new Rng(3, 'bias');
    const span = 3 * 2 ** 30;
    const bins = [0, 0, 0];
    const n = 30_000;
    for (let i = 0; i < n; i++) {
      const b = Math.floor(r.int(0, span - 1) / 2 ** 30);
      bins[b] = (bins[b] ?? 0) + 1;
    }
    const chi2 = bins.reduce((s, o) => s + (o - n / 3) ** 2 / (n / 3), 0);
    expect(chi2).toBeLessThan(13.82); // p = 0.001, 2 df
  });

  it('rejects non-integer or reversed bounds', () => {
    const r = new Rng(1, 'x');
    expect(() => r.int(5, 4)).toThrow(RangeError);
    expect(() => r.int(0.5, 4)).toThrow(RangeError);
    expect(() => r.int(0, 2 ** 32)).toThrow(RangeError);
    expect(r.int(7, 7)).toBe(7);
  });
});

describe('Rng.float() and Rng.mac()', () => {
  it('float() is in [0, 1)', () => {
    const r = new Rng(9, 'f');
    for (let i = 0; i < 10_000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });

  it('mac() is a 48-bit unicast, locally administered address', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string(), (seed, name) => {
        const r = new Rng(seed, name);
        for (let i = 0; i < 10; i++) {
          const mac = r.mac();
          expect(Number.isInteger(mac) && mac >= 0 && mac < 2 ** 48).toBe(true);
          const firstOctet = Math.floor(mac / 2 ** 40);
          expect(firstOctet & 0x01).toBe(0); // I/G bit clear: unicast
          expect(firstOctet & 0x02).toBe(0x02); // U/L bit set: locally administered
        }
      }),
    );
  });
});
