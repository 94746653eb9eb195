/**
 * NodeAffinity plugin (pkg/scheduler/framework/plugins/nodeaffinity) and the node selector matching of
 * component-helpers/scheduling/corev1/nodeaffinity: nodeSelector AND required terms for Filter, the sum
 * of matched preferred weights for Score.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm, SchedNode, SchedPod } from './types.js';

export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** Parses a label or requirement value as Go's strconv.ParseInt(v, 10, 64) would accept it. */
function parseIntStrict(v: string): number | undefined {
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** One requirement against one value source (labels, or the fields map for matchFields). */
export function requirementMatches(
  req: NodeSelectorRequirement,
  labels: ReadonlyMap<string, string>,
): boolean {
  const has = labels.has(req.key);
  const value = labels.get(req.key) ?? '';
  switch (req.operator) {
    case 'In':
      return has && req.values.includes(value);
    case 'NotIn':
      return !has || !req.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      // labels.Requirement: exactly one value, both sides integers; anything else never matches.
      if (!has || req.values.length !== 1) return false;
      const l = parseIntStrict(value);
      const r = parseIntStrict(req.values[0] ?? '');
      if (l === undefined || r === undefined) return false;
      return req.operator === 'Gt' ? l > r : l < r;
    }
  }
}

/** A term matches when all its expressions and fields match; a term with neither matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: SchedNode): boolean {
  const fields = term.matchFields ?? [];
  if (term.matchExpressions.length === 0 && fields.length === 0) return false;
  for (const r of term.matchExpressions) if (!requirementMatches(r, node.labels)) return false;
  if (fields.length > 0) {
    const nodeFields = new Map([['metadata.name', node.name]]);
    for (const r of fields) {
      if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn')) return false;
      if (!requirementMatches(r, nodeFields)) return false;
    }
  }
  return true;
}

/** Filter: nodeSelector (every pair) AND required node affinity (any term). */
export function nodeAffinityFits(pod: SchedPod, node: SchedNode): boolean {
  if (pod.nodeSelector.size > 0)
    for (const [k, v] of pod.nodeSelector) if (node.labels.get(k) !== v) return false;
  const required = pod.affinity?.nodeAffinity?.required;
  if (required === undefined) return true;
  return required.some((t) => termMatches(t, node));
}

/** Score (raw): sum of the weights of the preferred terms the node matches. */
export function nodeAffinityRawScore(pod: SchedPod, node: SchedNode): number {
  let sum = 0;
  for (const p of pod.affinity?.nodeAffinity?.preferred ?? []) {
    if (p.weight !== 0 && termMatches(p.preference, node)) sum += p.weight;
  }
  return sum;
}
