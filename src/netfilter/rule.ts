/**
 * The iptables rule model: what `iptables-restore` reads and `iptables-save` prints, held as plain
 * readonly records so one parsed rule can be shared by every node whose ruleset contains the same line
 * (kube-proxy's KUBE-SVC/KUBE-SEP chains are identical across nodes). Addresses are numbers and masks are
 * precomputed, so matching on the per-packet path is integer compares only.
 *
 * Field order follows iptables' canonical print order (libiptc / iptables-save): `-s`, `-d`, `-i`, `-o`,
 * `-p`, `-f`, then the `-m` matches in the order they were given, then the target. Anything the parser
 * understands prints back exactly; anything it does not is an error, never a silently dropped match.
 */

import type { Ip4 } from '../wire/index.js';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter';

/** The built-in chains each table has (iptables-save prints them first, in this order). */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** `-s 10.244.0.0/16`, `! -d 10.96.0.1/32`: address and mask as numbers, and the `!`. */
export interface AddrMatch {
  readonly addr: Ip4;
  readonly prefixLen: number;
  /** Precomputed `maskOf(prefixLen)`; `(ip & mask) >>> 0 === addr` is the test. */
  readonly mask: number;
  readonly invert: boolean;
}

/** `-i cni0`, `! -o flannel.1`, `-i veth+` (a trailing `+` matches any suffix). */
export interface IfaceMatch {
  readonly name: string;
  readonly invert: boolean;
}

/** `--dport 80`, `--sport 1024:65535`, `! --dport 53`. */
export interface PortMatch {
  readonly from: number;
  readonly to: number;
  readonly invert: boolean;
}

/** The `-m` matches podwire understands, each in the shape iptables-save prints it. */
export type Match =
  /** `-m comment --comment "text"`. */
  | { readonly kind: 'comment'; readonly text: string }
  /** `-m tcp|udp [--sport P] [--dport P]` (the protocol must be given with `-p`). */
  | {
      readonly kind: 'tcp' | 'udp';
      readonly sport?: PortMatch;
      readonly dport?: PortMatch;
    }
  /** `-m icmp --icmp-type T[/C]`. */
  | { readonly kind: 'icmp'; readonly type: number; readonly code?: number; readonly invert: boolean }
  /** `-m multiport --dports 80,443` / `--sports`. */
  | {
      readonly kind: 'multiport';
      readonly dir: 'sports' | 'dports';
      readonly ports: readonly number[];
      readonly invert: boolean;
    }
  /** `-m mark [!] --mark V/M`: matches when `(mark & M) === V`. */
  | { readonly kind: 'mark'; readonly value: number; readonly mask: number; readonly invert: boolean }
  /**
   * `-m statistic --mode random --probability P`: `stored` is `lround(P × 2^31)` as iptables keeps it;
   * the rule matches when `(u32 & 0x7fffffff) < stored` for a u32 drawn from the namespace's PRNG.
   */
  | { readonly kind: 'statistic'; readonly stored: number; readonly invert: boolean }
  /** `-m addrtype [!] --src-type T` / `[!] --dst-type T` (LOCAL, UNICAST, BROADCAST, …). */
  | {
      readonly kind: 'addrtype';
      readonly srcType?: { readonly type: string; readonly invert: boolean };
      readonly dstType?: { readonly type: string; readonly invert: boolean };
      readonly limitIfaceIn?: boolean;
      readonly limitIfaceOut?: boolean;
    }
  /** `-m conntrack [!] --ctstate NEW,ESTABLISHED` (also DNAT, SNAT, RELATED, INVALID, UNTRACKED). */
  | { readonly kind: 'conntrack'; readonly ctstate: readonly string[]; readonly invert: boolean }
  /** `-m set [!] --match-set NAME dst,dst` (ipset lookup with the given direction flags). */
  | {
      readonly kind: 'set';
      readonly name: string;
      readonly flags: readonly ('src' | 'dst')[];
      readonly invert: boolean;
    }
  /** `-m recent --name N --rcheck --seconds S --reap --mask M --rsource` / `--set` (session affinity). */
  | {
      readonly kind: 'recent';
      readonly name: string;
      readonly op: 'set' | 'rcheck' | 'update' | 'remove';
      readonly seconds?: number;
      readonly reap: boolean;
      readonly mask: Ip4;
      readonly side: 'rsource' | 'rdest';
    }
  /** `-m physdev --physdev-is-bridged` and friends (br_netfilter). */
  | {
      readonly kind: 'physdev';
      readonly isBridged?: boolean;
      readonly physdevIn?: IfaceMatch;
      readonly physdevOut?: IfaceMatch;
    };

/** Where a rule sends a matching packet. */
export type Target =
  | { readonly kind: 'ACCEPT' }
  | { readonly kind: 'DROP' }
  | { readonly kind: 'RETURN' }
  /** `-j CHAIN` (returns here on RETURN or the chain's end) / `-g CHAIN` (returns to the caller's caller). */
  | { readonly kind: 'jump'; readonly chain: string }
  | { readonly kind: 'goto'; readonly chain: string }
  /** `-j REJECT --reject-with icmp-port-unreachable|icmp-host-prohibited|tcp-reset|…`. */
  | { readonly kind: 'REJECT'; readonly with: string }
  /** `-j DNAT --to-destination IP[:PORT]`. */
  | { readonly kind: 'DNAT'; readonly toAddr: Ip4; readonly toPort?: number }
  /** `-j SNAT --to-source IP[:PORT] [--random-fully]`. */
  | { readonly kind: 'SNAT'; readonly toAddr: Ip4; readonly toPort?: number; readonly randomFully: boolean }
  /** `-j MASQUERADE [--to-ports P] [--random-fully]`. */
  | { readonly kind: 'MASQUERADE'; readonly randomFully: boolean }
  /** `-j MARK --set-xmark V/M`: mark = (mark & ~M) ^ V (`--or-mark`/`--xor-mark`/`--set-mark` print as this). */
  | { readonly kind: 'MARK'; readonly value: number; readonly mask: number }
  /** `-j LOG`, `-j NOTRACK`, `-j CT --notrack`: accepted and printed, no effect on the path. */
  | { readonly kind: 'other'; readonly text: string };

/** One rule (`-A CHAIN …`). */
export interface Rule {
  readonly src?: AddrMatch;
  readonly dst?: AddrMatch;
  readonly inIface?: IfaceMatch;
  readonly outIface?: IfaceMatch;
  /** `-p tcp` → 6, `! -p udp` → 17 inverted; absent means all protocols. */
  readonly proto?: { readonly num: number; readonly invert: boolean };
  readonly matches: readonly Match[];
  /** Absent for a rule with no `-j`/`-g` (it only counts packets). */
  readonly target?: Target;
}

/** One chain: built-in chains have a policy, user chains have `-`. */
export interface Chain {
  readonly name: string;
  readonly policy: 'ACCEPT' | 'DROP' | undefined;
  readonly rules: readonly Rule[];
}

/** One table's chains in the order iptables-save prints them (built-ins first, then user chains sorted). */
export interface Table {
  readonly name: TableName;
  readonly chains: ReadonlyMap<string, Chain>;
}
