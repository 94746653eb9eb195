/**
 * The fixed vocabularies iptables reads and prints: protocol names (netbase's /etc/protocols, which
 * iptables-save 1.8.9 prints through getprotobynumber), ICMP type names (libxt_icmp.c), REJECT's
 * `--reject-with` names (libipt_REJECT.c), addrtype's route types (libxt_addrtype.c), conntrack states
 * in print order (libxt_conntrack.c print_state), and the names a user chain may not take.
 */

/** `/etc/protocols` from Debian netbase: number → the official (first) name, as iptables-save prints it. */
const PROTOCOLS: readonly (readonly [number, string, ...string[]])[] = [
  [1, 'icmp'],
  [2, 'igmp'],
  [3, 'ggp'],
  [4, 'ipencap'],
  [5, 'st'],
  [6, 'tcp'],
  [8, 'egp'],
  [9, 'igp'],
  [12, 'pup'],
  [17, 'udp'],
  [20, 'hmp'],
  [22, 'xns-idp'],
  [27, 'rdp'],
  [29, 'iso-tp4'],
  [33, 'dccp'],
  [36, 'xtp'],
  [37, 'ddp'],
  [38, 'idpr-cmtp'],
  [41, 'ipv6'],
  [43, 'ipv6-route'],
  [44, 'ipv6-frag'],
  [45, 'idrp'],
  [46, 'rsvp'],
  [47, 'gre'],
  [50, 'esp'],
  [51, 'ah'],
  [57, 'skip'],
  // iptables' own table (xtables_chain_protos) adds "icmpv6" and "mh" as input aliases.
  [58, 'ipv6-icmp', 'icmpv6'],
  [59, 'ipv6-nonxt'],
  [60, 'ipv6-opts'],
  [73, 'rspf'],
  [81, 'vmtp'],
  [88, 'eigrp'],
  [89, 'ospf'],
  [93, 'ax.25'],
  [94, 'ipip'],
  [97, 'etherip'],
  [98, 'encap'],
  [103, 'pim'],
  [108, 'ipcomp'],
  [112, 'vrrp'],
  [115, 'l2tp'],
  [124, 'isis'],
  [132, 'sctp'],
  [133, 'fc'],
  [135, 'mobility-header', 'mh'],
  [136, 'udplite'],
  [137, 'mpls-in-ip'],
  [138, 'manet'],
  [139, 'hip'],
  [140, 'shim6'],
  [141, 'wesp'],
  [142, 'rohc'],
  [143, 'ethernet'],
];

const PROTO_NAME = new Map<number, string>(PROTOCOLS.map(([num, name]) => [num, name]));
const PROTO_NUM = new Map<string, number>([
  ['all', 0],
  ['ip', 0],
  ['hopopt', 0],
  ...PROTOCOLS.flatMap(([num, ...names]) => names.map((n): [string, number] => [n, num])),
]);

/** The protocol as `-p` prints it: the netbase name, or the number when /etc/protocols has none. */
export function protoName(num: number): string {
  return PROTO_NAME.get(num) ?? String(num);
}

/** A `-p` name (case-insensitive, as xtables_parse_protocol lowercases it) → number; undefined if unknown. */
export function protoByName(name: string): number | undefined {
  return PROTO_NUM.get(name.toLowerCase());
}

/** One `--icmp-type` name: type, and the code when the name fixes one (absent = any code). */
interface IcmpName {
  readonly type: number;
  readonly code?: number;
}

/** libxt_icmp.c icmp_codes: names with a code range of 0..0xFF have no code. */
export const ICMP_TYPE_NAMES: ReadonlyMap<string, IcmpName> = new Map<string, IcmpName>([
  ['any', { type: 255 }],
  ['echo-reply', { type: 0 }],
  ['pong', { type: 0 }],
  ['destination-unreachable', { type: 3 }],
  ['network-unreachable', { type: 3, code: 0 }],
  ['host-unreachable', { type: 3, code: 1 }],
  ['protocol-unreachable', { type: 3, code: 2 }],
  ['port-unreachable', { type: 3, code: 3 }],
  ['fragmentation-needed', { type: 3, code: 4 }],
  ['source-route-failed', { type: 3, code: 5 }],
  ['network-unknown', { type: 3, code: 6 }],
  ['host-unknown', { type: 3, code: 7 }],
  ['network-prohibited', { type: 3, code: 9 }],
  ['host-prohibited', { type: 3, code: 10 }],
  ['TOS-network-unreachable', { type: 3, code: 11 }],
  ['TOS-host-unreachable', { type: 3, code: 12 }],
  ['communication-prohibited', { type: 3, code: 13 }],
  ['host-precedence-violation', { type: 3, code: 14 }],
  ['precedence-cutoff', { type: 3, code: 15 }],
  ['source-quench', { type: 4 }],
  ['redirect', { type: 5 }],
  ['network-redirect', { type: 5, code: 0 }],
  ['host-redirect', { type: 5, code: 1 }],
  ['TOS-network-redirect', { type: 5, code: 2 }],
  ['TOS-host-redirect', { type: 5, code: 3 }],
  ['echo-request', { type: 8 }],
  ['ping', { type: 8 }],
  ['router-advertisement', { type: 9 }],
  ['router-solicitation', { type: 10 }],
  ['time-exceeded', { type: 11 }],
  ['ttl-exceeded', { type: 11 }],
  ['ttl-zero-during-transit', { type: 11, code: 0 }],
  ['ttl-zero-during-reassembly', { type: 11, code: 1 }],
  ['parameter-problem', { type: 12 }],
  ['ip-header-bad', { type: 12, code: 0 }],
  ['required-option-missing', { type: 12, code: 1 }],
  ['timestamp-request', { type: 13 }],
  ['timestamp-reply', { type: 14 }],
  ['address-mask-request', { type: 17 }],
  ['address-mask-reply', { type: 18 }],
]);

/** `--icmp-type any` is stored as type 0xFF (libxt_icmp.c), and printed back as `any`. */
export const ICMP_TYPE_ANY = 255;

/** libipt_REJECT.c reject_table: the canonical name iptables-save prints, and its short alias. */
const REJECT_WITH: readonly (readonly [string, string])[] = [
  ['icmp-net-unreachable', 'net-unreach'],
  ['icmp-host-unreachable', 'host-unreach'],
  ['icmp-proto-unreachable', 'proto-unreach'],
  ['icmp-port-unreachable', 'port-unreach'],
  ['icmp-net-prohibited', 'net-prohib'],
  ['icmp-host-prohibited', 'host-prohib'],
  ['tcp-reset', 'tcp-rst'],
  ['icmp-admin-prohibited', 'admin-prohib'],
];

const REJECT_BY_NAME = new Map<string, string>(
  REJECT_WITH.flatMap(([full, alias]) => [
    [full, full],
    [alias, full],
  ]),
);

/** `--reject-with` name or alias → the name iptables-save prints; undefined if unknown. */
export function rejectWithName(text: string): string | undefined {
  return REJECT_BY_NAME.get(text);
}

/** REJECT's default, printed explicitly by iptables-save. */
export const REJECT_DEFAULT = 'icmp-port-unreachable';

/** The kernel's route types (RTN_*) in bit order; addrtype prints a list in this order. */
export const ADDRTYPES: readonly string[] = [
  'UNSPEC',
  'UNICAST',
  'LOCAL',
  'BROADCAST',
  'ANYCAST',
  'MULTICAST',
  'BLACKHOLE',
  'UNREACHABLE',
  'PROHIBIT',
  'THROW',
  'NAT',
  'XRESOLVE',
];

/** conntrack states in the order libxt_conntrack's print_state writes them. */
export const CTSTATES: readonly string[] = [
  'INVALID',
  'NEW',
  'RELATED',
  'ESTABLISHED',
  'UNTRACKED',
  'SNAT',
  'DNAT',
];

/**
 * Target extensions a user chain may not be named after ("chain name may not clash with target name"):
 * the standard verdicts plus the targets iptables 1.8.9 ships for IPv4.
 */
export const TARGET_NAMES: ReadonlySet<string> = new Set([
  'ACCEPT',
  'DROP',
  'RETURN',
  'QUEUE',
  'AUDIT',
  'CHECKSUM',
  'CLASSIFY',
  'CLUSTERIP',
  'CONNMARK',
  'CONNSECMARK',
  'CT',
  'DNAT',
  'DSCP',
  'ECN',
  'HMARK',
  'IDLETIMER',
  'LED',
  'LOG',
  'MARK',
  'MASQUERADE',
  'NETMAP',
  'NFLOG',
  'NFQUEUE',
  'NOTRACK',
  'RATEEST',
  'REDIRECT',
  'REJECT',
  'SECMARK',
  'SET',
  'SNAT',
  'SYNPROXY',
  'TCPMSS',
  'TCPOPTSTRIP',
  'TEE',
  'TOS',
  'TPROXY',
  'TRACE',
  'TTL',
  'ULOG',
]);

/** Match extensions iptables has but podwire does not model (a clearer error than "Couldn't load match"). */
export const UNSUPPORTED_MATCHES: ReadonlySet<string> = new Set([
  'ah',
  'bpf',
  'cgroup',
  'cluster',
  'connbytes',
  'connlabel',
  'connlimit',
  'connmark',
  'cpu',
  'dccp',
  'devgroup',
  'dscp',
  'ecn',
  'esp',
  'hashlimit',
  'helper',
  'iprange',
  'ipvs',
  'length',
  'limit',
  'mac',
  'nfacct',
  'osf',
  'owner',
  'pkttype',
  'policy',
  'quota',
  'rateest',
  'realm',
  'rpfilter',
  'sctp',
  'socket',
  'state',
  'string',
  'tcpmss',
  'time',
  'tos',
  'ttl',
  'u32',
]);
