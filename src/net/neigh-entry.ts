/**
 * A neighbour entry and what the table shares with its stack and with other namespaces: the records of
 * neigh.ts, kept apart from the table's state machine there.
 */
import { type Sim, Timer } from '../sim/index.js';
import type { Ip4, Ipv4Packet, Mac } from '../wire/index.js';

/** NUD states (include/uapi/linux/neighbour.h) as `ip neigh` prints them. */
export type NudState =
  | 'INCOMPLETE'
  | 'REACHABLE'
  | 'STALE'
  | 'DELAY'
  | 'PROBE'
  | 'FAILED'
  | 'NOARP'
  | 'PERMANENT'
  | 'NONE';

/** What the neighbour table needs from its stack: send ARP, send a resolved packet, report a failure. */
export interface NeighHost {
  /** Sends an ARP request for `entry.ip` on its device: broadcast, or unicast to `unicastTo` (PROBE). */
  solicit(entry: NeighEntry, unicastTo: Mac | undefined): void;
  /** Transmits a packet that waited for resolution. */
  transmit(entry: NeighEntry, packet: Ipv4Packet): void;
  /** A packet that waited in vain: the stack answers with ICMP host unreachable (arp_error_report). */
  unreachable(entry: NeighEntry, packet: Ipv4Packet): void;
}

/** One neighbour entry: an IPv4 address on a device and what is known of its MAC. */
export class NeighEntry {
  state: NudState = 'NONE';
  mac: Mac | undefined;
  /** Last time reachability was confirmed (ARP reply). */
  confirmed = 0;
  /** Last time the entry was used to send. */
  used = 0;
  /** Last time the state or address changed. */
  updated = 0;
  probes = 0;
  queue: Ipv4Packet[] = [];
  queueBytes = 0;
  readonly timer: Timer;

  constructor(
    readonly table: { readonly sim: Sim; timerFired(e: NeighEntry): void },
    readonly ip: Ip4,
    readonly dev: number,
  ) {
    this.timer = new Timer(table.sim, () => table.timerFired(this));
  }
}

/** A permanent neighbour shared with other namespaces (an overlay peer's VTEP, net/peer-table.ts). */
export interface SharedNeighbour {
  readonly gateway: Ip4;
  readonly mac: Mac;
}

/**
 * Permanent neighbours of one device a table shares with other namespaces, consulted after its own
 * entries of that device. The table's own entries of the device are only copies of shared ones (made
 * when the stack first uses one, so per-packet state stays the namespace's); any other change on the
 * device detaches first, turning every shared entry into the table's own.
 */
export interface SharedNeighbours {
  readonly ifindex: number;
  neighbour(ip: Ip4): SharedNeighbour | undefined;
  /** The shared entries, in the order the namespace would have created them. */
  visible(): readonly SharedNeighbour[];
  /** When the namespace would have created the entry. */
  handledAt(n: SharedNeighbour): number;
  /** Turns the shared entries into the table's own (and unsets `NeighTable.shared`). */
  detach(): void;
}
