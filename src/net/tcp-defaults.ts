import { MS, SECOND } from '../sim/index.js';

/**
 * TCP constants and sysctl defaults, each with its Linux value and where it comes from (include/net/tcp.h,
 * Documentation/networking/ip-sysctl.rst, /proc/sys/net/ipv4 read in a fresh namespace on Linux 6.18 —
 * test/kernel/OBSERVED-tcp.md).
 */
export const TCP = {
  /** TCP_TIMEOUT_INIT: the RTO before any RTT sample (RFC 6298 §2.1), so the first SYN is resent after 1 s. */
  timeoutInitNs: 1 * SECOND,
  /** TCP_RTO_MIN: the smallest RTO once RTT samples exist. */
  rtoMinNs: 200 * MS,
  /** TCP_RTO_MAX: exponential backoff stops doubling here. */
  rtoMaxNs: 120 * SECOND,
  /** net.ipv4.tcp_syn_retries: SYN retransmissions of an active open. */
  synRetries: 6,
  /**
   * net.ipv4.tcp_syn_linear_timeouts (Linux ≥ 6.7): the first this-many SYN timeouts do not double the RTO,
   * so SYNs leave at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s and connect() fails at 131 s (LAB). 0 gives the
   * classic 0, 1, 3, 7, 15, 31, 63 s and ETIMEDOUT at 127 s.
   */
  synLinearTimeouts: 4,
  /** net.ipv4.tcp_synack_retries: SYN-ACK retransmissions of a passive open (1, 2, 4, 8, 16 s apart). */
  synackRetries: 5,
  /** net.ipv4.tcp_retries2: how long an established connection retransmits (≈ 924.6 s of backoff). */
  retries2: 15,
  /** TCP_TIMEWAIT_LEN: how long the active closer's TIME_WAIT socket holds the 4-tuple. */
  timeWaitNs: 60 * SECOND,
  /** net.ipv4.tcp_fin_timeout: an orphaned FIN_WAIT2 socket waits this long for the peer's FIN. */
  finTimeoutNs: 60 * SECOND,
  /** TCP_ATO_MIN / TCP_DELACK_MIN: the delayed-ACK timer once data has been received. */
  delackNs: 40 * MS,
  /** One jiffy (CONFIG_HZ=1000): the delayed-ACK timer with an ATO of 0 fires on the next tick. */
  jiffyNs: 1 * MS,
  /** TCP_MAX_QUICKACKS: at most this many segments are ACKed at once after the first data arrives. */
  maxQuickAcks: 16,
  /** TCP_MSS_DEFAULT: the send MSS when the peer's SYN carries no MSS option (RFC 9293 §3.7.1). */
  mssDefault: 536,
  /** The first estimate of the peer's segment size for ACK decisions (tcp_initialize_rcv_mss). */
  rcvMssInit: 536,
  /** IPV4_MAX_PMTU − 40: the largest MSS advertised (65495 on lo, whose MTU is 65536). */
  mssMax: 65495,
  /** TCP_INIT_CWND: segments in flight before the first ACK (RFC 6928). */
  initCwnd: 10,
  /**
   * The receive space of a new socket: tcp_rmem[1] = 131072 with a 50 % scaling ratio. The initial window
   * is this rounded down to a multiple of the MSS (64240 for MSS 1460, 64860 for 1410 — LAB).
   */
  rcvSpace: 65536,
  /**
   * The window scale Linux offers: ilog2(tcp_rmem[2]) − 15. tcp_rmem[2] is 32 MiB on 6.18 (LAB: `WS=1024`,
   * shift 10); kernels before the 2025 raise had 6 MiB and offered 7.
   */
  wscale: 10,
  /** Timestamp option bytes every segment after the SYN carries when timestamps are on (NOP NOP TS). */
  tsOptLen: 12,
} as const;

/** net.ipv4.ip_local_port_range: the ephemeral ports connect() chooses from. */
export const LOCAL_PORT_RANGE = { low: 32768, high: 60999 } as const;
