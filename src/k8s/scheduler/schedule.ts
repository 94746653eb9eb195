/**
 * One scheduling cycle for one pod (schedule_one.go schedulePod): Filter every node, Score the feasible
 * ones, selectHost with reservoir sampling over the ties. When nothing fits, DefaultPreemption's dry run
 * decides the tail of the message: nodes rejected as unresolvable are "not helpful"; on the others the
 * pod's lower-priority pods are removed and the filters rerun.
 */
import type { Rng } from '../../sim/index.js';
import { BoundPodCache } from './bound-cache.js';
import { filterWithCache, totalsWithCache } from './cache-cycle.js';
import { type FilterStatus, runFilters } from './filter.js';
import { fitErrorMessage, NO_VICTIMS, NOT_HELPFUL, preemptionMessage } from './fit-error.js';
import { type InterPodState, interPodPreFilter } from './inter-pod-affinity.js';
import { type NodeScore, scoreNodes, scoreTotals } from './score.js';
import { type SpreadFilterState, spreadPreFilter } from './topology-spread.js';
import type { BoundPods, SchedNode, SchedPod } from './types.js';

export type ScheduleResult = (
  | { readonly node: string; readonly scores: readonly NodeScore[] }
  | {
      readonly unschedulable: string;
      /** Filter verdict per rejected node. */
      readonly reasons: ReadonlyMap<string, FilterStatus>;
      /** Nodes where evicting lower-priority pods would let the pod fit (preemption would nominate one). */
      readonly preemptionCandidates: readonly string[];
    }
) & {
  /** Nodes the Filter scan looked at (feasible + rejected): how far nextStartNodeIndex moves. */
  readonly processed: number;
};

/** Where findNodesThatPassFilters starts and when it stops (defaults: index 0, every node). */
export interface ScanOptions {
  readonly startIndex?: number;
  readonly numNodesToFind?: number;
  /**
   * Whether the result carries each node's score per plugin (default true). The scheduler's own cycle
   * needs only the totals and skips a record per node and plugin.
   */
  readonly breakdown?: boolean;
}

interface PreFilterStates {
  readonly interPod: InterPodState;
  readonly spread: SpreadFilterState | undefined;
}

function preFilter(pod: SchedPod, nodes: readonly SchedNode[], bound: BoundPods): PreFilterStates {
  return { interPod: interPodPreFilter(pod, nodes, bound), spread: spreadPreFilter(pod, nodes, bound) };
}

const NO_PODS: readonly SchedPod[] = Object.freeze([]);

/** selectHost: the highest total; the k-th node seen with that total replaces the pick w.p. 1/k. */
export function selectHost(scores: readonly NodeScore[], rng: Rng): string {
  const picked = pickHighest(
    scores.map((s) => s.total),
    rng,
  );
  return scores[picked]?.node ?? '';
}

/** selectHost's reservoir sampling over totals: the index picked (-1 for none). */
function pickHighest(totals: readonly number[], rng: Rng): number {
  let best = -1;
  let max = Number.NEGATIVE_INFINITY;
  let ties = 0;
  for (let i = 0; i < totals.length; i++) {
    const t = totals[i] as number;
    if (t > max) {
      max = t;
      best = i;
      ties = 1;
    } else if (t === max) {
      ties++;
      if (rng.int(0, ties - 1) === 0) best = i;
    }
  }
  return best;
}

/**
 * SelectVictimsOnNode's verdict: no lower-priority pod → "No preemption victims…"; otherwise the filters
 * rerun without every lower-priority pod, and a failure reports that filter's own reasons.
 */
function preemptionVerdict(
  pod: SchedPod,
  node: SchedNode,
  nodes: readonly SchedNode[],
  bound: BoundPods,
): readonly string[] | undefined {
  const prio = pod.priority ?? 0;
  const here = bound.get(node.name) ?? [];
  const kept = here.filter((p) => (p.priority ?? 0) >= prio);
  if (kept.length === here.length) return [NO_VICTIMS];
  // PreFilterExtensions.RemovePod: the inter-pod and spread counts no longer see the removed pods.
  const without = new Map(bound);
  without.set(node.name, kept);
  const st = preFilter(pod, nodes, without);
  return runFilters(pod, node, kept, st.interPod, st.spread)?.reasons;
}

/** findNodesThatPassFilters over plain BoundPods: each node's pods looked up by name. */
function filterNodes(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
  st: PreFilterStates,
  start: number,
  want: number,
): {
  feasible: SchedNode[];
  pods: (readonly SchedPod[])[];
  reasons: Map<string, FilterStatus>;
  processed: number;
} {
  const feasible: SchedNode[] = [];
  /** Each feasible node's pods, as the Filter read them (Score reads them again otherwise). */
  const pods: (readonly SchedPod[])[] = [];
  const reasons = new Map<string, FilterStatus>();
  const total = nodes.length;
  let processed = 0;
  for (let i = 0; i < total && feasible.length < want; i++) {
    const n = nodes[(start + i) % total] as SchedNode;
    processed++;
    const here = bound.get(n.name) ?? NO_PODS;
    const verdict = runFilters(pod, n, here, st.interPod, st.spread);
    if (verdict === undefined) {
      feasible.push(n);
      pods.push(here);
    } else reasons.set(n.name, verdict);
  }
  return { feasible, pods, reasons, processed };
}

/**
 * schedulePod: PreFilter over every node, Filter from `startIndex` round the list until
 * `numNodesToFind` nodes fit (findNodesThatPassFilters, run sequentially), Score the feasible ones
 * against the whole snapshot, selectHost. Over the scheduler cache (BoundPodCache) the Filter and the
 * totals read the cache's NodeInfos (cache-cycle.ts); the outcome is the same as over a plain Map.
 */
export function schedule(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
  rng: Rng,
  scan: ScanOptions = {},
): ScheduleResult {
  const st = preFilter(pod, nodes, bound);
  const total = nodes.length;
  const want = scan.numNodesToFind ?? total;
  const start = total === 0 ? 0 : (scan.startIndex ?? 0) % total;
  const cache = bound instanceof BoundPodCache ? bound : undefined;
  const found =
    cache === undefined
      ? filterNodes(pod, nodes, bound, st, start, want)
      : filterWithCache(pod, nodes, cache, st.interPod, st.spread, start, want);
  const { feasible, reasons, processed } = found;
  if (feasible.length === 1) return { node: feasible[0]?.name ?? '', scores: [], processed };
  if (feasible.length > 1) {
    if (scan.breakdown === false) {
      const totals =
        cache !== undefined && 'slots' in found
          ? totalsWithCache(pod, feasible, found.slots, cache, nodes)
          : scoreTotals(pod, feasible, bound, nodes, 'pods' in found ? found.pods : undefined);
      const pick = feasible[pickHighest(totals, rng)];
      return { node: pick?.name ?? '', scores: [], processed };
    }
    const scores = scoreNodes(pod, feasible, bound, nodes);
    return { node: selectHost(scores, rng), scores, processed };
  }
  const verdicts: (readonly string[])[] = [];
  const candidates: string[] = [];
  for (const n of nodes) {
    const f = reasons.get(n.name);
    if (f === undefined) continue;
    const v = f.unresolvable ? [NOT_HELPFUL] : preemptionVerdict(pod, n, nodes, bound);
    if (v === undefined) candidates.push(n.name);
    else verdicts.push(v);
  }
  const post = candidates.length > 0 || nodes.length === 0 ? '' : preemptionMessage(nodes.length, verdicts);
  const perNode = [...reasons.values()].map((f) => f.reasons);
  return {
    unschedulable: fitErrorMessage(nodes.length, perNode, post),
    reasons,
    preemptionCandidates: candidates,
    processed,
  };
}
