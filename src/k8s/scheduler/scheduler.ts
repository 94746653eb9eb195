/**
 * The scheduling algorithm's state across cycles (schedule_one.go): how many feasible nodes a cycle
 * looks for (numFeasibleNodesToFind with percentageOfNodesToScore) and the rotating start of the
 * Filter scan (nextStartNodeIndex), so successive pods look at different nodes first.
 */
import type { Rng } from '../../sim/index.js';
import { type ScheduleResult, schedule } from './schedule.js';
import type { BoundPods, SchedNode, SchedPod } from './types.js';

/** Fewer nodes than this: every node is filtered; otherwise at least this many feasible are sought. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Floor of the adaptive percentage. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * numFeasibleNodesToFind: all nodes below 100; else `percentage` (0 = adaptive 50 − nodes/125, at
 * least 5) percent of the nodes, but at least 100. Integer arithmetic as Go's int32.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export interface SchedulerOptions {
  /** KubeSchedulerConfiguration percentageOfNodesToScore; 0 or absent = adaptive. */
  readonly percentageOfNodesToScore?: number;
  /** Whether results carry each node's score per plugin (ScanOptions.breakdown; default true). */
  readonly breakdown?: boolean;
}

export class Scheduler {
  /** Index in the node list where the next cycle's Filter scan starts. */
  nextStartNodeIndex = 0;
  readonly percentageOfNodesToScore: number;
  private readonly breakdown: boolean;

  constructor(options: SchedulerOptions = {}) {
    this.percentageOfNodesToScore = options.percentageOfNodesToScore ?? 0;
    this.breakdown = options.breakdown ?? true;
  }

  /** One cycle; advances nextStartNodeIndex by the nodes processed, as findNodesThatFitPod does. */
  schedule(pod: SchedPod, nodes: readonly SchedNode[], bound: BoundPods, rng: Rng): ScheduleResult {
    const r = schedule(pod, nodes, bound, rng, {
      startIndex: this.nextStartNodeIndex,
      numNodesToFind: numFeasibleNodesToFind(nodes.length, this.percentageOfNodesToScore),
      breakdown: this.breakdown,
    });
    if (nodes.length > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + r.processed) % nodes.length;
    return r;
  }
}
