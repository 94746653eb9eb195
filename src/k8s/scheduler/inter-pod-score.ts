/**
 * InterPodAffinity Score (pkg/scheduler/framework/plugins/interpodaffinity/scoring.go): every existing
 * pod adds to its node's topology domains — +weight for the incoming pod's preferred affinity terms it
 * matches, −weight for its preferred anti-affinity terms, and symmetrically, for the existing pod's own
 * terms the incoming pod matches: +hardPodAffinityWeight (1) per required affinity term, ±weight per
 * preferred (anti-)affinity term. A node scores the sum over the domains its labels name; the scores
 * are then scaled to 0..100 between the lowest and the highest.
 */
import { nodesWithAffinity, podMatchesTerm, podsWithAffinity } from './inter-pod-affinity.js';
import { MAX_NODE_SCORE } from './resources.js';
import type { BoundPods, PodAffinityTerm, SchedNode, SchedPod, WeightedPodAffinityTerm } from './types.js';

/** InterPodAffinityArgs.hardPodAffinityWeight default. */
export const HARD_POD_AFFINITY_WEIGHT = 1;

export type TopologyScore = Map<string, Map<string, number>>;

function add(
  scores: TopologyScore,
  term: PodAffinityTerm,
  weight: number,
  owner: SchedPod,
  target: SchedPod,
  node: SchedNode,
): void {
  if (!podMatchesTerm(term, owner, target)) return;
  const value = node.labels.get(term.topologyKey);
  if (value === undefined) return;
  let m = scores.get(term.topologyKey);
  if (m === undefined) {
    m = new Map();
    scores.set(term.topologyKey, m);
  }
  m.set(value, (m.get(value) ?? 0) + weight);
}

function addAll(
  scores: TopologyScore,
  terms: readonly WeightedPodAffinityTerm[] | undefined,
  sign: 1 | -1,
  owner: SchedPod,
  target: SchedPod,
  node: SchedNode,
): void {
  for (const t of terms ?? []) add(scores, t.term, sign * t.weight, owner, target, node);
}

/** PreScore: the score per topology pair from every node's pods (all nodes, not only the feasible). */
export function interPodTopologyScore(
  pod: SchedPod,
  allNodes: readonly SchedNode[],
  bound: BoundPods,
): TopologyScore {
  const scores: TopologyScore = new Map();
  const prefAff = pod.affinity?.podAffinity?.preferred ?? [];
  const prefAnti = pod.affinity?.podAntiAffinity?.preferred ?? [];
  const hasConstraints = prefAff.length > 0 || prefAnti.length > 0;
  for (const n of hasConstraints ? allNodes : nodesWithAffinity(allNodes, bound)) {
    if (n.labels.size === 0) continue;
    // Without preferred terms of its own, only pods with affinity terms can contribute (PodsWithAffinity).
    const all = bound.get(n.name) ?? [];
    for (const e of hasConstraints ? all : podsWithAffinity(all)) {
      addAll(scores, prefAff, 1, pod, e, n);
      addAll(scores, prefAnti, -1, pod, e, n);
      for (const t of e.affinity?.podAffinity?.required ?? []) {
        add(scores, t, HARD_POD_AFFINITY_WEIGHT, e, pod, n);
      }
      addAll(scores, e.affinity?.podAffinity?.preferred, 1, e, pod, n);
      addAll(scores, e.affinity?.podAntiAffinity?.preferred, -1, e, pod, n);
    }
  }
  return scores;
}

/** Score + NormalizeScore for the feasible nodes: 100 × (raw − min) / (max − min), truncated. */
export function interPodAffinityScores(
  pod: SchedPod,
  feasible: readonly SchedNode[],
  allNodes: readonly SchedNode[],
  bound: BoundPods,
): number[] {
  const topo = interPodTopologyScore(pod, allNodes, bound);
  if (topo.size === 0) return feasible.map(() => 0);
  return interPodScoresFrom(topo, feasible);
}

/** Score + NormalizeScore from PreScore's topology scores (not empty). */
export function interPodScoresFrom(topo: TopologyScore, feasible: readonly SchedNode[]): number[] {
  const raw = feasible.map((n) => {
    let s = 0;
    for (const [key, values] of topo) {
      const v = n.labels.get(key);
      if (v !== undefined) s += values.get(v) ?? 0;
    }
    return s;
  });
  const min = Math.min(...raw);
  const diff = Math.max(...raw) - min;
  return raw.map((s) => (diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((s - min) / diff)) : 0));
}
