/**
 * IPVS, the kernel's L4 load balancer (net/netfilter/ipvs), as kube-proxy's IPVS mode drives it: virtual
 * services with NAT (Masq) real servers and the ten classic schedulers, the connection table with
 * persistence templates and IPVS's own TCP/UDP timeouts (run lazily by simulated time), the request and
 * reply paths the netfilter engine calls at IPVS's hooks (see `Ipvs`), and ipvsadm's listings.
 * Deterministic: no randomness is involved, every iteration order is the kernel's or insertion order.
 */
export { assureTemplate, ConnTable, IpvsConn, type NewConn } from './conn.js';
export {
  CONN_INITIAL_TIMEOUT,
  IPVS_CONN_TAB_SIZE,
  IPVS_VERSION,
  type IpvsSysctls,
  KERNEL_SYSCTLS,
  KUBE_PROXY_PERSISTENCE_S,
  KUBE_PROXY_SYSCTLS,
  LBLC_EXPIRATION,
  PERSISTENCE_NETMASK_DEFAULT,
  TCP_S,
  TCP_STATE_NAMES,
  TCP_TIMEOUTS_S,
  TEMPLATE_EXPIRE_LATER,
  UDP_TIMEOUT_S,
} from './defaults.js';
export { IpvsDest, type IpvsForward } from './dest.js';
export {
  compareDests,
  compareServices,
  formatIpvsadmConnections,
  formatIpvsadmList,
  formatIpvsadmService,
  formatIpvsadmTimeout,
  glibcMergeSort,
  ipvsadmServiceOrder,
  wrappedAddrDiff,
} from './format.js';
export { Ipvs, type IpvsError, type IpvsOptions, type IpvsTimeouts } from './ipvs.js';
export * from './schedulers/index.js';
export {
  type IpvsDestSpec,
  type IpvsProtocol,
  IpvsService,
  type IpvsServiceSpec,
  protocolNumber,
  serviceKey,
} from './service.js';
export { type IpvsDirection, nextTcpState } from './tcp-state.js';
export type {
  IpvsDropReason,
  IpvsIcmpReason,
  IpvsReply,
  IpvsReplyHook,
  IpvsRequestHook,
  IpvsRequestOptions,
  IpvsVerdict,
} from './verdict.js';
