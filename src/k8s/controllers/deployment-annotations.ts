/**
 * The annotations the Deployment controller keeps on its new ReplicaSet (deployment_util.go
 * SetNewReplicaSetAnnotations, copyDeploymentAnnotationsToReplicaSet, SetReplicasAnnotations).
 */

import type { Deployment } from '../api/index.js';
import {
  ANNOTATIONS_TO_SKIP,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  maxSurge,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  replicasOf,
} from './deployment-util.js';

type Annotations = Readonly<Record<string, string>>;

/**
 * SetNewReplicaSetAnnotations: the Deployment's annotations (but annotationsToSkip), the revision when
 * higher than the ReplicaSet's (the old one kept in revision-history), and on creation desired/max
 * replicas. Undefined when nothing changes.
 */
export function newRSAnnotations(
  d: Deployment,
  current: Annotations | undefined,
  newRevision: number,
  exists: boolean,
): Annotations | undefined {
  if (exists && !annotationsChange(d, current, newRevision)) return undefined;
  const out: Record<string, string> = { ...current };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || out[k] === v) continue;
    out[k] = v;
    changed = true;
  }
  const oldRevision = current?.[REVISION_ANNOTATION];
  const oldInt = oldRevision === undefined || oldRevision === '' ? 0 : Number(oldRevision);
  if (Number.isInteger(oldInt) && oldInt < newRevision) {
    out[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = current?.[REVISION_HISTORY_ANNOTATION];
      out[REVISION_HISTORY_ANNOTATION] =
        history === undefined || history === '' ? oldRevision : `${history},${oldRevision}`;
    }
  }
  if (!exists) {
    const desired = replicasOf(d);
    out[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    out[MAX_REPLICAS_ANNOTATION] = String(desired + maxSurge(d));
    changed = true;
  }
  return changed ? sortedRecord(out) : undefined;
}

/**
 * Whether SetNewReplicaSetAnnotations changes an existing ReplicaSet's annotations — asked without
 * building them, as every sync asks it of a new ReplicaSet that is almost always up to date.
 */
function annotationsChange(d: Deployment, current: Annotations | undefined, newRevision: number): boolean {
  const own = d.metadata.annotations;
  if (own !== undefined) {
    for (const k of Object.keys(own)) {
      if (!ANNOTATIONS_TO_SKIP.has(k) && current?.[k] !== own[k]) return true;
    }
  }
  const oldRevision = current?.[REVISION_ANNOTATION];
  const oldInt = oldRevision === undefined || oldRevision === '' ? 0 : Number(oldRevision);
  return Number.isInteger(oldInt) && oldInt < newRevision;
}

/** A record with its keys sorted, as Go's encoding/json prints a map. */
export function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) {
    const v = r[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
