/**
 * The Score extension point: each default plugin's score per feasible node, normalised to 0..100 where
 * the plugin has NormalizeScore, then summed with the default weights (default_plugins.go).
 */
import { interPodAffinityScores } from './inter-pod-score.js';
import { nodeAffinityRawScore } from './node-affinity.js';
import {
  balancedAllocationFrom,
  leastAllocatedFrom,
  MAX_NODE_SCORE,
  podRequest,
  requested,
} from './resources.js';
import { taintTolerationRawScore } from './taints.js';
import { spreadScores } from './topology-spread.js';
import type { BoundPods, SchedNode, SchedPod } from './types.js';

export const SCORE_WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  NodeResourcesFit: 1,
  PodTopologySpread: 2,
  InterPodAffinity: 2,
  NodeResourcesBalancedAllocation: 1,
} as const;

export type ScorePlugin = keyof typeof SCORE_WEIGHTS;

/** helper.DefaultNormalizeScore: scale to max 100 by the largest raw score, optionally reversed. */
export function defaultNormalizeScore(raw: readonly number[], reverse: boolean): number[] {
  let max = 0;
  for (const s of raw) if (s > max) max = s;
  if (max === 0) return raw.map(() => (reverse ? MAX_NODE_SCORE : 0));
  return raw.map((s) => {
    const v = Math.trunc((MAX_NODE_SCORE * s) / max);
    return reverse ? MAX_NODE_SCORE - v : v;
  });
}

export interface NodeScore {
  readonly node: string;
  /** Σ weight × normalised plugin score. */
  readonly total: number;
  readonly plugins: Readonly<Record<ScorePlugin, number>>;
}

/** The normalised scores of the plugins scored over the whole list at once, per node. */
interface ListScores {
  readonly taint: readonly number[];
  readonly affinity: readonly number[];
  readonly spread: readonly number[];
  readonly interPod: readonly number[];
}

/**
 * TaintToleration, NodeAffinity, PodTopologySpread and InterPodAffinity for every node. The plugins
 * with nothing to say for this pod (no PreferNoSchedule taint on a node, no preferred node affinity)
 * are not asked per node: this runs for hundreds of nodes per pod.
 */
function listScores(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
  allNodes: readonly SchedNode[],
): ListScores {
  return {
    taint: taintScores(pod, nodes),
    affinity: nodeAffinityScores(pod, nodes),
    spread: spreadScores(pod, nodes, allNodes, bound),
    interPod: interPodAffinityScores(pod, nodes, allNodes, bound),
  };
}

/** TaintToleration Score + NormalizeScore (reversed): nodes without taints score 0 raw without asking. */
export function taintScores(pod: SchedPod, nodes: readonly SchedNode[]): number[] {
  const raw: number[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as SchedNode;
    raw[i] = node.taints.length === 0 ? 0 : taintTolerationRawScore(pod, node);
  }
  return defaultNormalizeScore(raw, true);
}

/** NodeAffinity Score + NormalizeScore: all 0 without preferred terms. */
export function nodeAffinityScores(pod: SchedPod, nodes: readonly SchedNode[]): number[] {
  const preferred = (pod.affinity?.nodeAffinity?.preferred?.length ?? 0) > 0;
  const raw: number[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++)
    raw[i] = preferred ? nodeAffinityRawScore(pod, nodes[i] as SchedNode) : 0;
  return defaultNormalizeScore(raw, false);
}

/**
 * Scores the feasible nodes, in the order given, plugin by plugin. `allNodes` (default: the feasible
 * ones) is the whole snapshot, which PodTopologySpread and InterPodAffinity count pods over.
 */
export function scoreNodes(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
  allNodes: readonly SchedNode[] = nodes,
): NodeScore[] {
  const { taint, affinity, spread, interPod } = listScores(pod, nodes, bound, allNodes);
  const out: NodeScore[] = new Array(nodes.length);
  const own = podRequest(pod);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as SchedNode;
    const req = requested(bound.get(node.name) ?? NO_PODS);
    const p = {
      TaintToleration: taint[i] ?? 0,
      NodeAffinity: affinity[i] ?? 0,
      NodeResourcesFit: leastAllocatedFrom(req, own, node),
      PodTopologySpread: spread[i] ?? 0,
      InterPodAffinity: interPod[i] ?? 0,
      NodeResourcesBalancedAllocation: balancedAllocationFrom(req, own, node),
    };
    const total = weighted(
      p.TaintToleration,
      p.NodeAffinity,
      p.NodeResourcesFit,
      p.PodTopologySpread,
      p.InterPodAffinity,
      p.NodeResourcesBalancedAllocation,
    );
    out[i] = { node: node.name, total, plugins: p };
  }
  return out;
}

/**
 * The totals alone, what selectHost needs: the scheduler's own cycle asks for these, hundreds of nodes
 * per pod, without a record per node and plugin. `pods`, when given, are the nodes' bound pods in the
 * same order (the Filter has read them already).
 */
export function scoreTotals(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
  allNodes: readonly SchedNode[] = nodes,
  pods?: readonly (readonly SchedPod[])[],
): number[] {
  const { taint, affinity, spread, interPod } = listScores(pod, nodes, bound, allNodes);
  const out: number[] = new Array(nodes.length);
  const own = podRequest(pod);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as SchedNode;
    const req = requested(pods?.[i] ?? bound.get(node.name) ?? NO_PODS);
    const fit = leastAllocatedFrom(req, own, node);
    const balanced = balancedAllocationFrom(req, own, node);
    out[i] = weighted(taint[i] ?? 0, affinity[i] ?? 0, fit, spread[i] ?? 0, interPod[i] ?? 0, balanced);
  }
  return out;
}

/** Σ weight × plugin score, the plugins in SCORE_WEIGHTS' order. */
export function weighted(
  taint: number,
  affinity: number,
  fit: number,
  spread: number,
  interPod: number,
  balanced: number,
): number {
  const w = SCORE_WEIGHTS;
  return (
    w.TaintToleration * taint +
    w.NodeAffinity * affinity +
    w.NodeResourcesFit * fit +
    w.PodTopologySpread * spread +
    w.InterPodAffinity * interPod +
    w.NodeResourcesBalancedAllocation * balanced
  );
}

const NO_PODS: readonly SchedPod[] = Object.freeze([]);
