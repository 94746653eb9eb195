import type { Ipv4Packet } from '../wire/index.js';
import type { ConntrackEntry } from './conntrack.js';
import type { Rule, TableName } from './rule.js';
import type { NfHook } from './types.js';

/** What conntrack made of a packet at PREROUTING / OUTPUT. */
export type CtExplained =
  /** A new entry (not yet in the table: it is confirmed when the packet survives). */
  | 'new'
  /** The entry of an earlier packet, in the original (`reply` false) or reply direction. */
  | 'established'
  /** An ICMP error quoting a tracked datagram. */
  | 'related'
  /** No entry: INVALID to `-m conntrack`. */
  | 'invalid'
  /** `-j NOTRACK` / `-j CT --notrack` in the raw table. */
  | 'untracked'
  /** nf_conntrack_max reached and nothing could be evicted: the packet is dropped. */
  | 'table-full'
  /** The new entry clashed with one already in the table at confirmation: the packet is dropped. */
  | 'insert-failed';

/**
 * Told each decision the netfilter engine takes while a packet is being explained (`podwire trace`):
 * every rule that matched, every policy taken, what conntrack found, every NAT rewrite. Held in
 * `Netfilter.explain`; undefined when nobody traces, so each decision costs one check.
 */
export interface NfExplainer {
  /** Rule number `num` (1-based, as `iptables -L --line-numbers`) of `table`/`chain` matched the packet. */
  rule(hook: NfHook, table: TableName, chain: string, num: number, rule: Rule): void;
  /** The packet fell off (or RETURNed from) built-in chain `chain` and took its policy. */
  policy(hook: NfHook, table: TableName, chain: string, policy: 'ACCEPT' | 'DROP'): void;
  /** What conntrack found; `entry` is undefined for invalid, untracked and table-full. */
  conntrack(hook: NfHook, what: CtExplained, entry: ConntrackEntry | undefined, reply: boolean): void;
  /**
   * The packet was rewritten by NAT: `manip` `dst` at PREROUTING/OUTPUT, `src` at INPUT/POSTROUTING —
   * a binding applied on the original direction or undone on a reply.
   */
  nat(hook: NfHook, manip: 'src' | 'dst', before: Ipv4Packet, after: Ipv4Packet, entry: ConntrackEntry): void;
  /** IPVS rewrote the packet: a request to its real server, or a real server's reply to the virtual address. */
  ipvs?(hook: NfHook, dir: 'request' | 'reply', before: Ipv4Packet, after: Ipv4Packet): void;
}
