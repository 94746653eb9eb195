import { type Ip4, maskOf } from '../wire/index.js';

/** Route types as `ip route` prints them (RTN_*). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'unreachable' | 'blackhole' | 'prohibit';
/** Route scopes (RT_SCOPE_*), ordered from widest to narrowest. */
export type RouteScope = 'global' | 'link' | 'host';
/** Who installed a route (RTPROT_*). */
export type RouteProto = 'kernel' | 'boot' | 'static';

/** The numeric scope values the kernel compares (RT_SCOPE_UNIVERSE 0, LINK 253, HOST 254). */
export const SCOPE_VALUE: Readonly<Record<RouteScope, number>> = { global: 0, link: 253, host: 254 };

/** One FIB entry; `dev` is an ifindex. */
export interface Route {
  readonly type: RouteType;
  readonly dst: Ip4;
  readonly prefixLen: number;
  readonly gateway?: Ip4;
  readonly dev: number;
  readonly proto: RouteProto;
  readonly scope: RouteScope;
  /** Preferred source (`src`), when set. */
  readonly prefsrc?: Ip4;
  readonly metric: number;
  readonly onlink: boolean;
}

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

/** Groups with more routes than this also index them by key (kube-ipvs0 holds a /32 per Service). */
const INDEX_FROM = 16;

/**
 * The routes of one prefix length. Destinations are kept again as signed 32-bit keys beside the routes
 * (small integers, so the array stays packed), and a lookup scans those rather than reading `dst` from
 * each record (addresses from 128.0.0.0 up would be compared as heap doubles). A large group is indexed
 * by key instead, so that neither a lookup nor an add scans it: the kernel's fib_trie does not slow down
 * with the number of routes either. Small groups keep arrays of exactly their size: a pod's namespace
 * has a handful of one-route groups, and a pushed-to array reserves 17 slots.
 */
class PrefixGroup {
  /** The netmask as a signed 32-bit number: `dst & mask` is then signed 32-bit too. */
  readonly mask: number;
  /** The keys of `routes`, in the same order (unused once indexed). */
  keys: number[] = [];
  routes: Route[] = [];
  /** Above INDEX_FROM routes: the routes of each key, in insertion order. */
  index: Map<number, Route[]> | undefined;

  constructor(readonly len: number) {
    this.mask = prefixMask(len) | 0;
  }

  add(route: Route): void {
    if (this.index !== undefined) {
      this.routes.push(route);
      indexRoute(this.index, route);
      return;
    }
    this.keys = appended(this.keys, route.dst | 0);
    this.routes = appended(this.routes, route);
    if (this.routes.length > INDEX_FROM) this.reindex();
  }

  /** The routes whose key is `key` (the signed form of a destination), in insertion order. */
  withKey(key: number): readonly Route[] {
    if (this.index !== undefined) return this.index.get(key) ?? NONE;
    return this.routes.filter((_, j) => this.keys[j] === key);
  }

  /** Whether the group holds a route `ip route add` would call the same (EEXIST) as `route`. */
  holdsSame(route: Route): boolean {
    const key = route.dst | 0;
    if (this.index !== undefined) return this.index.get(key)?.some((r) => sameKey(r, route)) === true;
    const keys = this.keys;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === key && sameKey(this.routes[j] as Route, route)) return true;
    }
    return false;
  }

  /** Keeps the routes `keep` accepts, in order. */
  retain(keep: (r: Route) => boolean): void {
    this.routes = this.routes.filter(keep);
    this.keys = this.routes.map((r) => r.dst | 0);
    this.index = undefined;
    if (this.routes.length > INDEX_FROM) this.reindex();
  }

  private reindex(): void {
    const index = new Map<number, Route[]>();
    for (const r of this.routes) indexRoute(index, r);
    this.index = index;
    this.keys = [];
  }
}

const NONE: readonly Route[] = Object.freeze([]);

/**
 * `list` with `item` appended, as a new packed array of exactly that length (what `concat` gives). Array
 * literals for the short lists a pod's tables and device lists hold: `concat` is a generic builtin
 * (Symbol.isConcatSpreadable checks) and cost more than the rest of a route insert.
 */
export function appended<T>(list: readonly T[], item: T): T[] {
  switch (list.length) {
    case 0:
      return [item];
    case 1:
      return [list[0] as T, item];
    case 2:
      return [list[0] as T, list[1] as T, item];
    case 3:
      return [list[0] as T, list[1] as T, list[2] as T, item];
    default:
      return list.concat([item]); // wrapped: concat would spread an array item
  }
}

/**
 * `groups` (longest prefix first, lengths unique) with `group` at its place, as packed exact-size copies
 * (what concat-then-sort gave, without the sort's comparator calls).
 */
function withGroup(groups: readonly PrefixGroup[], group: PrefixGroup): PrefixGroup[] {
  let at = 0;
  while (at < groups.length && (groups[at] as PrefixGroup).len > group.len) at++;
  if (at === groups.length) return appended(groups, group);
  const first = groups[0] as PrefixGroup;
  // A pod's `local` table meets this once: lo's /32s come after its /8 (literals, as in `appended`).
  if (groups.length === 1) return [group, first];
  return groups.slice(0, at).concat(group, groups.slice(at));
}

function indexRoute(index: Map<number, Route[]>, route: Route): void {
  const key = route.dst | 0;
  const list = index.get(key);
  if (list === undefined) index.set(key, [route]);
  else list.push(route);
}

/**
 * A route table (`local` or `main`). Lookup is longest-prefix match, then lowest metric, then the entry
 * added first — as fib_table_lookup picks among aliases. Routes are kept grouped by prefix length
 * (longest first) so a lookup touches only candidate lengths.
 */
export class RouteTable {
  private routes: Route[] = [];
  /** Prefix lengths present, longest first, with their routes in insertion order. */
  private byLen: PrefixGroup[] = [];
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
    let group = this.groupOf(route.prefixLen);
    if (group?.holdsSame(route) === true) return false;
    // Exact-size copies while small (most tables hold a few routes), amortised pushes beyond.
    if (this.routes.length < INDEX_FROM) this.routes = appended(this.routes, route);
    else this.routes.push(route);
    this.shared?.ownAdded(route.dst, route.prefixLen);
    if (group === undefined) {
      group = new PrefixGroup(route.prefixLen);
      this.byLen = withGroup(this.byLen, group);
    }
    group.add(route);
    return true;
  }

  private groupOf(len: number): PrefixGroup | undefined {
    const groups = this.byLen;
    for (let i = 0; i < groups.length; i++) if ((groups[i] as PrefixGroup).len === len) return groups[i];
    return undefined;
  }

  /** The routes to exactly `dst/prefixLen`, in insertion order (through the group's index, no scan). */
  withPrefix(dst: Ip4, prefixLen: number): readonly Route[] {
    const own = this.byLen.find((g) => g.len === prefixLen)?.withKey(dst | 0) ?? NONE;
    const shared = this.shared?.route(prefixLen, dst | 0);
    return shared === undefined ? own : [...own, shared];
  }

  /** The table's own routes (not what it shares), in insertion order. */
  ownRoutes(): readonly Route[] {
    return this.routes;
  }

  /** Whether the table itself (not what it shares) holds a route to exactly `dst/prefixLen`. */
  hasOwn(dst: Ip4, prefixLen: number): boolean {
    const g = this.byLen.find((x) => x.len === prefixLen);
    if (g === undefined) return false;
    const key = dst | 0;
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
    for (const g of this.byLen) g.retain((r) => !match(r));
    this.byLen = this.byLen.filter((g) => g.routes.length > 0);
    return before - this.routes.length;
  }

  /** Longest-prefix match for `dst`, skipping routes whose device `usable` rejects; undefined if none. */
  lookup(dst: Ip4, usable?: (r: Route) => boolean): Route | undefined {
    const shared = this.shared;
    if (shared !== undefined) return this.lookupShared(dst, usable, shared);
    const groups = this.byLen;
    for (let i = 0; i < groups.length; i++) {
      const best = bestOf(groups[i] as PrefixGroup, dst, usable);
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /**
   * The lookup with shared routes: their prefix lengths are merged into the scan, longest first. Their
   * keys never collide with the table's own, so at one length at most one side can match.
   */
  private lookupShared(dst: Ip4, usable: ((r: Route) => boolean) | undefined, shared: SharedRoutes) {
    const groups = this.byLen;
    const lens = shared.lens;
    let v = 0;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as PrefixGroup;
      for (; v < lens.length && (lens[v] as number) >= g.len; v++) {
        const len = lens[v] as number;
        if (len === g.len) break;
        const r = sharedHit(shared, len, dst, usable);
        if (r !== undefined) return r;
      }
      const best = bestOf(g, dst, usable);
      if (best !== undefined) return best;
      if (v < lens.length && lens[v] === g.len) {
        const r = sharedHit(shared, g.len, dst, usable);
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

/** The lowest-metric usable route of the group for `dst`, the first added among equals. */
function bestOf(g: PrefixGroup, dst: Ip4, usable: ((r: Route) => boolean) | undefined): Route | undefined {
  const net = dst & g.mask;
  let best: Route | undefined;
  if (g.index !== undefined) {
    const indexed = g.index.get(net);
    if (indexed === undefined) return undefined;
    for (let j = 0; j < indexed.length; j++) {
      const r = indexed[j] as Route;
      if (usable !== undefined && !usable(r)) continue;
      if (best === undefined || r.metric < best.metric) best = r;
    }
    return best;
  }
  const keys = g.keys;
  const n = g.routes.length;
  for (let j = 0; j < n; j++) {
    if (keys[j] !== net) continue;
    const r = g.routes[j] as Route;
    if (usable !== undefined && !usable(r)) continue;
    if (best === undefined || r.metric < best.metric) best = r;
  }
  return best;
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

function sameKey(a: Route, b: Route): boolean {
  return a.dst === b.dst && a.prefixLen === b.prefixLen && a.metric === b.metric && a.type === b.type;
}

/**
 * The kernel's dump order, which iproute2 prints as is: the FIB trie walks keys in ascending order, and
 * within one key the longer prefix comes first (checked on Linux 6.18: 10.244.0.0/24 before 10.244.0.0/16).
 */
function compareForDisplay(a: Route, b: Route): number {
  return a.dst - b.dst || b.prefixLen - a.prefixLen || a.metric - b.metric;
}
