/**
 * TaintToleration and NodeUnschedulable plugins, with v1.Toleration.ToleratesTaint
 * (staging/src/k8s.io/api/core/v1/toleration.go).
 */
import type { SchedNode, SchedPod, Taint, Toleration } from './types.js';

export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** Toleration.ToleratesTaint: effect, key and (for Equal) value must agree; empty ones are wildcards. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== taint.key) return false;
  switch (t.operator) {
    case 'Exists':
      return true;
    case 'Equal':
      return t.value === taint.value;
    default:
      // An empty operator is Equal in the API; anything else tolerates nothing.
      return (t.operator as string) === '' ? t.value === taint.value : false;
  }
}

export function tolerated(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/** NodeUnschedulable.Filter: a cordoned node is open only to pods tolerating its unschedulable taint. */
export function nodeUnschedulableFits(pod: SchedPod, node: SchedNode): boolean {
  if (!node.unschedulable) return true;
  return tolerated(pod.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, value: '', effect: 'NoSchedule' });
}

/**
 * TaintToleration.Filter: the first NoSchedule/NoExecute taint (in the node's order) no toleration
 * covers, or undefined. Its reason names that taint (v1.26–v1.33 wording).
 */
export function firstUntoleratedTaint(pod: SchedPod, node: SchedNode): Taint | undefined {
  if (node.taints.length === 0) return undefined;
  return node.taints.find((t) => t.effect !== 'PreferNoSchedule' && !tolerated(pod.tolerations, t));
}

export function untoleratedTaintReason(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value}}`;
}

/**
 * TaintToleration.Score (raw): PreferNoSchedule taints not tolerated, counting only tolerations whose
 * effect is empty or PreferNoSchedule (getAllTolerationPreferNoSchedule).
 */
export function taintTolerationRawScore(pod: SchedPod, node: SchedNode): number {
  const prefer = pod.tolerations.filter((t) => t.effect === '' || t.effect === 'PreferNoSchedule');
  let n = 0;
  for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerated(prefer, t)) n++;
  return n;
}
