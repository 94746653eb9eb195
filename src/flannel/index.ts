/**
 * flannel/ — flanneld on each node, as the kube subnet manager runs it: the node's lease from its
 * podCIDR, the backend device (vxlan `flannel.1`, udp `flannel0`, none for host-gw) and, for every other
 * node's lease, exactly the routes, permanent neighbours and FDB entries flannel programs — updated as
 * nodes join and leave.
 */
export { BACKEND_OVERHEAD, type Backend, backendMtu, formatSubnet, netlinkRoute } from './backend.js';
export { Flanneld, type FlanneldConfig } from './flanneld.js';
export { HostGwBackend } from './hostgw-backend.js';
export { flannelRestoreText, installFlannelRules } from './iptables.js';
export type { BackendType, Lease, LeaseEvent, Subnet } from './lease.js';
export {
  FLANNEL_LOG_INFO_KEPT,
  FlannelLog,
  type FlannelLogBatch,
  type FlannelLogLine,
  type FlannelLogText,
} from './log.js';
export { FlannelNetwork, type FlannelNetworkOptions } from './network.js';
export { FLANNEL_UDP_PORT, UdpBackend } from './udp-backend.js';
export { addingSubnetText, FLANNEL_VNI, VxlanBackend } from './vxlan-backend.js';
