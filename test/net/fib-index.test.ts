/**
 * RouteTable with large groups of one prefix length (kube-ipvs0 holds a /32 per Service): the by-key
 * index a large group gets must choose exactly what a scan of every route chooses, through adds,
 * refused duplicates and removals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixMask, type Route, RouteTable } from '../../src/net/index.js';

function route(dst: number, prefixLen: number, metric: number, dev: number): Route {
  return { type: 'local', dst, prefixLen, dev, proto: 'kernel', scope: 'host', metric, onlink: false };
}

/** Longest prefix among usable routes containing dst, then the lowest metric, then the first added. */
function bruteForce(routes: readonly Route[], dst: number, usable: (r: Route) => boolean): Route | undefined {
  let best: Route | undefined;
  for (const r of routes) {
    if ((dst & prefixMask(r.prefixLen)) >>> 0 !== r.dst || !usable(r)) continue;
    if (
      best === undefined ||
      r.prefixLen > best.prefixLen ||
      (r.prefixLen === best.prefixLen && r.metric < best.metric)
    )
      best = r;
  }
  return best;
}

const sameKey = (a: Route, b: Route) =>
  a.dst === b.dst && a.prefixLen === b.prefixLen && a.metric === b.metric && a.type === b.type;

// Few lengths and a narrow address range: groups grow past the index threshold and keys repeat.
const arbRoute = fc
  .record({
    host: fc.integer({ min: 0, max: 600 }),
    len: fc.constantFrom(32, 32, 32, 24, 16),
    metric: fc.integer({ min: 0, max: 2 }),
    dev: fc.integer({ min: 1, max: 3 }),
  })
  .map((r) => route(((0x0a600000 + r.host) & prefixMask(r.len)) >>> 0, r.len, r.metric, r.dev));

describe('RouteTable with large same-length groups', () => {
  it('agrees with a scan of every route through adds, duplicates and removals', () => {
    fc.assert(
      fc.property(
        fc.array(arbRoute, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 30 }),
        (routes, downDev, probes) => {
          const t = new RouteTable('local');
          const added: Route[] = [];
          for (const r of routes) {
            const fresh = !added.some((a) => sameKey(a, r));
            expect(t.add(r)).toBe(fresh);
            if (fresh) added.push(r);
          }
          const check = (live: readonly Route[]) => {
            for (const p of probes) {
              const dst = (0x0a600000 + p) >>> 0;
              expect(t.lookup(dst)).toBe(bruteForce(live, dst, () => true));
              const usable = (r: Route) => r.dev !== downDev;
              expect(t.lookup(dst, usable)).toBe(bruteForce(live, dst, usable));
            }
          };
          check(added);
          // Removing a device's routes shrinks groups back under the threshold (or not).
          t.remove((r) => r.dev === downDev);
          check(added.filter((r) => r.dev !== downDev));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds 20,000 /32 routes of one device (kube-ipvs0 with 20,000 Services), duplicates refused', () => {
    const t = new RouteTable('local');
    for (let i = 0; i < 20_000; i++) expect(t.add(route((0x0a600000 + i) >>> 0, 32, 0, 5))).toBe(true);
    expect(t.add(route(0x0a600000 + 19_999, 32, 0, 6))).toBe(false);
    expect(t.lookup(0x0a600000 + 12_345)?.dst).toBe(0x0a600000 + 12_345);
    expect(t.lookup(0x0a600000 + 20_000)).toBeUndefined();
  });
});
