/**
 * net/dev/ — the devices a Kubernetes node really has: loopback, veth pairs, the Linux bridge (`cni0`)
 * with its FDB, the VXLAN VTEP (`flannel.1`) and the TUN (`flannel0`) flannel makes, physical NICs cabled to an underlay segment (a learning switch with latency and
 * bandwidth). Devices move frames and fire trace points; what happens to a received frame is decided by
 * the `RxHandler` the owner plugs in (a netns stack, or the bridge a device is a port of).
 */
export {
  BRIDGE,
  Bridge,
  BridgeFdbEntry,
  type BridgeNfHooks,
  BridgePort,
  type BridgePortState,
} from './bridge.js';
export {
  type DeviceOptions,
  isGroupMac,
  type LinkKind,
  LinkStats,
  NetDevice,
  type RxHandler,
} from './device.js';
export { Dummy } from './dummy.js';
export type { BridgeVerdict, DeviceExplainer } from './explain.js';
export { FrameFifo } from './fifo.js';
export { Loopback } from './loopback.js';
export { Nic } from './nic.js';
export { type PortPeer, Segment, type SegmentOptions, SwitchPort } from './segment.js';
export { Tun, type TunReader } from './tun.js';
export { Veth, vethPair } from './veth.js';
export {
  ecnEncapsulate,
  flowHash,
  type SharedFdb,
  Vxlan,
  type VxlanConfig,
  type VxlanFdbEntry,
  type VxlanUnderlay,
  vxlanSourcePort,
} from './vxlan.js';
