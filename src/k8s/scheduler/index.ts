/**
 * scheduler/ — kube-scheduler's core as a pure library: default Filter plugins with their reasons, the
 * default Score plugins and weights, selectHost, the FailedScheduling message, conversion from API
 * objects, and the SchedulerController that binds pods in the store.
 */

export { ERR_REASON_NODE_NAME, type FilterPlugin, type FilterStatus, runFilters } from './filter.js';
export { fitErrorMessage, NO_VICTIMS, NOT_HELPFUL, preemptionMessage, reasonHistogram } from './fit-error.js';
export {
  DEFAULT_MAX_PODS,
  defaultSpreadSelector,
  labelSelectorFromApi,
  type PodConversionOptions,
  podRequests,
  schedNodeFromApi,
  schedPodFromApi,
} from './from-api.js';
export { HARD_POD_AFFINITY_WEIGHT, interPodAffinityScores } from './inter-pod-score.js';
export {
  ERR_REASON_NODE_AFFINITY,
  nodeAffinityFits,
  nodeAffinityRawScore,
  termMatches,
} from './node-affinity.js';
export { ERR_REASON_NODE_PORTS, hostPortsConflict, nodePortsFit } from './ports.js';
export { parseCpuMilli, parseQuantity, scaledQuantity } from './quantity.js';
export {
  balancedAllocationScore,
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  insufficientResources,
  leastAllocatedScore,
  MAX_NODE_SCORE,
} from './resources.js';
export { type ScanOptions, type ScheduleResult, schedule, selectHost } from './schedule.js';
export {
  MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND,
  MIN_FEASIBLE_NODES_TO_FIND,
  numFeasibleNodesToFind,
  Scheduler,
  type SchedulerOptions,
} from './scheduler.js';
export {
  DEFAULT_SCHEDULER_NAME,
  SchedulerController,
  type SchedulerControllerOptions,
} from './scheduler-controller.js';
export type { SchedulerEvent } from './scheduler-events.js';
export {
  backoffDuration,
  POD_INITIAL_BACKOFF_NS,
  POD_MAX_BACKOFF_NS,
  POD_MAX_IN_UNSCHEDULABLE_NS,
} from './scheduling-queue.js';
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
export {
  ERR_REASON_SPREAD,
  ERR_REASON_SPREAD_LABEL,
  LABEL_HOSTNAME,
  LABEL_ZONE,
  spreadScores,
} from './topology-spread.js';
export type * from './types.js';
