import type { Sim, TraceBus } from '../sim/index.js';
import type { EthernetFrame, Ip4 } from '../wire/index.js';
import type { NetDevice } from './dev/index.js';
import type { Explainer } from './explain.js';
import type { RouteTable } from './fib.js';
import type { NetfilterHooks } from './hooks.js';
import type { NeighTable } from './neigh.js';
import type { Sockets } from './sockets.js';

/** An IPv4 address on a device (`ip addr`). */
export interface IfAddr {
  readonly ip: Ip4;
  readonly prefixLen: number;
  readonly dev: number;
  /** Directed broadcast, absent for /31 and /32. */
  readonly broadcast: Ip4 | undefined;
  readonly scope: 'global' | 'link' | 'host';
  /**
   * IFA_BROADCAST was set: netlink callers such as the CNI plugins (vishvananda/netlink fills it in for
   * IPv4 prefixes shorter than /31) set it, `ip addr add` without `brd` does not. Only then does
   * `ip addr` print `brd` (OBSERVED-cni.md: `inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0`, but
   * `inet 192.168.56.11/24 scope global eth0`). The broadcast route exists either way.
   */
  readonly broadcastSet: boolean;
}

/** What the IPv4 stack reads from its namespace: the state `NetNs` owns. */
export interface StackView {
  readonly name: string;
  readonly sim: Sim;
  readonly trace: TraceBus<EthernetFrame>;
  readonly local: RouteTable;
  readonly main: RouteTable;
  readonly neigh: NeighTable;
  readonly sockets: Sockets;
  readonly hooks: NetfilterHooks | undefined;
  /** Told every decision while a packet is being explained (`podwire trace`); undefined otherwise. */
  readonly explain: Explainer | undefined;
  readonly stats: Map<string, number>;
  device(ifindex: number): NetDevice | undefined;
  deviceByName(name: string): NetDevice | undefined;
  /** Addresses of a device, primary first. */
  addresses(ifindex: number): readonly IfAddr[];
  sysctl(key: string): string;
  /** `sysctl(net.ipv4.ip_forward) === '1'`, kept up to date by the namespace. */
  readonly ipForward: boolean;
  /** `sysctl(net.ipv4.icmp_echo_ignore_all) === '1'`. */
  readonly icmpEchoIgnoreAll: boolean;
  /** `sysctl(net.bridge.bridge-nf-call-iptables) === '1'`: bridged IPv4 frames pass iptables (br_netfilter). */
  readonly bridgeNfCallIptables: boolean;
}
