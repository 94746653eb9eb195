/**
 * RouteTable keeps a prefix length's only route inline and makes a group at the second (and goes back
 * inline when removals leave one). Whatever the representation, the table must list, find and choose
 * exactly what a plain list of its routes gives: `ip route` order, `withPrefix`, `hasOwn`, and the
 * longest-prefix, lowest-metric, first-added lookup (with and without a usable-device filter).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixMask, type Route, RouteTable } from '../../src/net/index.js';

function route(dst: number, prefixLen: number, metric: number, dev: number): Route {
  const type = dev === 3 ? 'blackhole' : 'unicast';
  return { type, dst, prefixLen, dev, proto: 'static', scope: 'global', metric, onlink: false };
}

/** The reference: the table's own routes as one list in insertion order. */
class ListTable {
  routes: Route[] = [];

  add(r: Route): boolean {
    const dup = this.routes.some(
      (a) => a.dst === r.dst && a.prefixLen === r.prefixLen && a.metric === r.metric && a.type === r.type,
    );
    if (!dup) this.routes.push(r);
    return !dup;
  }

  lookup(dst: number, usable: (r: Route) => boolean = () => true): Route | undefined {
    let best: Route | undefined;
    for (const r of this.routes) {
      if ((dst & prefixMask(r.prefixLen)) >>> 0 !== r.dst || !usable(r)) continue;
      if (best === undefined || r.prefixLen > best.prefixLen) best = r;
      else if (r.prefixLen === best.prefixLen && r.metric < best.metric) best = r;
    }
    return best;
  }

  /** The kernel's dump order: ascending destination, longer prefix first, then metric. */
  list(): Route[] {
    return [...this.routes].sort((a, b) => a.dst - b.dst || b.prefixLen - a.prefixLen || a.metric - b.metric);
  }
}

// Lengths from 0 to 32 with addresses that make several routes of one length (groups, some past the
// index threshold of 16) as well as lengths with a single route; 0x80.. addresses are negative keys.
const arbRoute = fc
  .record({
    base: fc.constantFrom(0x0af40000, 0x7f000000, 0xc0a80000, 0xfffffff0),
    host: fc.integer({ min: 0, max: 40 }),
    len: fc.constantFrom(0, 8, 16, 24, 30, 32, 32, 32),
    metric: fc.integer({ min: 0, max: 2 }),
    dev: fc.integer({ min: 1, max: 4 }),
  })
  .map((r) => route(((r.base + r.host) & prefixMask(r.len)) >>> 0, r.len, r.metric, r.dev));

const arbOp = fc.oneof(
  { arbitrary: arbRoute.map((r) => ({ add: r })), weight: 6 },
  { arbitrary: fc.integer({ min: 1, max: 4 }).map((dev) => ({ removeDev: dev })), weight: 1 },
  { arbitrary: fc.constantFrom(0, 8, 16, 24, 30, 32).map((len) => ({ removeLen: len })), weight: 1 },
);

const probes = [0, 0x0af40000, 0x0af40005, 0x0af40021, 0x7f000001, 0x7f000027, 0xc0a80003, 0xfffffff3];

describe('RouteTable with lone routes inline', () => {
  it('lists, finds and looks up as a plain list of its routes, through adds and removals', () => {
    fc.assert(
      fc.property(
        fc.array(arbOp, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 4 }),
        (ops, down) => {
          const t = new RouteTable('main');
          const ref = new ListTable();
          for (const op of ops) {
            if ('add' in op) expect(t.add(op.add)).toBe(ref.add(op.add));
            else {
              const match =
                'removeDev' in op
                  ? (r: Route) => r.dev === op.removeDev
                  : (r: Route) => r.prefixLen === op.removeLen;
              const before = ref.routes.length;
              ref.routes = ref.routes.filter((r) => !match(r));
              expect(t.remove(match)).toBe(before - ref.routes.length);
            }
            expect(t.ownRoutes()).toEqual(ref.routes);
            expect(t.list()).toEqual(ref.list());
            for (const r of ref.routes) {
              expect(t.hasOwn(r.dst, r.prefixLen)).toBe(true);
              expect(t.withPrefix(r.dst, r.prefixLen)).toEqual(
                ref.routes.filter((x) => x.dst === r.dst && x.prefixLen === r.prefixLen),
              );
            }
            for (const p of probes) {
              expect(t.lookup(p)).toBe(ref.lookup(p));
              const usable = (r: Route) => r.dev !== down;
              expect(t.lookup(p, usable)).toBe(ref.lookup(p, usable));
            }
          }
          expect(t.hasOwn(0x01020300, 24)).toBe(
            ref.routes.some((r) => r.dst === 0x01020300 && r.prefixLen === 24),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps a pod's tables: a second route of a length joins the first, a removal leaves it alone", () => {
    const t = new RouteTable('main');
    const net = route(0x0af40100, 24, 0, 2);
    const def = route(0, 0, 0, 2);
    expect(t.add(def)).toBe(true);
    expect(t.add(net)).toBe(true);
    expect(t.add(route(0x0af40100, 24, 0, 4))).toBe(false); // same dst/len/metric/type: EEXIST
    const other = route(0x0af40200, 24, 0, 4);
    expect(t.add(other)).toBe(true);
    expect(t.lookup(0x0af40207)).toBe(other);
    expect(t.lookup(0x0af40107)).toBe(net);
    expect(t.lookup(0x08080808)).toBe(def);
    expect(t.remove((r) => r === other)).toBe(1);
    expect(t.lookup(0x0af40207)).toBe(def);
    expect(t.lookup(0x0af40107, (r) => r.dev !== 2)).toBeUndefined();
    expect(t.withPrefix(0x0af40100, 24)).toEqual([net]);
    expect(t.list()).toEqual([def, net]);
  });
});
