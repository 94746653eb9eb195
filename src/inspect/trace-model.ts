/**
 * The data `podwire trace` produces (and prints with `--json`): one packet followed hop by hop, and the
 * packet that answered it. The shape follows Batfish's Trace → Hop → Step: a packet has hops (one per
 * namespace or switch it passed through, in order), a hop has steps (each device, table lookup,
 * encapsulation, netfilter hook run with the rules that matched, conntrack and NAT, …), and the packet
 * ends in a fate. Addresses are printed as the kernel tools print them, rules as iptables-save prints
 * them; times are simulated nanoseconds. This schema is stable: fields are only ever added.
 */
import type { BridgeVerdict, DeliverTo, NudState, ProxyStep } from '../net/index.js';
import type { CtExplained, NfHook, TableName } from '../netfilter/index.js';

/** Fields every step has. */
export interface StepBase {
  /** Simulated time, ns. */
  readonly timeNs: number;
  /** The namespace (`node1`, `node1/pa`, `router`) or underlay segment (`rack1`) the step happened in. */
  readonly host: string;
  /** The device involved (for a segment: the switch port, named after the host it leads to). */
  readonly dev: string | null;
  /**
   * The step concerns the packet carrying the traced one (the outer VXLAN datagram, or flanneld's UDP),
   * not the traced packet itself.
   */
  readonly outer: boolean;
}

/** A device received the frame (`ip_rcv` comes next, or the bridge the device is a port of). */
export interface ReceiveStep extends StepBase {
  readonly kind: 'receive';
  /** The bridge the device is a port of (`cni0`), when it is one. */
  readonly bridge: string | null;
}

/** A device sent the frame; MACs are null on a TUN, which has no link header. */
export interface SendStep extends StepBase {
  readonly kind: 'send';
  readonly srcMac: string | null;
  readonly dstMac: string | null;
}

/** The underlay switch took the frame in from a port, or put it out on one. */
export interface SwitchStep extends StepBase {
  readonly kind: 'switch';
  readonly direction: 'in' | 'out';
}

/** A route lookup: the table and the entry that won, as `ip route` prints it; null when none matched. */
export interface RouteStep extends StepBase {
  readonly kind: 'route';
  /** `input`: a received packet (ip_route_input); `output`: a locally generated one (ip_route_output). */
  readonly lookup: 'input' | 'output';
  readonly destination: string;
  readonly table: 'local' | 'main';
  readonly route: string | null;
}

/** ip_forward: out of `outDev` with the TTL decremented. */
export interface ForwardStep extends StepBase {
  readonly kind: 'forward';
  readonly outDev: string;
  readonly ttlBefore: number;
  readonly ttlAfter: number;
}

/** The neighbour entry of the next hop as found (`state` NONE: there was none). */
export interface NeighStep extends StepBase {
  readonly kind: 'neigh';
  readonly address: string;
  readonly state: NudState;
  readonly lladdr: string | null;
  /** `send`: the MAC is used now; `queue`: the packet waits while ARP resolves the address. */
  readonly action: 'send' | 'queue';
}

/** A queued packet leaves: its neighbour resolved. */
export interface NeighResolvedStep extends StepBase {
  readonly kind: 'neigh-resolved';
  readonly address: string;
  readonly state: NudState;
  readonly lladdr: string;
}

/** A bridge's FDB lookup of the destination MAC and what it did (the `port`, or null). */
export interface BridgeFdbStep extends StepBase {
  readonly kind: 'bridge-fdb';
  readonly mac: string;
  readonly verdict: BridgeVerdict;
  readonly port: string | null;
}

/** A VXLAN device's FDB lookup of the destination MAC: the remote VTEP, or null for a miss. */
export interface VxlanFdbStep extends StepBase {
  readonly kind: 'vxlan-fdb';
  readonly mac: string;
  readonly remote: string | null;
}

/** The frame wrapped in VXLAN/UDP/IPv4; the IP fields are null when the outer packet was never sent. */
export interface EncapStep extends StepBase {
  readonly kind: 'encap';
  readonly vni: number;
  readonly outerSrc: string;
  readonly outerDst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly udpLength: number;
  readonly ipLength: number | null;
  readonly ttl: number | null;
  readonly df: boolean | null;
}

/** The outer datagram taken off, or refused (`drop` says why). */
export interface DecapStep extends StepBase {
  readonly kind: 'decap';
  readonly vni: number | null;
  readonly outerSrc: string | null;
  readonly outerDst: string | null;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly drop: string | null;
}

/** A user-space program moved the packet (flanneld's udp backend), decrementing its TTL. */
export interface ProxyStepRecord extends StepBase {
  readonly kind: 'proxy';
  readonly program: string;
  readonly action: ProxyStep['action'];
  /** The program's route that matched (`10.244.1.0/24`) and the peer, for `tun-to-udp`. */
  readonly subnet: string | null;
  readonly peer: string | null;
  readonly ttlBefore: number;
}

/**
 * One netfilter hook run for the packet (nf_hook_slow): the hook, the devices it ran with, and what it
 * decided — the steps that follow (conntrack, each rule that matched, policies, NAT) are that run's.
 */
export interface NfHookStep extends StepBase {
  readonly kind: 'nf-hook';
  readonly hook: NfHook;
  readonly inDev: string | null;
  readonly outDev: string | null;
  /** `accept`: the packet goes on; `drop`/`reject`: it ends here; `stolen`: a hook kept it. */
  readonly verdict: 'accept' | 'drop' | 'reject' | 'stolen';
  /** The drop counter of a `drop`/`reject` (`nf_drop`, `nf_reject`, `nf_conntrack_table_full`), else null. */
  readonly reason: string | null;
  /** A REJECT's ICMP code (destination unreachable: `--reject-with`), or -1 for `tcp-reset`; else null. */
  readonly rejectCode: number | null;
  /** The ICMP type a REJECT sends: 3 (destination unreachable), IPVS's 11; null for none or a reset. */
  readonly rejectType: number | null;
}

/** A rule that matched, by table, chain and 1-based number (`iptables -L --line-numbers`). */
export interface NfRuleStep extends StepBase {
  readonly kind: 'nf-rule';
  readonly hook: NfHook;
  readonly table: TableName;
  readonly chain: string;
  readonly num: number;
  /** The rule as `iptables-save` prints it: `-A KUBE-SVC-… -m comment --comment "…" -j KUBE-SEP-…`. */
  readonly rule: string;
}

/** The packet reached the end of (or RETURNed from) a built-in chain and took its policy. */
export interface NfPolicyStep extends StepBase {
  readonly kind: 'nf-policy';
  readonly hook: NfHook;
  readonly table: TableName;
  readonly chain: string;
  readonly policy: 'ACCEPT' | 'DROP';
}

/** What conntrack made of the packet at PREROUTING or OUTPUT (nf_conntrack_in), and the entry. */
export interface ConntrackStep extends StepBase {
  readonly kind: 'conntrack';
  readonly hook: NfHook;
  readonly state: CtExplained;
  /** The packet belongs to the entry's reply direction. */
  readonly replyDir: boolean;
  /**
   * What `-m conntrack --ctstate` sees: NEW also for a found entry that never saw a reply (the packets
   * of a one-way UDP flow), ESTABLISHED, RELATED, INVALID, UNTRACKED; null when the packet is dropped.
   */
  readonly ctstate: 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED' | null;
  /** `tcp`, `udp`, `icmp`, or the protocol number. */
  readonly proto: string;
  /** The original tuple as `conntrack -L` prints it (`src=… dst=… sport=… dport=…`); null without an entry. */
  readonly original: string | null;
  /** The reply tuple, null for a new entry (its NAT is not decided yet) or without an entry. */
  readonly reply: string | null;
  /** TCP: the entry's state as `conntrack -L` names it (`SYN_SENT`), else null. */
  readonly tcpState: string | null;
}

/**
 * NAT rewrote the packet: a binding applied on a connection's original direction (`target` the rule's
 * DNAT, SNAT or MASQUERADE; null for a binding no rule chose), or undone on its reply direction (`target`
 * null); or IPVS sent a request to its real server or a reply back from the virtual address (`IPVS`).
 */
export interface NatStep extends StepBase {
  readonly kind: 'nat';
  readonly hook: NfHook;
  readonly direction: 'original' | 'reply';
  /** Which end was rewritten: `dst` at PREROUTING/OUTPUT, `src` at INPUT/POSTROUTING. */
  readonly manip: 'src' | 'dst';
  readonly target: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'IPVS' | null;
  /** That end before and after: `10.96.0.10:80`, or the bare address for ICMP. */
  readonly from: string;
  readonly to: string;
}

/** Local delivery: to a socket, or to the kernel's own ICMP handling. */
export interface DeliverStep extends StepBase {
  readonly kind: 'deliver';
  readonly to: DeliverTo;
  /** The port for `udp-socket` and `tcp-socket`, else null. */
  readonly port: number | null;
  /** What the socket is, when podwire knows (`vxlan flannel.1`, `flanneld`). */
  readonly owner: string | null;
  readonly ttl: number;
}

/** An ICMP error about the packet: sent (its journey is the reply), or not, and why. */
export interface IcmpErrorStep extends StepBase {
  readonly kind: 'icmp-error';
  readonly type: number;
  readonly code: number;
  /** ping's words for it (`Destination Net Unreachable`). */
  readonly message: string;
  readonly suppressed: string | null;
}

/** The packet was dropped; `counter` is the namespace's drop counter or the device's reason. */
export interface DropStep extends StepBase {
  readonly kind: 'drop';
  readonly reason: DropReason;
  readonly counter: string;
}

export type TraceStep =
  | ReceiveStep
  | SendStep
  | SwitchStep
  | RouteStep
  | ForwardStep
  | NeighStep
  | NeighResolvedStep
  | BridgeFdbStep
  | VxlanFdbStep
  | EncapStep
  | DecapStep
  | ProxyStepRecord
  | DeliverStep
  | IcmpErrorStep
  | DropStep
  | NfHookStep
  | NfRuleStep
  | NfPolicyStep
  | ConntrackStep
  | NatStep;

/** Why a packet was dropped (Batfish's FlowDisposition, in Linux's terms). */
export type DropReason =
  | 'no-route'
  | 'route-type'
  | 'ttl-exceeded'
  | 'mtu'
  | 'neigh-failed'
  | 'fdb-miss'
  | 'link-down'
  | 'not-for-this-host'
  | 'forwarding-disabled'
  | 'no-socket'
  | 'netfilter'
  | 'vxlan'
  | 'proxy'
  | 'other';

/** The namespaces and switches in order, each with its steps: consecutive steps in one place make a hop. */
export interface TraceHop {
  readonly host: string;
  readonly hostKind: 'pod' | 'node' | 'router' | 'host' | 'segment';
  readonly steps: readonly TraceStep[];
}

/** How the packet ended. */
export type TraceFate =
  | {
      readonly kind: 'delivered';
      readonly host: string;
      readonly dev: string | null;
      readonly to: DeliverTo;
      readonly port: number | null;
      readonly owner: string | null;
      readonly ttl: number;
    }
  | {
      readonly kind: 'dropped';
      readonly host: string;
      readonly dev: string | null;
      readonly reason: DropReason;
      readonly counter: string;
    }
  /** Never sent: the sender's own route lookup failed (`errno`). */
  | { readonly kind: 'not-sent'; readonly host: string; readonly errno: string }
  /** Nothing said what became of it before the trace gave up waiting. */
  | { readonly kind: 'lost'; readonly host: string | null };

/** One packet: what it was when sent, where it went, how it ended. */
export interface TracedPacket {
  readonly direction: 'request' | 'reply';
  /** `ICMP echo request 10.244.0.2 > 10.244.1.2, id 1234 seq 1, ttl 64, length 84`, `TCP … [S] …`. */
  readonly summary: string;
  readonly src: string;
  readonly dst: string;
  readonly protocol: 'icmp' | 'udp' | 'tcp' | number;
  readonly hops: readonly TraceHop[];
  readonly fate: TraceFate;
}

/** `icmp`: an echo request; `udp`: one datagram; `tcp`: a SYN (its answer is the SYN-ACK or a RST). */
export type TraceProto = 'icmp' | 'udp' | 'tcp';

/** What `podwire trace` prints: the request, and the reply when one came. */
export interface TraceReport {
  readonly from: string;
  readonly to: string;
  readonly proto: TraceProto;
  /** When the request was sent, ns. */
  readonly startNs: number;
  readonly packets: readonly TracedPacket[];
}
