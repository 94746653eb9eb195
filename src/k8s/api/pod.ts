/** Facts about a pod object every component reads the same way (k8s.io/kubernetes pkg/api/v1/pod). */

import type { Pod, PodCondition } from './types.js';

/** podutil.IsPodReady: the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod) !== undefined;
}

/**
 * The first True Ready condition (the pod is ready exactly when there is one). A loop, not `find` with a
 * callback: the ReplicaSet and endpoints controllers ask it of every pod in every sync.
 */
export function podReadyCondition(pod: Pod): PodCondition | undefined {
  const conds = pod.status?.conditions;
  if (conds === undefined) return undefined;
  for (let i = 0; i < conds.length; i++) {
    const c = conds[i];
    if (c !== undefined && c.type === 'Ready' && c.status === 'True') return c;
  }
  return undefined;
}
