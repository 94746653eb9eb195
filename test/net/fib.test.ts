import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixMask, type Route, RouteTable } from '../../src/net/index.js';

function route(dst: number, prefixLen: number, metric: number, dev: number): Route {
  return { type: 'unicast', dst, prefixLen, dev, proto: 'boot', scope: 'link', metric, onlink: false };
}

/** The specification: among routes containing dst, the longest prefix, then the lowest metric, then the first added. */
function bruteForce(routes: readonly Route[], dst: number): Route | undefined {
  let best: Route | undefined;
  for (const r of routes) {
    if ((dst & prefixMask(r.prefixLen)) >>> 0 !== r.dst) continue;
    if (
      best === undefined ||
      r.prefixLen > best.prefixLen ||
      (r.prefixLen === best.prefixLen && r.metric < best.metric)
    ) {
      best = r;
    }
  }
  return best;
}

const arbRoute = fc
  .record({
    ip: fc.nat(0xffffffff),
    len: fc.integer({ min: 0, max: 32 }),
    metric: fc.integer({ min: 0, max: 3 }),
    dev: fc.integer({ min: 1, max: 4 }),
  })
  .map((r) => route((r.ip & prefixMask(r.len)) >>> 0, r.len, r.metric, r.dev));

describe('RouteTable.lookup()', () => {
  it('agrees with a brute-force longest-prefix match on random tables', () => {
    fc.assert(
      fc.property(
        fc.array(arbRoute, { maxLength: 40 }),
        fc.array(fc.nat(0xffffffff), { minLength: 1, maxLength: 20 }),
        (routes, dsts) => {
          const t = new RouteTable('main');
          const added: Route[] = [];
          for (const r of routes) if (t.add(r)) added.push(r);
          for (const d of dsts) {
            // Probe addresses inside the routes too, not only random ones.
            for (const probe of [
              d,
              ...added.slice(0, 5).map((r) => (r.dst | (d & ~prefixMask(r.prefixLen))) >>> 0),
            ]) {
              expect(t.lookup(probe)).toBe(bruteForce(added, probe));
            }
          }
        },
      ),
    );
  });

  it('prefers the lower metric among equal prefixes and the default route last', () => {
    const t = new RouteTable('main');
    const dflt = route(0, 0, 0, 1);
    const slow = route(0x0a000000, 8, 100, 2);
    const fast = route(0x0a000000, 8, 10, 3);
    t.add(dflt);
    t.add(slow);
    t.add(fast);
    expect(t.lookup(0x0a010203)).toBe(fast);
    expect(t.lookup(0x0b000001)).toBe(dflt);
  });

  it('refuses an exact duplicate as ip route add does (File exists)', () => {
    const t = new RouteTable('main');
    expect(t.add(route(0x0a000000, 8, 0, 1))).toBe(true);
    expect(t.add(route(0x0a000000, 8, 0, 2))).toBe(false);
  });

  it('skips routes the filter rejects (a device that is down)', () => {
    const t = new RouteTable('main');
    t.add(route(0x0a000000, 24, 0, 1));
    t.add(route(0x0a000000, 8, 0, 2));
    expect(t.lookup(0x0a000005, (r) => r.dev !== 1)?.dev).toBe(2);
  });

  it('lists routes in the kernel dump order: by destination, default first', () => {
    const t = new RouteTable('main');
    t.add(route(0xc0a83800, 24, 0, 1));
    t.add(route(0x0af40200, 24, 0, 2));
    t.add(route(0, 0, 0, 1));
    expect(t.list().map((r) => r.dst)).toEqual([0, 0x0af40200, 0xc0a83800]);
    // One key, two lengths: the longer prefix first (Linux 6.18: 10.244.0.0/24 before 10.244.0.0/16).
    t.add(route(0x0af40000, 16, 0, 1));
    t.add(route(0x0af40000, 24, 0, 1));
    expect(t.list().map((r) => `${r.dst}/${r.prefixLen}`)).toEqual([
      '0/0',
      `${0x0af40000}/24`,
      `${0x0af40000}/16`,
      `${0x0af40200}/24`,
      `${0xc0a83800}/24`,
    ]);
  });
});
