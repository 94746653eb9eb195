import { SECOND } from '../sim/index.js';

/**
 * Conntrack sysctls with the kernel's defaults, in seconds unless named otherwise (/proc/sys/net/netfilter
 * of a fresh namespace, reference/linux-datapath.md §2; nf_conntrack_proto_{tcp,udp,icmp,generic}.c).
 * kube-proxy changes three of them: nf_conntrack_max = max(32768 × CPUs, 131072), tcp established
 * 86400 and tcp close_wait 3600 (reference/kube-proxy.md §1).
 */
export const CONNTRACK_SYSCTLS: ReadonlyMap<string, number> = new Map([
  /** Table size limit; nf_conntrack_init_start gives 262144 on a 64-bit host with more than 4 GiB. */
  ['net.netfilter.nf_conntrack_max', 262144],
  ['net.netfilter.nf_conntrack_tcp_timeout_syn_sent', 120],
  ['net.netfilter.nf_conntrack_tcp_timeout_syn_recv', 60],
  ['net.netfilter.nf_conntrack_tcp_timeout_established', 432000],
  ['net.netfilter.nf_conntrack_tcp_timeout_fin_wait', 120],
  ['net.netfilter.nf_conntrack_tcp_timeout_close_wait', 60],
  ['net.netfilter.nf_conntrack_tcp_timeout_last_ack', 30],
  ['net.netfilter.nf_conntrack_tcp_timeout_time_wait', 120],
  ['net.netfilter.nf_conntrack_tcp_timeout_close', 10],
  ['net.netfilter.nf_conntrack_tcp_timeout_max_retrans', 300],
  ['net.netfilter.nf_conntrack_tcp_timeout_unacknowledged', 300],
  /** An unreplied (or younger than 2 s) UDP flow. */
  ['net.netfilter.nf_conntrack_udp_timeout', 30],
  /** A UDP flow seen both ways and older than 2 s ([ASSURED]). */
  ['net.netfilter.nf_conntrack_udp_timeout_stream', 120],
  ['net.netfilter.nf_conntrack_icmp_timeout', 30],
  ['net.netfilter.nf_conntrack_generic_timeout', 600],
  /** 1: pick up TCP connections already in progress (an ACK without an entry makes one). */
  ['net.netfilter.nf_conntrack_tcp_loose', 1],
]);

/** A UDP entry must be this old before a packet makes it a stream (nf_conntrack_udp_packet: 2 * HZ). */
export const UDP_STREAM_AFTER_NS = 2 * SECOND;

/** NF_NAT_MAX_ATTEMPTS: most source ports nf_nat_l4proto_unique_tuple tries in its first round. */
export const NAT_MAX_ATTEMPTS = 128;
