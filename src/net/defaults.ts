import { MS, SECOND } from '../sim/index.js';

/**
 * Kernel defaults the IPv4 stack uses, each with its Linux value and where it comes from
 * (read from /proc/sys in a fresh network namespace on Linux 6.x; reference/linux-datapath.md §5–§8).
 */
export const NEIGH = {
  /** net.ipv4.neigh.*.base_reachable_time_ms: REACHABLE lasts a random 0.5–1.5 × this. */
  baseReachableNs: 30 * SECOND,
  /** How often the randomised reachable time is drawn again (neigh_periodic_work, 300 s). */
  reachableRedrawNs: 300 * SECOND,
  /** delay_first_probe_time: DELAY waits this long for upper-layer confirmation before probing. */
  delayFirstProbeNs: 5 * SECOND,
  /** retrans_time_ms: interval between ARP requests. */
  retransNs: 1000 * MS,
  /** mcast_solicit: broadcast requests while INCOMPLETE. */
  mcastSolicit: 3,
  /** ucast_solicit: unicast probes in PROBE. */
  ucastSolicit: 3,
  /** unres_qlen_bytes: packets queued on an INCOMPLETE entry, in bytes. */
  unresQlenBytes: 212992,
} as const;

export const ICMP = {
  /** net.ipv4.icmp_ratelimit: per-destination minimum gap between rate-limited ICMP errors (1000 ms). */
  ratelimitNs: 1000 * MS,
  /** XRLIM_BURST_FACTOR: the per-destination token bucket holds this many gaps. */
  burstFactor: 6,
  /** ip_rt_error_cost: tokens ip_error() spends per "unreachable" it lets through (1 s). */
  routeErrorCostNs: 1 * SECOND,
  /** ip_rt_error_burst: ip_error()'s bucket size (5 s). */
  routeErrorBurstNs: 5 * SECOND,
  /** Largest ICMP error IP packet (RFC 1812 §4.3.2.3, icmp_send's 576-byte room). */
  maxErrorPacket: 576,
  /** IPTOS_PREC_INTERNETCONTROL: error messages carry this precedence (0xc0). */
  errorTos: 0xc0,
} as const;

export const IP = {
  /** net.ipv4.ip_default_ttl. */
  defaultTtl: 64,
  /** ipfrag_time: an incomplete reassembly is dropped after 30 s (ICMP time exceeded code 1). */
  fragTimeNs: 30 * SECOND,
} as const;

/** Sysctls a new namespace starts with (only the ones the model reads). */
export const DEFAULT_SYSCTLS: ReadonlyMap<string, string> = new Map([
  ['net.ipv4.ip_forward', '0'],
  ['net.ipv4.icmp_echo_ignore_all', '0'],
  ['net.ipv4.icmp_ratelimit', '1000'],
  ['net.ipv4.conf.all.rp_filter', '0'],
  ['net.ipv4.ip_default_ttl', '64'],
  // br_netfilter's default once loaded (per namespace); it only matters when the namespace has hooks.
  ['net.bridge.bridge-nf-call-iptables', '1'],
]);
