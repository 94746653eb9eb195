/** Facts about a pod object every component reads the same way (k8s.io/kubernetes pkg/api/v1/pod). */

import type { Pod } from './types.js';

/** podutil.IsPodReady: the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
