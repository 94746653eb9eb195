import { type Ip4, maskOf } from '../wire/index.js';
import { appended, bestOf, INDEX_FROM, NONE, PrefixGroup, sameKey } from './fib-group.js';
import type { Route, RouteScope } from './fib-route.js';

export { appended } from './fib-group.js';
export type { Route, RouteProto, RouteScope, RouteType } from './fib-route.js';

/** The numeric scope values the kernel compares (RT_SCOPE_UNIVERSE 0, LINK 253, HOST 254). */
export const SCOPE_VALUE: Readonly<Record<RouteScope, number>> = { global: 0, link: 253, host: 254 };

/**
 * Routes a table shares with others (an overlay's per-peer routes, net/peer-table.ts), consulted after
 * its own. Their keys never collide with the table's own: a table about to hold one of them itself
 * detaches first, turning every shared route into its own.
 */
export interface SharedRoutes {
  /** Prefix lengths present, longest first. */
  readonly lens: readonly number[];
  /** The route of length `prefixLen` whose destination's signed form is `key`. */
  route(prefixLen: number, key: number): Route | undefined;
  /** All routes. */
  routes(): Route[];
  /** Whether `match` accepts any route. */
  some(match: (r: Route) => boolean): boolean;
  /** The table now holds a route of its own to `dst/prefixLen` (a peer added there would replace it). */
  ownAdded(dst: Ip4, prefixLen: number): void;
  /** Turns the shared routes into the table's own (and unsets `RouteTable.shared`). */
  detach(): void;
}

/** Netmask of a prefix length as an unsigned 32-bit number (wire's maskOf, under the name net uses). */
export const prefixMask: (len: number) => number = maskOf;

/** The netmask of each prefix length 0..32 as a signed 32-bit number. */
const SIGNED_MASKS = Int32Array.from({ length: 33 }, (_, len) => prefixMask(len) | 0);

/** `lens` tag of a length held by a PrefixGroup (a lone route's tag is its length, 0..32). */
const GROUP = 64;

/**
 * A route table (`local` or `main`). Lookup is longest-prefix match, then lowest metric, then the entry
 * added first — as fib_table_lookup picks among aliases. Routes are kept grouped by prefix length
 * (longest first) so a lookup touches only candidate lengths.
 */
export class RouteTable {
  private routes: Route[] = [];
  /**
   * Prefix lengths present, longest first: the route itself while it is the only one of its length, a
   * PrefixGroup from the second on. A pod's tables hold mostly lone routes (127.0.0.0/8, its /24,
   * 10.244.0.0/16, default), and a group with its two arrays cost ~180 bytes each.
   */
  private byLen: Array<PrefixGroup | Route> = [];
  /**
   * Beside `byLen[i]`: `tags[2i]` its prefix length (plus GROUP for a group) and `tags[2i+1]` a lone
   * route's destination as a signed 32-bit key. Small integers in one packed array, so a lookup tests a
   * lone route without loading the record (its hidden class differs between route kinds).
   */
  private tags: number[] = [];
  /** Routes shared with other namespaces' tables, consulted after the table's own; set by a PeerView. */
  shared: SharedRoutes | undefined;

  constructor(readonly name: 'local' | 'main') {}

  /** All routes in the order `ip route show` prints them (by destination, then prefix, then metric). */
  list(): readonly Route[] {
    const own = [...this.routes];
    if (this.shared !== undefined) for (const r of this.shared.routes()) own.push(r);
    return own.sort(compareForDisplay);
  }

  /** Adds a route; refuses an exact duplicate (same dst/len/metric/type) like `ip route add` (EEXIST). */
  add(route: Route): boolean {
    const dst = (route.dst & prefixMask(route.prefixLen)) >>> 0;
    if (dst !== route.dst)
      throw new RangeError(`route dst ${route.dst} has host bits for /${route.prefixLen}`);
    // A route beside a shared one of the same prefix: the table holds them all itself from now on.
    if (this.shared?.route(route.prefixLen, route.dst | 0) !== undefined) this.shared.detach();
    // Plain loops, no closures or filtered copies: every pod namespace adds its routes through here.
    const at = this.slotOf(route.prefixLen);
    const held = at < 0 ? undefined : this.byLen[at];
    if (held !== undefined) {
      if (held instanceof PrefixGroup ? held.holdsSame(route) : sameKey(held, route)) return false;
    }
    // Exact-size copies while small (most tables hold a few routes), amortised pushes beyond.
    if (this.routes.length < INDEX_FROM) this.routes = appended(this.routes, route);
    else this.routes.push(route);
    this.shared?.ownAdded(route.dst, route.prefixLen);
    if (held === undefined) this.insertLone(route);
    else if (held instanceof PrefixGroup) held.add(route);
    else {
      // The length's second route: its lone route and this one become a group, in insertion order.
      const group = new PrefixGroup(route.prefixLen);
      group.add(held);
      group.add(route);
      this.byLen[at] = group;
      this.tags[2 * at] = route.prefixLen + GROUP;
      this.tags[2 * at + 1] = 0;
    }
    return true;
  }

  /** The index in `byLen` of prefix length `len`, or -1. */
  private slotOf(len: number): number {
    const tags = this.tags;
    for (let i = 0; i < tags.length; i += 2) if (((tags[i] as number) & ~GROUP) === len) return i >> 1;
    return -1;
  }

  /** A route of a length not held yet, at its place. */
  private insertLone(route: Route): void {
    const len = route.prefixLen;
    const tags = this.tags;
    let at = 0;
    while (2 * at < tags.length && ((tags[2 * at] as number) & ~GROUP) > len) at++;
    this.byLen = withItem(this.byLen, at, route);
    this.tags = withPair(tags, 2 * at, len, route.dst | 0);
  }

  /** The routes to exactly `dst/prefixLen`, in insertion order (through the group's index, no scan). */
  withPrefix(dst: Ip4, prefixLen: number): readonly Route[] {
    const at = this.slotOf(prefixLen);
    const held = at < 0 ? undefined : this.byLen[at];
    let own = NONE;
    if (held instanceof PrefixGroup) own = held.withKey(dst | 0);
    else if (held !== undefined && (held.dst | 0) === (dst | 0)) own = [held];
    const shared = this.shared?.route(prefixLen, dst | 0);
    return shared === undefined ? own : [...own, shared];
  }

  /** The table's own routes (not what it shares), in insertion order. */
  ownRoutes(): readonly Route[] {
    return this.routes;
  }

  /** Whether the table itself (not what it shares) holds a route to exactly `dst/prefixLen`. */
  hasOwn(dst: Ip4, prefixLen: number): boolean {
    const at = this.slotOf(prefixLen);
    if (at < 0) return false;
    const g = this.byLen[at] as PrefixGroup | Route;
    const key = dst | 0;
    if (!(g instanceof PrefixGroup)) return (g.dst | 0) === key;
    if (g.index !== undefined) return g.index.has(key);
    for (let j = 0; j < g.routes.length; j++) if (g.keys[j] === key) return true;
    return false;
  }

  /** Removes routes matching the predicate; returns how many. */
  remove(match: (r: Route) => boolean): number {
    // Removing a shared route: the table holds them all itself from now on, then removes as ever.
    if (this.shared?.some(match) === true) this.shared.detach();
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !match(r));
    const byLen: Array<PrefixGroup | Route> = [];
    const tags: number[] = [];
    for (const g of this.byLen) {
      let kept: PrefixGroup | Route | undefined = g;
      if (g instanceof PrefixGroup) {
        g.retain((r) => !match(r));
        // A group left with one route holds it inline again, as if only that one had been added.
        if (g.routes.length <= 1) kept = g.routes[0];
      } else if (match(g)) kept = undefined;
      if (kept === undefined) continue;
      byLen.push(kept);
      if (kept instanceof PrefixGroup) tags.push(kept.len + GROUP, 0);
      else tags.push(kept.prefixLen, kept.dst | 0);
    }
    this.byLen = byLen;
    this.tags = tags;
    return before - this.routes.length;
  }

  /** Longest-prefix match for `dst`, skipping routes whose device `usable` rejects; undefined if none. */
  lookup(dst: Ip4, usable?: (r: Route) => boolean): Route | undefined {
    const shared = this.shared;
    if (shared !== undefined) return this.lookupShared(dst, usable, shared);
    const tags = this.tags;
    for (let i = 0; i < tags.length; i += 2) {
      const best = this.bestAt(i, dst, usable);
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** The best usable route for `dst` of the length at `tags[i]` (a lone route, or its group's). */
  private bestAt(i: number, dst: Ip4, usable: ((r: Route) => boolean) | undefined): Route | undefined {
    const tag = this.tags[i] as number;
    if (tag >= GROUP) return bestOf(this.byLen[i >> 1] as PrefixGroup, dst, usable);
    if ((dst & (SIGNED_MASKS[tag] as number)) !== this.tags[i + 1]) return undefined;
    const r = this.byLen[i >> 1] as Route;
    return usable === undefined || usable(r) ? r : undefined;
  }

  /**
   * The lookup with shared routes: their prefix lengths are merged into the scan, longest first. Their
   * keys never collide with the table's own, so at one length at most one side can match.
   */
  private lookupShared(dst: Ip4, usable: ((r: Route) => boolean) | undefined, shared: SharedRoutes) {
    const tags = this.tags;
    const lens = shared.lens;
    let v = 0;
    for (let i = 0; i < tags.length; i += 2) {
      const len = (tags[i] as number) & ~GROUP;
      for (; v < lens.length && (lens[v] as number) >= len; v++) {
        const l = lens[v] as number;
        if (l === len) break;
        const r = sharedHit(shared, l, dst, usable);
        if (r !== undefined) return r;
      }
      const best = this.bestAt(i, dst, usable);
      if (best !== undefined) return best;
      if (v < lens.length && lens[v] === len) {
        const r = sharedHit(shared, len, dst, usable);
        if (r !== undefined) return r;
        v++;
      }
    }
    for (; v < lens.length; v++) {
      const r = sharedHit(shared, lens[v] as number, dst, usable);
      if (r !== undefined) return r;
    }
    return undefined;
  }
}

/**
 * `list` with `item` at index `at`, as a packed array of exactly that length (what concat-then-sort
 * gave). Literals for the few lengths a pod's tables have: concat and slice cost more than the rest of
 * a route insert (a pod's `local` table meets the insert at 0 once: lo's /32s come after its /8).
 */
function withItem<T>(list: readonly T[], at: number, item: T): T[] {
  if (at === list.length) return appended(list, item);
  const a = list[0] as T;
  if (list.length === 1) return [item, a];
  if (list.length === 2) return at === 0 ? [item, a, list[1] as T] : [a, item, list[1] as T];
  return list.slice(0, at).concat([item], list.slice(at));
}

/** `tags` with the pair (x, y) at even index `at`, exact-size as `withItem`. */
function withPair(tags: readonly number[], at: number, x: number, y: number): number[] {
  const n = tags.length;
  if (n === 0) return [x, y];
  const a = tags[0] as number;
  const b = tags[1] as number;
  if (n === 2) return at === 0 ? [x, y, a, b] : [a, b, x, y];
  if (n === 4) {
    const c = tags[2] as number;
    const d = tags[3] as number;
    if (at === 0) return [x, y, a, b, c, d];
    return at === 2 ? [a, b, x, y, c, d] : [a, b, c, d, x, y];
  }
  return tags.slice(0, at).concat(x, y, tags.slice(at));
}

/** The shared route of length `len` covering `dst`, if `usable` accepts it. */
function sharedHit(
  shared: SharedRoutes,
  len: number,
  dst: Ip4,
  usable: ((r: Route) => boolean) | undefined,
): Route | undefined {
  const r = shared.route(len, dst & (SIGNED_MASKS[len] as number));
  return r !== undefined && (usable === undefined || usable(r)) ? r : undefined;
}

/**
 * The kernel's dump order, which iproute2 prints as is: the FIB trie walks keys in ascending order, and
 * within one key the longer prefix comes first (checked on Linux 6.18: 10.244.0.0/24 before 10.244.0.0/16).
 */
function compareForDisplay(a: Route, b: Route): number {
  return a.dst - b.dst || b.prefixLen - a.prefixLen || a.metric - b.metric;
}
