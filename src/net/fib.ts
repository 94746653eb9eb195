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

/** Netmask of a prefix length as an unsigned 32-bit number (wire's maskOf, under the name net uses). */
export const prefixMask: (len: number) => number = maskOf;

/**
 * The routes of one prefix length. Destinations are kept again as signed 32-bit keys in a typed array
 * beside the routes, so a lookup scans packed integers rather than reading `dst` from each record
 * (addresses from 128.0.0.0 up would otherwise be compared as heap doubles).
 */
class PrefixGroup {
  /** The netmask as a signed 32-bit number: `dst & mask` is then signed 32-bit too. */
  readonly mask: number;
  keys = new Int32Array(0);
  routes: Route[] = [];

  constructor(readonly len: number) {
    this.mask = prefixMask(len) | 0;
  }

  add(route: Route): void {
    this.routes.push(route);
    this.rekey();
  }

  /** Keeps the routes `keep` accepts, in order. */
  retain(keep: (r: Route) => boolean): void {
    this.routes = this.routes.filter(keep);
    this.rekey();
  }

  private rekey(): void {
    this.keys = Int32Array.from(this.routes, (r) => r.dst | 0);
  }
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

  constructor(readonly name: 'local' | 'main') {}

  /** All routes in the order `ip route show` prints them (by destination, then prefix, then metric). */
  list(): readonly Route[] {
    return [...this.routes].sort(compareForDisplay);
  }

  /** Adds a route; refuses an exact duplicate (same dst/len/metric/type) like `ip route add` (EEXIST). */
  add(route: Route): boolean {
    const dst = (route.dst & prefixMask(route.prefixLen)) >>> 0;
    if (dst !== route.dst)
      throw new RangeError(`route dst ${route.dst} has host bits for /${route.prefixLen}`);
    if (this.routes.some((r) => sameKey(r, route))) return false;
    this.routes.push(route);
    let group = this.byLen.find((g) => g.len === route.prefixLen);
    if (group === undefined) {
      group = new PrefixGroup(route.prefixLen);
      this.byLen.push(group);
      this.byLen.sort((a, b) => b.len - a.len);
    }
    group.add(route);
    return true;
  }

  /** Removes routes matching the predicate; returns how many. */
  remove(match: (r: Route) => boolean): number {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !match(r));
    for (const g of this.byLen) g.retain((r) => !match(r));
    this.byLen = this.byLen.filter((g) => g.routes.length > 0);
    return before - this.routes.length;
  }

  /** Longest-prefix match for `dst`, skipping routes whose device `usable` rejects; undefined if none. */
  lookup(dst: Ip4, usable?: (r: Route) => boolean): Route | undefined {
    const groups = this.byLen;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as PrefixGroup;
      const net = dst & g.mask;
      const keys = g.keys;
      let best: Route | undefined;
      for (let j = 0; j < keys.length; j++) {
        if (keys[j] !== net) continue;
        const r = g.routes[j] as Route;
        if (usable !== undefined && !usable(r)) continue;
        if (best === undefined || r.metric < best.metric) best = r;
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }
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
