import type { Sim } from '../sim/index.js';
import type { Ip4, TcpSegment, UdpDatagram } from '../wire/index.js';

/**
 * What the socket layer needs from its namespace: the clock, routing for a local send and ip_local_out.
 * Declared here, without importing the IPv4 stack, so that sockets never form an import cycle with it;
 * `NetNs` satisfies it structurally.
 */
export interface SocketHost {
  readonly name: string;
  readonly sim: Sim;
  /** ip_route_output_key: the device, source and path MTU a send to `dst` would use. */
  routeOutput(dst: Ip4, src?: Ip4): HostRoute;
  /** ip_local_out of one TCP or UDP packet. */
  send(opts: HostSend): { readonly ok: true } | { readonly ok: false; readonly errno: string };
}

/** The parts of a route lookup the sockets read. */
export type HostRoute =
  | {
      readonly ok: true;
      readonly src: Ip4;
      /** Path MTU (a learned PMTU exception, or the device's). */
      readonly mtu: number;
      readonly dev: { readonly name: string; readonly mtu: number };
    }
  | { readonly ok: false; readonly errno: SocketErrno };

/** One packet for ip_local_out. */
export interface HostSend {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly protocol: number;
  readonly payload: TcpSegment | UdpDatagram;
  readonly tos?: number;
  readonly pmtudisc?: 'want' | 'do' | 'dont';
  readonly id?: number;
}

/** An address and port: one end of a connection. */
export interface Endpoint {
  readonly ip: Ip4;
  readonly port: number;
}

/** errno values a socket reports (the names `strerror` is keyed by). */
export type SocketErrno =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'EHOSTDOWN'
  | 'ENONET'
  | 'ENOPROTOOPT'
  | 'EOPNOTSUPP'
  | 'EMSGSIZE'
  | 'EPROTO'
  | 'EPIPE'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EACCES'
  | 'EPERM'
  | 'EINVAL';

/** An ICMP error turned into an errno, and whether RFC 1122 calls it hard (`fatal`). */
export interface IcmpErrno {
  readonly errno: SocketErrno;
  readonly fatal: boolean;
}

/** icmp_err_convert[] (net/ipv4/icmp.c): destination-unreachable codes 0–15. */
const UNREACH: readonly IcmpErrno[] = [
  { errno: 'ENETUNREACH', fatal: false }, // net unreachable
  { errno: 'EHOSTUNREACH', fatal: false }, // host unreachable
  { errno: 'ENOPROTOOPT', fatal: true }, // protocol unreachable
  { errno: 'ECONNREFUSED', fatal: true }, // port unreachable
  { errno: 'EMSGSIZE', fatal: false }, // fragmentation needed
  { errno: 'EOPNOTSUPP', fatal: false }, // source route failed
  { errno: 'ENETUNREACH', fatal: true }, // net unknown
  { errno: 'EHOSTDOWN', fatal: true }, // host unknown
  { errno: 'ENONET', fatal: true }, // host isolated
  { errno: 'ENETUNREACH', fatal: true }, // net administratively prohibited
  { errno: 'EHOSTUNREACH', fatal: true }, // host administratively prohibited
  { errno: 'ENETUNREACH', fatal: false }, // net unreachable for TOS
  { errno: 'EHOSTUNREACH', fatal: false }, // host unreachable for TOS
  { errno: 'EHOSTUNREACH', fatal: true }, // communication administratively prohibited (filtered)
  { errno: 'EHOSTUNREACH', fatal: true }, // host precedence violation
  { errno: 'EHOSTUNREACH', fatal: true }, // precedence cutoff
];

/**
 * The errno an ICMP error means for a socket, as tcp_v4_err and __udp4_lib_err read it: destination
 * unreachable by code, time exceeded → EHOSTUNREACH (soft), parameter problem → EPROTO (hard); undefined
 * for messages sockets ignore (source quench, redirect, unknown codes).
 */
export function icmpErrno(type: number, code: number): IcmpErrno | undefined {
  if (type === 3) return UNREACH[code];
  if (type === 11) return { errno: 'EHOSTUNREACH', fatal: false };
  if (type === 12) return { errno: 'EPROTO', fatal: true };
  return undefined;
}

/** strerror() of a socket errno, as curl and nc print it. */
export function strerror(errno: string): string {
  switch (errno) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ECONNRESET':
      return 'Connection reset by peer';
    case 'ETIMEDOUT':
      return 'Connection timed out';
    case 'EHOSTUNREACH':
      return 'No route to host';
    case 'ENETUNREACH':
      return 'Network is unreachable';
    case 'EHOSTDOWN':
      return 'Host is down';
    case 'ENONET':
      return 'Machine is not on the network';
    case 'ENOPROTOOPT':
      return 'Protocol not available';
    case 'EOPNOTSUPP':
      return 'Operation not supported';
    case 'EMSGSIZE':
      return 'Message too long';
    case 'EPROTO':
      return 'Protocol error';
    case 'EPIPE':
      return 'Broken pipe';
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    case 'EACCES':
      return 'Permission denied';
    case 'EPERM':
      return 'Operation not permitted';
    case 'EAGAIN':
      return 'Resource temporarily unavailable';
    default:
      return 'Invalid argument';
  }
}
