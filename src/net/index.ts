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
export {
  type HookPoint,
  type HookResult,
  type NetfilterHooks,
  type NfSkb,
  type NfVerdict,
  newSkb,
} from './hooks.js';
export type { OutputRoute, PmtuDisc, SendErrno, SendOptions, SendResult } from './ipv4.js';
export { NeighEntry, NeighTable, type NudState } from './neigh.js';
export { NetNs, type NetNsOptions, type RouteError, type RouteSpec, type VxlanSpec } from './netns.js';
export { NetfilterHost } from './nf-host.js';
export { type PeerAttachment, PeerEntry, type PeerSpec, PeerTable, PeerView } from './peer-table.js';
export { type RawListener, Sockets, type UdpListener, type UdpOpenOptions } from './sockets.js';
export { LOCAL_PORT_RANGE, TCP } from './tcp-defaults.js';
export {
  type AcceptHandler,
  type TcpConnectOptions,
  type TcpConnectResult,
  type TcpListener,
  TcpTable,
} from './tcp-demux.js';
export {
  type Endpoint,
  type HostRoute,
  type HostSend,
  type IcmpErrno,
  icmpErrno,
  type SocketErrno,
  type SocketHost,
  strerror,
} from './tcp-host.js';
export { advertisedMss, initialRcvWnd, modelTimeoutNs, resetFor, windowField } from './tcp-output.js';
export { type TcpHandlers, TcpSocket, type TcpSocketOptions, type TcpState } from './tcp-socket.js';
export { type UdpHandlers, type UdpSendResult, UdpSocket } from './udp-socket.js';
export type { IfAddr } from './view.js';
