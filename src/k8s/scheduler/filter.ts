/**
 * The Filter extension point with the default plugins in kube-scheduler's order. Like
 * frameworkImpl.RunFilterPlugins, the first plugin that rejects a node decides its status; later plugins
 * are not run for that node.
 */
import { type InterPodState, interPodAffinityFilter } from './inter-pod-affinity.js';
import { ERR_REASON_NODE_AFFINITY, nodeAffinityFits } from './node-affinity.js';
import { ERR_REASON_NODE_PORTS, nodePortsFit } from './ports.js';
import { insufficientResources } from './resources.js';
import {
  ERR_REASON_UNSCHEDULABLE,
  firstUntoleratedTaint,
  nodeUnschedulableFits,
  untoleratedTaintReason,
} from './taints.js';
import { type SpreadFilterState, spreadFilter } from './topology-spread.js';
import type { SchedNode, SchedPod } from './types.js';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export type FilterPlugin =
  | 'NodeUnschedulable'
  | 'NodeName'
  | 'TaintToleration'
  | 'NodeAffinity'
  | 'NodePorts'
  | 'NodeResourcesFit'
  | 'PodTopologySpread'
  | 'InterPodAffinity';

/** A rejection: `unresolvable` is framework.UnschedulableAndUnresolvable (preemption cannot help). */
export interface FilterStatus {
  readonly plugin: FilterPlugin;
  readonly reasons: readonly string[];
  readonly unresolvable: boolean;
}

/**
 * Runs the default filters on one node; undefined means the node fits. `interPod` and `spread` are the
 * InterPodAffinity and PodTopologySpread PreFilter states over the whole cluster; without one, that
 * plugin is skipped (spread: also when the pod has no DoNotSchedule constraint).
 */
export function runFilters(
  pod: SchedPod,
  node: SchedNode,
  bound: readonly SchedPod[],
  interPod?: InterPodState,
  spread?: SpreadFilterState,
): FilterStatus | undefined {
  if (!nodeUnschedulableFits(pod, node)) {
    return { plugin: 'NodeUnschedulable', reasons: [ERR_REASON_UNSCHEDULABLE], unresolvable: true };
  }
  if (pod.nodeName !== undefined && pod.nodeName !== '' && pod.nodeName !== node.name) {
    return { plugin: 'NodeName', reasons: [ERR_REASON_NODE_NAME], unresolvable: true };
  }
  const taint = firstUntoleratedTaint(pod, node);
  if (taint !== undefined) {
    return { plugin: 'TaintToleration', reasons: [untoleratedTaintReason(taint)], unresolvable: true };
  }
  if (!nodeAffinityFits(pod, node)) {
    return { plugin: 'NodeAffinity', reasons: [ERR_REASON_NODE_AFFINITY], unresolvable: true };
  }
  if (!nodePortsFit(pod, bound)) {
    return { plugin: 'NodePorts', reasons: [ERR_REASON_NODE_PORTS], unresolvable: false };
  }
  const short = insufficientResources(pod, node, bound);
  if (short.length > 0) return { plugin: 'NodeResourcesFit', reasons: short, unresolvable: false };
  if (spread !== undefined) {
    const pts = spreadFilter(pod, node, spread);
    if (pts !== undefined) {
      return { plugin: 'PodTopologySpread', reasons: [pts.reason], unresolvable: pts.unresolvable };
    }
  }
  if (interPod !== undefined) {
    const ipa = interPodAffinityFilter(pod, node, interPod);
    if (ipa !== undefined) {
      return { plugin: 'InterPodAffinity', reasons: [ipa.reason], unresolvable: ipa.unresolvable };
    }
  }
  return undefined;
}
