/**
 * Which pods a ReplicaSet deletes first when it has too many (replica_set.go getPodsToDelete with
 * controller.ActivePodsWithRanks, LogarithmicScaleDown on as it is by default since v1.22):
 *  1. unassigned before assigned;  2. Pending before Unknown before Running;  3. not ready before ready;
 *  4. lower controller.kubernetes.io/pod-deletion-cost first;  5. more active related pods on the same
 *     node first (doubled up);  6. ready more recently first (in log2 buckets of age);
 *  7. more container restarts first;  8. created more recently first (log2 buckets of age);
 *  ties within a bucket by uid. Kubernetes' sort is not stable; this one is, so equal pods keep list order.
 */

import { isPodReady, type Pod } from '../api/index.js';
import { isPodActive, podReadyTime } from './pods.js';

const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

function phaseOrdinal(pod: Pod): number {
  switch (pod.status?.phase) {
    case 'Pending':
      return 0;
    case 'Unknown':
      return 1;
    case 'Running':
      return 2;
    default:
      return 0; // podPhaseToOrdinal has no entry: Go's map yields 0
  }
}

function deletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function maxRestarts(pod: Pod): number {
  let m = 0;
  for (const c of pod.status?.containerStatuses ?? []) m = Math.max(m, c.restartCount);
  return m;
}

/** logarithmicRankDiff: floor(log2(age in ns)) of each, -1 for a non-positive age. */
function logRank(t: number, now: number): number {
  const d = now - t;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** Later-or-zero first, then log buckets, then uid (afterOrZero + logarithmicRankDiff). */
function newerFirst(
  a: number | undefined,
  b: number | undefined,
  ua: string,
  ub: string,
  now: number,
): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return a === undefined ? -1 : 1;
  const diff = logRank(a, now) - logRank(b, now);
  if (diff !== 0) return diff;
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** ActivePodsWithRanks.Less as a comparator: negative when `a` is to be deleted before `b`. */
export function compareForDeletion(a: Pod, b: Pod, rankA: number, rankB: number, now: number): number {
  const na = a.spec.nodeName ?? '';
  const nb = b.spec.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (rankA !== rankB) return rankB - rankA;
  if (ra && rb) {
    const c = newerFirst(podReadyTime(a), podReadyTime(b), a.metadata.uid, b.metadata.uid, now);
    if (c !== 0) return c;
  }
  const xa = maxRestarts(a);
  const xb = maxRestarts(b);
  if (xa !== xb) return xb - xa;
  return newerFirst(
    a.metadata.creationTimestamp,
    b.metadata.creationTimestamp,
    a.metadata.uid,
    b.metadata.uid,
    now,
  );
}

/**
 * getPodsToDelete: the first `diff` of `pods` once ranked, the rank of a pod being the number of active
 * `related` pods (those of every ReplicaSet of the same Deployment) on its node.
 */
export function podsToDelete(
  pods: readonly Pod[],
  related: readonly Pod[],
  diff: number,
  now: number,
): Pod[] {
  if (diff >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => compareForDeletion(x.pod, y.pod, x.rank, y.rank, now));
  return ranked.slice(0, diff).map((r) => r.pod);
}
