/** The FIB entry record (fib.ts holds the tables; fib-group.ts a prefix length's routes). */
import type { Ip4 } from '../wire/index.js';

/** Route types as `ip route` prints them (RTN_*). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'unreachable' | 'blackhole' | 'prohibit';
/** Route scopes (RT_SCOPE_*), ordered from widest to narrowest. */
export type RouteScope = 'global' | 'link' | 'host';
/** Who installed a route (RTPROT_*). */
export type RouteProto = 'kernel' | 'boot' | 'static';

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
