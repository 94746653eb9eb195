import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeHash, fnv32a, safeEncodeString } from '../../../src/k8s/controllers/index.js';
import { deployment, Harness, S } from './harness.js';

function podNames(seed: number): string[] {
  const h = new Harness({ seed });
  h.apply(deployment('web', 5));
  h.run(20 * S);
  h.apply(deployment('web', 5, { image: 'nginx:2' }));
  h.run(120 * S);
  return [...h.created.keys()].sort();
}

describe('determinism', () => {
  it('the same seed gives the same pod names (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (seed) => {
        expect(podNames(seed)).toEqual(podNames(seed));
      }),
      { numRuns: 10 },
    );
  });
});

describe('pod-template-hash', () => {
  it('FNV-32a matches the published test vectors', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(fnv32a(enc(''))).toBe(0x811c9dc5);
    expect(fnv32a(enc('a'))).toBe(0xe40c292c);
    expect(fnv32a(enc('foobar'))).toBe(0xbf9cf968);
  });

  it('SafeEncodeString maps decimal digits into bcdfghjklmnpqrstvwxz2456789 by code point', () => {
    // '0' is 48, 48 % 27 = 21 → '4'; '9' is 57, 57 % 27 = 3 → 'f'.
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });

  it('is independent of key order and changes with the collision count', () => {
    const a = { spec: { containers: [{ name: 'a', image: 'x' }] }, metadata: { labels: { app: 'a' } } };
    const b = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ image: 'x', name: 'a' }] } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a, 1)).not.toBe(computeHash(a));
    expect(computeHash(a)).toMatch(/^[456789bcdf]{1,10}$/);
  });
});
