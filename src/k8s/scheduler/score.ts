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
  const max = raw.reduce((m, s) => Math.max(m, s), 0);
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
 * snapshot, which PodTopologySpread and InterPodAffinity count pods over.
 */
export function scoreNodes(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
  allNodes: readonly SchedNode[] = nodes,
): NodeScore[] {
  const on = (n: SchedNode) => bound.get(n.name) ?? [];
  const taint = defaultNormalizeScore(
    nodes.map((n) => taintTolerationRawScore(pod, n)),
    true,
  );
  const affinity = defaultNormalizeScore(
    nodes.map((n) => nodeAffinityRawScore(pod, n)),
    false,
  );
  const spread = spreadScores(pod, nodes, allNodes, bound);
  const interPod = interPodAffinityScores(pod, nodes, allNodes, bound);
  return nodes.map((n, i) => {
    const plugins = {
      TaintToleration: taint[i] ?? 0,
      NodeAffinity: affinity[i] ?? 0,
      NodeResourcesFit: leastAllocatedScore(pod, n, on(n)),
      PodTopologySpread: spread[i] ?? 0,
      InterPodAffinity: interPod[i] ?? 0,
      NodeResourcesBalancedAllocation: balancedAllocationScore(pod, n, on(n)),
    };
    let total = 0;
    for (const k of Object.keys(SCORE_WEIGHTS) as ScorePlugin[]) total += SCORE_WEIGHTS[k] * plugins[k];
    return { node: n.name, total, plugins };
  });
}
