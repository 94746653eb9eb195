/**
 * The PodScheduled condition the scheduler writes: True with the binding (DefaultBinder), False with
 * reason Unschedulable and the FitError message when a cycle finds no node.
 */
import type { Pod, PodCondition } from '../api/index.js';

/** podutil.UpdatePodCondition: lastTransitionTime moves only when the status changes. */
export function withScheduledCondition(
  pod: Pod,
  now: number,
  c: { status: 'True' | 'False'; reason?: string; message?: string },
): NonNullable<Pod['status']> {
  const conds = pod.status?.conditions ?? [];
  const old = conds.find((x) => x.type === 'PodScheduled');
  const next: PodCondition = {
    type: 'PodScheduled',
    status: c.status,
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    ...(c.message === undefined ? {} : { message: c.message }),
    lastTransitionTime: old !== undefined && old.status === c.status ? (old.lastTransitionTime ?? now) : now,
  };
  const rest = conds.filter((x) => x.type !== 'PodScheduled');
  return { ...pod.status, phase: pod.status?.phase ?? 'Pending', conditions: [next, ...rest] };
}
