import type { Ipv4Packet } from '../../wire/index.js';
import type { IpvsConn } from './conn.js';

/** The hooks IPVS registers for requests (ip_vs_in_hook). */
export type IpvsRequestHook = 'LOCAL_IN' | 'LOCAL_OUT';
/** The hooks IPVS registers for replies (ip_vs_out_hook). */
export type IpvsReplyHook = 'LOCAL_IN' | 'LOCAL_OUT' | 'FORWARD';

/**
 * What IPVS did with a request (ip_vs_in_hook's verdict):
 * - `accept`: not IPVS's business (no connection and no virtual service for it, a TCP segment that
 *   cannot open a connection, ICMP, a fragment); the packet goes on unchanged.
 * - `nat`: DNAT'ed to the real server by ip_vs_nat_xmit. `local: false` — the kernel sends it itself
 *   (NF_STOLEN): the TTL is already decremented, and the packet must be routed to `packet.dst` and pass
 *   the LOCAL_OUT hooks (IPVS skips it there, skb->ipvs_property) then POSTROUTING and out. `local: true`
 *   — the real server is a local address: NF_ACCEPT, local delivery continues with the new destination.
 *   `conntrack` is the connection's IP_VS_CONN_F_NFCT: true → update the packet's conntrack entry with
 *   the translation (ip_vs_update_conntrack, so replies match), false → the packet is NOTRACK.
 * - `icmp`: drop and send the ICMP error about the original packet: 3/3 port unreachable when the
 *   service has no usable real server (ip_vs_leave), 11/0 time exceeded when TTL ≤ 1 (decrement_ttl).
 * - `drop`: NF_DROP without ICMP.
 */
export type IpvsVerdict =
  | { readonly kind: 'accept' }
  | {
      readonly kind: 'nat';
      readonly packet: Ipv4Packet;
      readonly conn: IpvsConn;
      readonly local: boolean;
      readonly conntrack: boolean;
    }
  | { readonly kind: 'icmp'; readonly type: number; readonly code: number; readonly reason: IpvsIcmpReason }
  | { readonly kind: 'drop'; readonly reason: IpvsDropReason };

export type IpvsIcmpReason = 'no-destination' | 'ttl-exceeded';
export type IpvsDropReason =
  /** The connection's real server was deleted and expire_nodest_conn is 0. */
  | 'dest-unavailable'
  /** A connection was expired for rescheduling but the packet's conntrack entry is an old confirmed one. */
  | 'old-conntrack'
  /** A packet from the network DNAT'ed to a loopback address (ip_vs_nat_xmit refuses it). */
  | 'dnat-to-loopback';

/** A reply rewritten back to the virtual address (ip_vs_out_hook → handle_response). */
export interface IpvsReply {
  readonly packet: Ipv4Packet;
  readonly conn: IpvsConn;
}

/** Per-packet facts IPVS takes from the rest of the stack. */
export interface IpvsRequestOptions {
  /** The packet's conntrack entry exists and is confirmed (ip_vs_conn_uses_old_conntrack). */
  readonly conntrackConfirmed?: boolean;
}
