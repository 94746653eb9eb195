/**
 * The Deployment strategies, step for step as pkg/controller/deployment does them: rolling.go
 * (rolloutRolling, reconcileNewReplicaSet, reconcileOldReplicaSets, cleanupUnhealthyReplicas,
 * scaleDownOldReplicaSetsForRollingUpdate), recreate.go (rolloutRecreate, oldPodsRunning) and the
 * proportional scaling of sync.go (scale) used when spec.replicas changes or the Deployment is paused.
 */

import type { ReplicaSet } from '../api/index.js';
import { deploymentComplete } from './deployment-status.js';
import type { DeploymentSync } from './deployment-sync.js';
import {
  activeReplicaSets,
  actualReplicas,
  availableReplicas,
  byCreation,
  bySizeNewer,
  bySizeOlder,
  findActiveOrLatest,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  replicasOf,
  rsReplicas,
  specReplicas,
} from './deployment-util.js';

/** rolloutRolling: scale the new ReplicaSet up if we can, else the old ones down, else clean up. */
export function rolloutRolling(s: DeploymentSync): void {
  const { newRS, oldRSs } = s.allReplicaSets(true);
  const allRSs = newRS === undefined ? oldRSs : [...oldRSs, newRS];
  if (newRS !== undefined && reconcileNewReplicaSet(s, allRSs, newRS)) {
    s.syncRolloutStatus(allRSs, newRS);
    return;
  }
  // With no old ReplicaSet there is nothing to scale down (reconcileOldReplicaSets returns false at once).
  if (
    newRS !== undefined &&
    oldRSs.length > 0 &&
    reconcileOldReplicaSets(s, allRSs, activeReplicaSets(oldRSs), newRS)
  ) {
    s.syncRolloutStatus(allRSs, newRS);
    return;
  }
  if (deploymentComplete(s.d, s.d.status ?? {})) s.cleanup(oldRSs);
  s.syncRolloutStatus(allRSs, newRS);
}

function reconcileNewReplicaSet(
  s: DeploymentSync,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
): boolean {
  const replicas = replicasOf(s.d);
  if (rsReplicas(newRS) === replicas) return false;
  if (rsReplicas(newRS) > replicas) return s.scale(newRS, replicas).scaled;
  return s.scale(newRS, newRSNewReplicas(s.d, specReplicas(allRSs), rsReplicas(newRS))).scaled;
}

/**
 * reconcileOldReplicaSets: scale down at most allPods - minAvailable - (new pods not yet available),
 * unhealthy old replicas first.
 */
function reconcileOldReplicaSets(
  s: DeploymentSync,
  allRSs: readonly ReplicaSet[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
): boolean {
  if (specReplicas(oldRSs) === 0) return false;
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = specReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  if (cleaned === undefined) return false;
  const scaledDown = scaleDownOldReplicaSetsForRollingUpdate(s, [...oldRSs, newRS], oldRSs);
  return cleaned + scaledDown > 0;
}

/** cleanupUnhealthyReplicas: old replicas that are not available go first; undefined on an invalid request. */
function cleanupUnhealthyReplicas(
  s: DeploymentSync,
  oldRSs: ReplicaSet[],
  maxCleanup: number,
): number | undefined {
  oldRSs.sort(byCreation);
  let total = 0;
  for (let i = 0; i < oldRSs.length; i++) {
    const rs = oldRSs[i];
    if (rs === undefined) continue;
    if (total >= maxCleanup) break;
    const size = rsReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (size === 0 || size === available) continue;
    const count = Math.min(maxCleanup - total, size - available);
    // A stale status (more available than wanted) is an error in Kubernetes, and the pass is abandoned.
    if (size - count > size) return undefined;
    oldRSs[i] = s.scale(rs, size - count).rs;
    total += count;
  }
  return total;
}

/** scaleDownOldReplicaSetsForRollingUpdate: down to minAvailable available pods, oldest first. */
function scaleDownOldReplicaSetsForRollingUpdate(
  s: DeploymentSync,
  allRSs: readonly ReplicaSet[],
  oldRSs: ReplicaSet[],
): number {
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const available = availableReplicas(allRSs);
  if (available <= minAvailable) return 0;
  oldRSs.sort(byCreation);
  const target = available - minAvailable;
  let total = 0;
  for (const rs of oldRSs) {
    if (total >= target) break;
    if (rsReplicas(rs) === 0) continue;
    const count = Math.min(rsReplicas(rs), target - total);
    s.scale(rs, rsReplicas(rs) - count);
    total += count;
  }
  return total;
}

/** rolloutRecreate: old ReplicaSets to 0, wait until none of their pods exist, then the new one up. */
export function rolloutRecreate(s: DeploymentSync): void {
  let { newRS, oldRSs } = s.allReplicaSets(false);
  let allRSs = newRS === undefined ? oldRSs : [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if (s.scale(rs, 0).scaled) scaledDown = true;
  }
  if (scaledDown || oldPodsRunning(s, newRS, oldRSs)) {
    s.syncRolloutStatus(allRSs, newRS);
    return;
  }
  if (newRS === undefined) {
    ({ newRS, oldRSs } = s.allReplicaSets(true));
    allRSs = newRS === undefined ? oldRSs : [...oldRSs, newRS];
  }
  if (newRS !== undefined) s.scale(newRS, replicasOf(s.d));
  if (deploymentComplete(s.d, s.d.status ?? {})) s.cleanup(oldRSs);
  s.syncRolloutStatus(allRSs, newRS);
}

/** oldPodsRunning: old ReplicaSets report pods, or a pod of one still exists and has not finished. */
function oldPodsRunning(
  s: DeploymentSync,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of s.podMap) {
    if (newRS !== undefined && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase !== 'Failed' && phase !== 'Succeeded') return true;
    }
  }
  return false;
}

/**
 * sync (scale): a scaling event or a paused Deployment. One active ReplicaSet takes the new size; a
 * saturated new one takes everything; otherwise a rolling Deployment spreads the difference over its
 * active ReplicaSets in proportion, the leftover going to the largest.
 */
export function syncScale(s: DeploymentSync): void {
  const { newRS, oldRSs } = s.allReplicaSets(false);
  scale(s, newRS, oldRSs);
  const allRSs = newRS === undefined ? oldRSs : [...oldRSs, newRS];
  if (s.d.spec.paused === true) s.cleanup(oldRSs);
  s.syncDeploymentStatus(allRSs, newRS);
}

function scale(s: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): void {
  const d = s.d;
  const one = findActiveOrLatest(newRS, oldRSs);
  if (one !== undefined) {
    if (rsReplicas(one) !== replicasOf(d)) s.scale(one, replicasOf(d));
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) s.scale(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs.metadata.uid, rsReplicas(rs) + p);
      added += p;
    } else {
      sizes.set(rs.metadata.uid, rsReplicas(rs));
    }
  }
  all.forEach((rs, i) => {
    let size = sizes.get(rs.metadata.uid) ?? rsReplicas(rs);
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    // scaleReplicaSet (not ...AndRecordEvent): the annotations are refreshed even at the same size.
    s.scale(rs, size, true);
  });
}
