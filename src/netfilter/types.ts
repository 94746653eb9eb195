/**
 * What the netfilter engine exchanges with the namespace it serves. net/ declares the hook interface the
 * IPv4 stack calls (`NetfilterHooks`); netfilter/ may not import net/, so the shapes it needs are declared
 * here again and meet net's structurally: the packet state (`PacketMeta` ≡ net's `NfSkb`), the verdicts
 * (`NfVerdict`) and the hook names. The engine asks its host — the namespace — the few things only
 * routing knows (`NfHost`), and asks ipsets through `SetLookup`.
 */
import type { Ip4 } from '../wire/index.js';

/** The five IPv4 hooks (NF_INET_PRE_ROUTING … NF_INET_POST_ROUTING). */
export type NfHook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/**
 * The netfilter state of one packet between its hooks (skb->mark, skb->_nfct + ctinfo, skb->nf_bridge):
 * the stack makes it when the packet enters or is sent and hands the same object to every later hook.
 */
export interface PacketMeta {
  mark: number;
  /** The conntrack entry (a `Conn`), or undefined: not tracked (yet), or invalid. */
  nfct: object | undefined;
  /** IP_CT_* of `nfct`; see `CtInfo`. */
  ctinfo: number;
  /** br_netfilter: the bridge port the frame came in by. */
  physIn: string | undefined;
  /** br_netfilter: the bridge port a bridged frame goes out by (set in FORWARD and POSTROUTING). */
  physOut: string | undefined;
}

/** enum ip_conntrack_info. */
export const CtInfo = {
  ESTABLISHED: 0,
  RELATED: 1,
  NEW: 2,
  IS_REPLY: 3,
  ESTABLISHED_REPLY: 3,
  RELATED_REPLY: 4,
  /** skb->_nfct set to the untracked template (`-j NOTRACK`, `-j CT --notrack`): ctstate UNTRACKED. */
  UNTRACKED: 7,
} as const;

/** A decision other than "continue": see net's `NfVerdict` (the same shape; `type` 3 when absent). */
export type NfVerdict =
  | { readonly kind: 'drop'; readonly reason: string }
  | { readonly kind: 'reject'; readonly code: number; readonly reason: string; readonly type?: number }
  | { readonly kind: 'reset'; readonly reason: string };

/** RTN_* route types as inet_addr_type returns them (xt_addrtype tests `1 << type`). */
export const RTN = {
  UNSPEC: 0,
  UNICAST: 1,
  LOCAL: 2,
  BROADCAST: 3,
  ANYCAST: 4,
  MULTICAST: 5,
  BLACKHOLE: 6,
  UNREACHABLE: 7,
  PROHIBIT: 8,
  THROW: 9,
  NAT: 10,
  XRESOLVE: 11,
} as const;

/** What only the namespace knows: its addresses and routes. Called on the per-packet path; must not allocate. */
export interface NfHost {
  /**
   * inet_dev_addr_type: the RTN_* type of `ip` in the namespace's `local` table (LOCAL, BROADCAST, …,
   * UNICAST when it is not there); with `dev`, an address counts as LOCAL only on that device
   * (`--limit-iface-in/out`).
   */
  addrType(ip: Ip4, dev: string | undefined): number;
  /**
   * nf_nat_masquerade_ipv4: the source a packet to `dst` leaving by `outDev` is masqueraded to —
   * inet_select_addr(out, next hop of the route to dst, RT_SCOPE_UNIVERSE); undefined when the device
   * has no address ("ate my IP address").
   */
  masqueradeSource(outDev: string, dst: Ip4): Ip4 | undefined;
}

/** The packet fields an ipset test reads (ipset's own IpSetPacket); ICMP's port is `type << 8 | code`. */
export interface SetPacket {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
}

/**
 * ipset membership for `-m set --match-set NAME flags`: true when the packet's tuple, read in the
 * directions of `flags` (`dst,dst` = destination address and port), is in set `name`. An unknown set is
 * never a member. `packet` is reused between calls: read it, do not keep it.
 */
export interface SetLookup {
  test(name: string, packet: SetPacket, flags: readonly ('src' | 'dst')[]): boolean;
}

/** The outcome of a rule change, with iptables' own words for what was wrong. */
export type NfResult = { readonly ok: true } | { readonly ok: false; readonly error: string };
