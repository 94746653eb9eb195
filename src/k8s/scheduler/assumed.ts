/**
 * The scheduler cache's record of a pod it holds (cache.podState): the node, the SchedPod the NodeInfo
 * counts, and for a pod the scheduler assumed (cache.AssumePod) the API object it was derived from, so
 * the binding's watch event can confirm it (cache.AddPod of an assumed pod on the same node) without
 * removing the pod from its NodeInfo and adding it again.
 */
import type { Pod } from '../api/index.js';
import type { SchedPod } from './types.js';

export interface PlacedPod {
  readonly node: string;
  readonly pod: SchedPod;
  /** The Pod the assumed SchedPod came from; undefined once the watch has shown the pod bound. */
  assumedFrom: Pod | undefined;
}

/**
 * Whether the watch's `pod`, bound to the node `at` was assumed on, confirms the assumption as is:
 * schedPodFromApi reads the pod's namespace and name (the key), labels, deletionTimestamp and spec, and
 * the binding changed only spec.nodeName, so the derived pod would be the assumed one. (The assumed one
 * also carries the default spread selector, which nothing reads of a pod already placed.) Sub-objects are
 * compared by identity: the store shares what an update leaves unchanged, and anything else is a change.
 */
export function confirmsAssumed(at: PlacedPod, pod: Pod): boolean {
  const from = at.assumedFrom;
  at.assumedFrom = undefined;
  if (from === undefined || at.node !== pod.spec.nodeName) return false;
  if (
    from.metadata.labels !== pod.metadata.labels ||
    from.metadata.deletionTimestamp !== pod.metadata.deletionTimestamp
  ) {
    return false;
  }
  const was: Readonly<Record<string, unknown>> = from.spec;
  const now: Readonly<Record<string, unknown>> = pod.spec;
  let fields = 0;
  for (const k in was) {
    if (k === 'nodeName') continue;
    if (was[k] !== now[k]) return false;
    fields++;
  }
  for (const k in now) if (k !== 'nodeName') fields--;
  return fields === 0;
}
