/**
 * Small helpers over API objects the node-health components share: condition lookup and update as
 * pkg/api/v1/pod UpdatePodCondition does it, toleration matching on the API shapes, the zone key of
 * component-helpers/node/topology, and the pod's effective deletion grace period.
 */

import type { Node, NodeCondition, Pod, PodCondition, Taint, Toleration } from '../api/index.js';
import { toleratesTaint } from '../scheduler/index.js';

/** v1.TaintNodeNotReady / v1.TaintNodeUnreachable / v1.TaintNodeUnschedulable and the pressure taints. */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The pod condition the taint eviction controller adds (v1.DisruptionTarget); not in api.PodCondition yet. */
export const DISRUPTION_TARGET = 'DisruptionTarget';

/** Pod condition as written here: the api type plus DisruptionTarget. */
export type PodConditionLike = Omit<PodCondition, 'type'> & {
  readonly type: PodCondition['type'] | 'DisruptionTarget';
};

export function nodeCondition(node: Node, type: NodeCondition['type']): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

export function podCondition(pod: Pod, type: PodConditionLike['type']): PodConditionLike | undefined {
  return (pod.status?.conditions as readonly PodConditionLike[] | undefined)?.find((c) => c.type === type);
}

/**
 * UpdatePodCondition: replaces (or appends) the condition of that type; lastTransitionTime moves only when
 * the status changes. Returns the new list, or undefined when nothing would change.
 */
export function updatePodCondition(
  pod: Pod,
  cond: PodConditionLike,
  now: number,
): readonly PodConditionLike[] | undefined {
  const list = (pod.status?.conditions ?? []) as readonly PodConditionLike[];
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0) return [...list, { ...cond, lastTransitionTime: now }];
  const old = list[i] as PodConditionLike;
  const since = old.status === cond.status ? old.lastTransitionTime : now;
  const next: PodConditionLike = since === undefined ? cond : { ...cond, lastTransitionTime: since };
  if (old.status === next.status && old.reason === next.reason && old.message === next.message) {
    return undefined;
  }
  return list.map((c, j) => (j === i ? next : c));
}

/** v1.Toleration.ToleratesTaint on the API shapes (absent fields are empty strings, operator Equal). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  return toleratesTaint(
    { key: t.key ?? '', operator: t.operator ?? 'Equal', value: t.value ?? '', effect: t.effect ?? '' },
    { key: taint.key, value: taint.value ?? '', effect: taint.effect },
  );
}

/** Taint.MatchTaint: same key and effect. */
export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** nodetopology.GetZoneKey: region and zone labels joined by ":\x00:", or '' when both are missing. */
export function zoneKey(node: Node): string {
  const l = node.metadata.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

/**
 * The grace period a delete without an explicit one gets (pod strategy CheckGracefulDelete): the pod's
 * terminationGracePeriodSeconds (defaulted to 30), 0 for unscheduled and already finished pods.
 */
export function podDeleteGraceSeconds(pod: Pod, requested?: number): number {
  let period = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  if ((pod.spec.nodeName ?? '') === '') period = 0;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') period = 0;
  return period;
}

export function podKey(pod: {
  readonly metadata: { readonly namespace?: string | undefined; readonly name: string };
}): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}
