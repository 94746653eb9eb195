/**
 * The routes of one prefix length in a RouteTable, once there are two or more (fib.ts keeps a lone
 * route inline): kept apart from fib.ts, which says how lengths are ordered and looked up.
 */
import { type Ip4, maskOf } from '../wire/index.js';
import type { Route } from './fib-route.js';

/** Groups with more routes than this also index them by key (kube-ipvs0 holds a /32 per Service). */
export const INDEX_FROM = 16;

/**
 * The routes of one prefix length. Destinations are kept again as signed 32-bit keys beside the routes
 * (small integers, so the array stays packed), and a lookup scans those rather than reading `dst` from
 * each record (addresses from 128.0.0.0 up would be compared as heap doubles). A large group is indexed
 * by key instead, so that neither a lookup nor an add scans it: the kernel's fib_trie does not slow down
 * with the number of routes either. Small groups keep arrays of exactly their size: a pod's local table
 * has one group (its /32s), and a pushed-to array reserves 17 slots.
 */
export class PrefixGroup {
  /** The netmask as a signed 32-bit number: `dst & mask` is then signed 32-bit too. */
  readonly mask: number;
  /** The keys of `routes`, in the same order (unused once indexed). */
  keys: number[] = [];
  routes: Route[] = [];
  /** Above INDEX_FROM routes: the routes of each key, in insertion order. */
  index: Map<number, Route[]> | undefined;

  constructor(readonly len: number) {
    this.mask = maskOf(len) | 0;
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

export const NONE: readonly Route[] = Object.freeze([]);

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

function indexRoute(index: Map<number, Route[]>, route: Route): void {
  const key = route.dst | 0;
  const list = index.get(key);
  if (list === undefined) index.set(key, [route]);
  else list.push(route);
}

/** The lowest-metric usable route of the group for `dst`, the first added among equals. */
export function bestOf(
  g: PrefixGroup,
  dst: Ip4,
  usable: ((r: Route) => boolean) | undefined,
): Route | undefined {
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

export function sameKey(a: Route, b: Route): boolean {
  return a.dst === b.dst && a.prefixLen === b.prefixLen && a.metric === b.metric && a.type === b.type;
}
