/**
 * How a namespace builds its tables' contents: route records (fresh, or shared with the namespace that
 * built an equal one just before), loopback's address and routes, and exact-size per-ifindex lists. Kept
 * apart from netns.ts, which says what the tables mean; this says how they stay small at 150,000 pods.
 */
import type { Ip4 } from '../wire/index.js';
import { appended, type Route } from './fib.js';
import type { IfAddr } from './view.js';

/**
 * Routes `addRoute` built last, reused when the next one is equal in every field: each pod of a node
 * gets the same routes from the CNI plugin (10.244.0.0/16 and default via the same gateway, on eth0 =
 * ifindex 2), and routes are never changed in place, so the pods share one object per route (as
 * peer-table shares overlay routes) instead of each keeping its own copies.
 */
const recentRoutes: Route[] = [];
let recentNext = 0;
const RECENT_ROUTES = 4;

export function builtRoute(
  type: Route['type'],
  dst: Ip4,
  prefixLen: number,
  dev: number,
  proto: Route['proto'],
  scope: Route['scope'],
  metric: number,
  onlink: boolean,
  gateway: Ip4 | undefined,
  prefsrc: Ip4 | undefined,
): Route {
  for (const r of recentRoutes) {
    if (
      r.dst === dst &&
      r.gateway === gateway &&
      r.prefixLen === prefixLen &&
      r.dev === dev &&
      r.type === type &&
      r.proto === proto &&
      r.scope === scope &&
      r.metric === metric &&
      r.onlink === onlink &&
      r.prefsrc === prefsrc
    ) {
      return r;
    }
  }
  // Built by assignment, not spread: spread copies get a hidden class of their own each, and a node
  // holds tens of thousands of routes. (An absent gateway or prefsrc is no property, not `undefined`.)
  const route: { -readonly [K in keyof Route]: Route[K] } = {
    type,
    dst,
    prefixLen,
    dev,
    proto,
    scope,
    metric,
    onlink,
  };
  if (gateway !== undefined) route.gateway = gateway;
  if (prefsrc !== undefined) route.prefsrc = prefsrc;
  recentRoutes[recentNext] = route;
  recentNext = (recentNext + 1) % RECENT_ROUTES;
  return route;
}

/**
 * A route the kernel adds for an address (fib_add_ifaddr). One literal for all of them, so every
 * namespace's routes share a hidden class (object spread gave each copy its own: ~700 bytes a pod).
 */
export function kernelRoute(
  type: Route['type'],
  dst: Ip4,
  prefixLen: number,
  scope: Route['scope'],
  dev: number,
  prefsrc: Ip4,
): Route {
  return { type, dst, prefixLen, dev, proto: 'kernel', scope, prefsrc, metric: 0, onlink: false };
}

/**
 * `list` with `item` at `index`: exact-size copies while the list grows by one slot at a time from index
 * 1 (ifindexes come in order: a pod's two devices fill [_, lo, eth0]), in place otherwise. Assigning past
 * the end of an empty array reserves 17 slots, for every pod namespace. Long lists (a node's veths) grow
 * in place, amortised.
 */
export function withSlot<T>(list: Array<T | undefined>, index: number, item: T): Array<T | undefined> {
  if (index === list.length && index < EXACT_SLOTS_UP_TO) return appended(list, item);
  if (index === 1 && list.length === 0) return [undefined, item];
  list[index] = item;
  return list;
}

const EXACT_SLOTS_UP_TO = 16;

export const LO_IFINDEX = 1;
const LO_IP = 0x7f000001;
/** 127.0.0.1/8 on lo, as `addAddress('lo', LO_IP, 8, 'host')` makes it. */
export const LO_ADDR: IfAddr = {
  ip: LO_IP,
  prefixLen: 8,
  dev: LO_IFINDEX,
  broadcast: 0x7fffffff,
  scope: 'host',
  broadcastSet: false,
};
/** The routes fib_add_ifaddr adds for LO_ADDR, in addAddress's order. */
export const LO_ROUTES: readonly Route[] = [
  kernelRoute('local', 0x7f000000, 8, 'host', LO_IFINDEX, LO_IP),
  kernelRoute('local', LO_IP, 32, 'host', LO_IFINDEX, LO_IP),
  kernelRoute('broadcast', 0x7fffffff, 32, 'link', LO_IFINDEX, LO_IP),
];
