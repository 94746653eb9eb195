/**
 * IPVS constants and defaults, each with the kernel value and where it comes from
 * (net/netfilter/ipvs/*.c, include/net/ip_vs.h, include/uapi/linux/ip_vs.h).
 */
import { SECOND } from '../../sim/index.js';

/** IP_VS_VERSION_CODE 0x010201, printed by ipvsadm as `IP Virtual Server version 1.2.1`. */
export const IPVS_VERSION = '1.2.1';
/** Connection hash table size, 1 << CONFIG_IP_VS_TAB_BITS (12): ipvsadm's `(size=4096)`. */
export const IPVS_CONN_TAB_SIZE = 4096;

/** TCP states (enum in include/net/ip_vs.h), the indices of the state tables in ip_vs_proto_tcp.c. */
export const TCP_S = {
  NONE: 0,
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT: 4,
  TIME_WAIT: 5,
  CLOSE: 6,
  CLOSE_WAIT: 7,
  LAST_ACK: 8,
  LISTEN: 9,
  SYNACK: 10,
} as const;

/** tcp_state_name_table, what /proc/net/ip_vs_conn and `ipvsadm -Lnc` print. */
export const TCP_STATE_NAMES: readonly string[] = [
  'NONE',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'SYNACK',
];

/** tcp_timeouts[] in seconds, by state; ESTABLISHED and FIN_WAIT are what `ipvsadm --set` changes. */
export const TCP_TIMEOUTS_S: readonly number[] = [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120];

/** udp_timeouts[IP_VS_UDP_S_NORMAL]: 5 minutes (`Timeout (tcp tcpfin udp): 900 120 300`). */
export const UDP_TIMEOUT_S = 300;

/** ip_vs_conn_new's initial timeout (3*HZ), replaced by the first state transition. */
export const CONN_INITIAL_TIMEOUT = 3 * SECOND;
/** ip_vs_conn_expire: a template still controlling connections is re-armed for 60 s. */
export const TEMPLATE_EXPIRE_LATER = 60 * SECOND;

/** lblc/lblcr `lblc_expiration` / `lblcr_expiration` default (DEFAULT_EXPIRATION, 24 h). */
export const LBLC_EXPIRATION = 24 * 60 * 60 * SECOND;

/** The persistence netmask ipvsadm and kube-proxy use when none is given (255.255.255.255). */
export const PERSISTENCE_NETMASK_DEFAULT = 0xffffffff;
/** kube-proxy's session affinity timeout (ClientIP, 10800 s) — the usual `persistent 10800`. */
export const KUBE_PROXY_PERSISTENCE_S = 10800;

/** The /proc/sys/net/ipv4/vs knobs IPVS reads per packet. */
export interface IpvsSysctls {
  /** `expire_nodest_conn` (kernel 0, kube-proxy 1): a connection whose real server is gone expires on its next packet. */
  expireNodestConn: boolean;
  /** `expire_quiescent_template` (kernel 0, kube-proxy 1): a persistence template to a weight-0 server is dropped. */
  expireQuiescentTemplate: boolean;
  /** `conn_reuse_mode` (kernel 1; kube-proxy sets 0 only on 4.1–5.8): reschedule a SYN reusing a TIME_WAIT/CLOSE port. */
  connReuseMode: number;
  /** `conntrack` (kernel 0, kube-proxy 1): keep netfilter conntrack for IPVS packets (else they are NOTRACK). */
  conntrack: boolean;
}

/** The kernel's defaults in a fresh namespace. */
export const KERNEL_SYSCTLS: Readonly<IpvsSysctls> = {
  expireNodestConn: false,
  expireQuiescentTemplate: false,
  connReuseMode: 1,
  conntrack: false,
};

/** What kube-proxy's IPVS proxier sets (pkg/proxy/ipvs/proxier.go, kernels 5.9 and later). */
export const KUBE_PROXY_SYSCTLS: Readonly<IpvsSysctls> = {
  expireNodestConn: true,
  expireQuiescentTemplate: true,
  connReuseMode: 1,
  conntrack: true,
};
