/**
 * The Score extension point: each default plugin's score per feasible node, normalised to 0..100 where
 * the plugin has NormalizeScore, then summed with the default weights (default_plugins.go).
 */
import { interPodAffinityScores } from './inter-pod-score.js';
import { nodeAffinityRawScore } from './node-affinity.js';
import { balancedAllocationScore, leastAllocatedScore, MAX_NODE_SCORE } from './resources.js';
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

/**
 * Scores the feasible nodes, in the order given. `allNodes` (default: the feasible ones) is the whole
 * snapshot, which PodTopologySpread and InterPodAffinity count pods over. Each node's pods are read once,
 * and the plugins that have nothing to say for this pod (no PreferNoSchedule taint on a node, no
 * preferred node affinity) are not asked per node: this loop runs for hundreds of nodes per pod.
 */
export function scoreNodes(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
  allNodes: readonly SchedNode[] = nodes,
): NodeScore[] {
  const n = nodes.length;
  const taintRaw: number[] = new Array(n);
  const affinityRaw: number[] = new Array(n);
  const preferred = (pod.affinity?.nodeAffinity?.preferred?.length ?? 0) > 0;
  for (let i = 0; i < n; i++) {
    const node = nodes[i] as SchedNode;
    taintRaw[i] = node.taints.length === 0 ? 0 : taintTolerationRawScore(pod, node);
    affinityRaw[i] = preferred ? nodeAffinityRawScore(pod, node) : 0;
  }
  const taint = defaultNormalizeScore(taintRaw, true);
  const affinity = defaultNormalizeScore(affinityRaw, false);
  const spread = spreadScores(pod, nodes, allNodes, bound);
  const interPod = interPodAffinityScores(pod, nodes, allNodes, bound);
  const out: NodeScore[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i] as SchedNode;
    const here = bound.get(node.name) ?? NO_PODS;
    const plugins = {
      TaintToleration: taint[i] ?? 0,
      NodeAffinity: affinity[i] ?? 0,
      NodeResourcesFit: leastAllocatedScore(pod, node, here),
      PodTopologySpread: spread[i] ?? 0,
      InterPodAffinity: interPod[i] ?? 0,
      NodeResourcesBalancedAllocation: balancedAllocationScore(pod, node, here),
    };
    const total =
      SCORE_WEIGHTS.TaintToleration * plugins.TaintToleration +
      SCORE_WEIGHTS.NodeAffinity * plugins.NodeAffinity +
      SCORE_WEIGHTS.NodeResourcesFit * plugins.NodeResourcesFit +
      SCORE_WEIGHTS.PodTopologySpread * plugins.PodTopologySpread +
      SCORE_WEIGHTS.InterPodAffinity * plugins.InterPodAffinity +
      SCORE_WEIGHTS.NodeResourcesBalancedAllocation * plugins.NodeResourcesBalancedAllocation;
    out[i] = { node: node.name, total, plugins };
  }
  return out;
}

const NO_PODS: readonly SchedPod[] = Object.freeze([]);
