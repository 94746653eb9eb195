/**
 * scheduler/ — kube-scheduler's core as a pure library: default Filter plugins with their reasons, the
 * default Score plugins and weights, selectHost, and the FailedScheduling message.
 */

export { ERR_REASON_NODE_NAME, type FilterPlugin, type FilterStatus, runFilters } from './filter.js';
export { fitErrorMessage, NO_VICTIMS, NOT_HELPFUL, preemptionMessage, reasonHistogram } from './fit-error.js';
export {
  ERR_REASON_NODE_AFFINITY,
  nodeAffinityFits,
  nodeAffinityRawScore,
  termMatches,
} from './node-affinity.js';
export { ERR_REASON_NODE_PORTS, hostPortsConflict, nodePortsFit } from './ports.js';
export {
  balancedAllocationScore,
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  insufficientResources,
  leastAllocatedScore,
  MAX_NODE_SCORE,
} from './resources.js';
export { type ScheduleResult, schedule, selectHost } from './schedule.js';
export {
  defaultNormalizeScore,
  type NodeScore,
  SCORE_WEIGHTS,
  type ScorePlugin,
  scoreNodes,
} from './score.js';
export {
  ERR_REASON_UNSCHEDULABLE,
  firstUntoleratedTaint,
  TAINT_NODE_UNSCHEDULABLE,
  taintTolerationRawScore,
  toleratesTaint,
} from './taints.js';
export type * from './types.js';
