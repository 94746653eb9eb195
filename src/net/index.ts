/**
 * net/ — network namespaces: devices, addresses, the `local` and `main` route tables, the ARP neighbour
 * table, sysctls and sockets, and the IPv4 receive/forward/output path with the ICMP errors Linux sends.
 * Declares the netfilter hook interface it calls; never imports netfilter/.
 */

export { isBroadcast, isLocalAddress, selectSource } from './addr-select.js';
export { DEFAULT_SYSCTLS, ICMP, IP, NEIGH } from './defaults.js';
export * from './dev/index.js';
export type { DeliverTo, Explainer, ProxyStep } from './explain.js';
export {
  prefixMask,
  type Route,
  type RouteProto,
  type RouteScope,
  RouteTable,
  type RouteType,
} from './fib.js';
export type { HookPoint, NetfilterHooks } from './hooks.js';
export type { OutputRoute, PmtuDisc, SendErrno, SendOptions, SendResult } from './ipv4.js';
export { NeighEntry, NeighTable, type NudState } from './neigh.js';
export { NetNs, type NetNsOptions, type RouteError, type RouteSpec, type VxlanSpec } from './netns.js';
export { type RawListener, Sockets, type UdpListener } from './sockets.js';
export type { IfAddr } from './view.js';
