/**
 * The statistic probability chain: kube-proxy's `%0.10f` of 1/(n−i), iptables' lround(p·2^31), and
 * iptables-save's `%.11f` — against the verified table of kube-proxy reference §4, the kernel's output
 * for a tie (misc.save: 0.000244140625 → 0.00024414062), and exact-rounding properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatFixed,
  formatStoredProbability,
  kubeProxyProbability,
  parseProbability,
  probabilityToStored,
  STATISTIC_SCALE,
} from '../../src/netfilter/index.js';

/** kube-proxy reference §4: n−i, what kube-proxy writes, what iptables stores, what iptables-save prints. */
const TABLE: readonly (readonly [number, string, number, string])[] = [
  [2, '0.5000000000', 1073741824, '0.50000000000'],
  [3, '0.3333333333', 715827883, '0.33333333349'],
  [4, '0.2500000000', 536870912, '0.25000000000'],
  [5, '0.2000000000', 429496730, '0.20000000019'],
  [6, '0.1666666667', 357913941, '0.16666666651'],
  [10, '0.1000000000', 214748365, '0.10000000009'],
];

describe('kube-proxy reference §4 table', () => {
  for (const [n, written, stored, printed] of TABLE) {
    it(`1/${n}: ${written} → ${stored} → ${printed}`, () => {
      expect(kubeProxyProbability(n)).toBe(written);
      expect(parseProbability(written)).toBe(stored);
      expect(formatStoredProbability(stored)).toBe(printed);
    });
  }
});

describe('exact formatting', () => {
  it('ties round half to even, as glibc printf and Go do (toFixed would round up)', () => {
    // 2^-12 = 0.000244140625: iptables-save printed 0.00024414062 in the LAB (misc.save).
    expect(formatStoredProbability(probabilityToStored(0.000244140625))).toBe('0.00024414062');
    expect((0.000244140625).toFixed(11)).toBe('0.00024414063');
    // 1/2048 = 0.00048828125 → kube-proxy (Go %0.10f) writes 0.0004882812.
    expect(kubeProxyProbability(2048)).toBe('0.0004882812');
  });

  it('the end points: 0 and 1', () => {
    expect(parseProbability('0')).toBe(0);
    expect(parseProbability('1.0')).toBe(STATISTIC_SCALE);
    expect(formatStoredProbability(STATISTIC_SCALE)).toBe('1.00000000000');
    expect(formatStoredProbability(0)).toBe('0.00000000000');
  });

  it('strtod forms are read; anything outside [0, 1] or not a number is refused', () => {
    expect(parseProbability('.25')).toBe(536870912);
    expect(parseProbability('2.5e-1')).toBe(536870912);
    for (const bad of ['1.5', '-0.1', 'abc', '', '0x1p-1', '0.5 '])
      expect(parseProbability(bad)).toBeUndefined();
  });

  it('formatFixed agrees with toFixed wherever toFixed cannot meet a tie', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 12 }), (x, d) => {
        const exact = formatFixed(x, d);
        const naive = x.toFixed(d);
        // The two differ only on exact binary ties, where toFixed rounds up and we round to even.
        if (exact !== naive) expect(Number(naive) > Number(exact)).toBe(true);
        expect(Math.abs(Number(exact) - x)).toBeLessThanOrEqual(
          0.5 * 10 ** -d * (1 + 1e-9) + Number.EPSILON * x,
        );
      }),
    );
  });

  it('every stored value survives printing and parsing back (what makes iptables-save restorable)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: STATISTIC_SCALE }), (stored) => {
        expect(parseProbability(formatStoredProbability(stored))).toBe(stored);
      }),
    );
  });

  it('kube-proxy gives each of n endpoints 1/n: the product of the misses is (n−1)/n per step', () => {
    for (let n = 2; n <= 50; n++) {
      let reach = 1;
      for (let i = 0; i < n - 1; i++) {
        const p = (parseProbability(kubeProxyProbability(n - i)) ?? 0) / STATISTIC_SCALE;
        expect(Math.abs(reach * p - 1 / n)).toBeLessThan(1e-8);
        reach *= 1 - p;
      }
      expect(Math.abs(reach - 1 / n)).toBeLessThan(1e-8);
    }
  });
});
