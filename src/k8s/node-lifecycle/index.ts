/**
 * node-lifecycle/ — node health: the kubelet's Lease and status heartbeat, the node lifecycle controller
 * (Unknown after the grace period, condition taints, pods not ready) and the taint eviction controller.
 */
export {
  DISRUPTION_TARGET,
  podDeleteGraceSeconds,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
} from './conditions.js';
export { NODE_EVICTION_PERIOD_NS, NodeLifecycleController, type NodeLifecycleOptions } from './controller.js';
export {
  NODE_LEASE_DURATION_SECONDS,
  NODE_LEASE_NAMESPACE,
  NODE_STATUS_REPORT_FREQUENCY_NS,
  NodeHeartbeat,
  type NodeHeartbeatOptions,
} from './heartbeat.js';
export { type TaintEviction, TaintEvictionController } from './taint-eviction.js';
