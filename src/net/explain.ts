import type { Ip4, Ipv4Packet } from '../wire/index.js';
import type { DeviceExplainer, NetDevice } from './dev/index.js';
import type { Route } from './fib.js';
import type { NeighEntry } from './neigh.js';

/** Who took a locally delivered packet (ip_local_deliver). */
export type DeliverTo =
  /** A raw socket of the packet's protocol (ping's ICMP socket): raw_local_deliver. */
  | 'raw-socket'
  /** A bound UDP socket (`port`): an application, or a VXLAN device's or flanneld's tunnel socket. */
  | 'udp-socket'
  /**
   * tcp_v4_rcv for TCP port `port`: the connection or listener of the segment's 4-tuple takes it, or,
   * when there is none, the TCP layer answers with a reset.
   */
  | 'tcp-socket'
  /** icmp_echo: the kernel answers an echo request. */
  | 'icmp-echo'
  /** Another ICMP message the kernel takes itself (a fragmentation-needed updates the path MTU). */
  | 'icmp-kernel';

/** One step of a user-space program that reads and writes packets (flanneld's udp backend proxy). */
export interface ProxyStep {
  readonly program: string;
  /**
   * `tun-to-udp`: read off the TUN, sent in UDP to `peer`; `udp-to-tun`: received in UDP, written into
   * the TUN; `no-route`: no subnet matched, a net-unreachable written back; `ttl-expired`: discarded.
   */
  readonly action: 'tun-to-udp' | 'udp-to-tun' | 'no-route' | 'ttl-expired';
  /** The packet as the program read it (before its own TTL decrement). */
  readonly packet: Ipv4Packet;
  /** The program's route that matched (`tun-to-udp`): network and netmask, and the peer it leads to. */
  readonly network?: Ip4;
  readonly mask?: number;
  readonly peer?: Ip4;
}

/**
 * The decisions a namespace reports while a packet is being explained (`podwire trace`), after the
 * kernel functions named on each method. One instance per namespace, held in `NetNs.explain` and in
 * its bridges' and VXLAN devices' `explain`; undefined unless someone is tracing, so each decision point
 * costs one check and no allocation when nobody asks. Frames received, sent and dropped by devices are
 * the trace bus's rx/tx/drop points, not here.
 */
export interface Explainer extends DeviceExplainer {
  /**
   * ip_route_input: the entry that decided — table `local` for our own and broadcast addresses, else
   * `main`; undefined when `main` has no route.
   */
  routeInput(dev: NetDevice, pkt: Ipv4Packet, table: 'local' | 'main', route: Route | undefined): void;
  /** ip_local_out: a locally generated packet, built once ip_route_output_key chose `route` and `dev`. */
  localOut(pkt: Ipv4Packet, route: Route, dev: NetDevice): void;
  /** ip_forward: `pkt`, received on `inDev`, leaves for `outDev` as `fwd` (its TTL decremented). */
  forward(inDev: NetDevice, outDev: NetDevice, pkt: Ipv4Packet, fwd: Ipv4Packet): void;
  /** neigh_output: the entry of `nexthop` on `dev` as found, before it is used (undefined: none yet). */
  neighLookup(dev: NetDevice, nexthop: Ip4, pkt: Ipv4Packet, entry: NeighEntry | undefined): void;
  /** A packet leaves with the entry's MAC (right away, or once a queued packet's neighbour resolved). */
  neighTransmit(entry: NeighEntry, pkt: Ipv4Packet): void;
  /** ip_local_deliver: `pkt` handed to `to` (`port` for a UDP or TCP socket, else 0). */
  deliver(dev: NetDevice, pkt: Ipv4Packet, to: DeliverTo, port: number): void;
  /**
   * icmp_send about `orig`: an error of this type, code and `rest` (the next-hop MTU of a
   * fragmentation-needed) goes out, or `suppressed` says why not.
   */
  icmpError(orig: Ipv4Packet, type: number, code: number, rest: number, suppressed: string | undefined): void;
  /** The stack dropped `pkt` (received on `dev`, if it was) and bumped the counter `reason`. */
  drop(dev: NetDevice | undefined, pkt: Ipv4Packet, reason: string): void;
  /** A user-space program of the namespace handled a packet (flanneld's udp backend). */
  proxy(step: ProxyStep): void;
}
