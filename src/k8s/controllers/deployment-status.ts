/**
 * Deployment status and conditions as the controller writes them (sync.go calculateStatus, progress.go
 * syncRolloutStatus, deployment_util.go DeploymentComplete / DeploymentProgressing / DeploymentTimedOut).
 * Condition reasons and messages are Kubernetes' own: `Deployment has minimum availability.`,
 * `ReplicaSet "web-5d9c7b8f4" has successfully progressed.`, `Created new replica set "…"`.
 */

import type { Deployment, DeploymentStatusApi, ReplicaSet } from '../api/index.js';
import {
  actualReplicas,
  availableReplicas,
  maxUnavailable,
  progressDeadline,
  readyReplicas,
  replicasOf,
  specReplicas,
} from './deployment-util.js';

const SECOND_NS = 1_000_000_000;

/** apps/v1 DeploymentCondition, field order as the API prints it; times in ns. */
export interface DeploymentCondition {
  readonly type: 'Available' | 'Progressing' | 'ReplicaFailure';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly lastUpdateTime: number;
  readonly lastTransitionTime: number;
  readonly reason: string;
  readonly message: string;
}

/** The status the controller writes (DeploymentStatus; the counters are omitempty). */
export interface DeploymentStatusOut extends DeploymentStatusApi {
  readonly conditions?: readonly DeploymentCondition[];
}

export const REASON = {
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSet: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

export function newCondition(
  type: DeploymentCondition['type'],
  status: DeploymentCondition['status'],
  reason: string,
  message: string,
  now: number,
): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

const NO_CONDITIONS: readonly DeploymentCondition[] = [];
/**
 * The last status read and its conditions: a sync reads the conditions of the same stored (frozen,
 * never changing) status several times over. One entry is enough, as syncs run one at a time.
 */
let lastStatus: DeploymentStatusApi | undefined;
let lastConditions: readonly DeploymentCondition[] = NO_CONDITIONS;

/** The conditions of a stored status, with their times (absent times read as 0). Read-only. */
export function conditionsOf(status: DeploymentStatusApi | undefined): readonly DeploymentCondition[] {
  if (status === undefined) return NO_CONDITIONS;
  if (status === lastStatus) return lastConditions;
  const conds = readConditions(status);
  if (Object.isFrozen(status)) {
    lastStatus = status;
    lastConditions = conds;
  }
  return conds;
}

function readConditions(status: DeploymentStatusApi): DeploymentCondition[] {
  return (status.conditions ?? []).map((c) => ({
    type: c.type === 'Available' || c.type === 'Progressing' ? c.type : 'ReplicaFailure',
    status: c.status === 'True' || c.status === 'False' ? c.status : 'Unknown',
    lastUpdateTime: 'lastUpdateTime' in c && typeof c.lastUpdateTime === 'number' ? c.lastUpdateTime : 0,
    lastTransitionTime:
      'lastTransitionTime' in c && typeof c.lastTransitionTime === 'number' ? c.lastTransitionTime : 0,
    reason: c.reason ?? '',
    message: c.message ?? '',
  }));
}

export function getCondition(
  conds: readonly DeploymentCondition[],
  type: DeploymentCondition['type'],
): DeploymentCondition | undefined {
  return conds.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: nothing changes when status and reason are the same; the transition time is
 * kept when only the reason changes; the condition moves to the end of the list.
 */
export function setCondition(
  conds: readonly DeploymentCondition[],
  c: DeploymentCondition,
): DeploymentCondition[] {
  const cur = getCondition(conds, c.type);
  if (cur !== undefined && cur.status === c.status && cur.reason === c.reason) return [...conds];
  const next =
    cur !== undefined && cur.status === c.status ? { ...c, lastTransitionTime: cur.lastTransitionTime } : c;
  return [...conds.filter((x) => x.type !== c.type), next];
}

export function removeCondition(
  conds: readonly DeploymentCondition[],
  type: DeploymentCondition['type'],
): DeploymentCondition[] {
  return conds.filter((c) => c.type !== type);
}

/** A status with the omitempty counters left out when zero, in DeploymentStatus field order. */
export function makeStatus(
  s: StatusCounters & { readonly conditions: readonly DeploymentCondition[] },
): DeploymentStatusOut {
  // Named stores, not a helper storing by key: the Deployment controller builds a status in every sync.
  const out: { -readonly [K in keyof DeploymentStatusOut]: DeploymentStatusOut[K] } = {};
  if (s.observedGeneration !== undefined && s.observedGeneration !== 0) {
    out.observedGeneration = s.observedGeneration;
  }
  if (s.replicas !== undefined && s.replicas !== 0) out.replicas = s.replicas;
  if (s.updatedReplicas !== undefined && s.updatedReplicas !== 0) out.updatedReplicas = s.updatedReplicas;
  if (s.readyReplicas !== undefined && s.readyReplicas !== 0) out.readyReplicas = s.readyReplicas;
  if (s.availableReplicas !== undefined && s.availableReplicas !== 0) {
    out.availableReplicas = s.availableReplicas;
  }
  if (s.unavailableReplicas !== undefined && s.unavailableReplicas !== 0) {
    out.unavailableReplicas = s.unavailableReplicas;
  }
  if (s.conditions.length > 0) out.conditions = s.conditions;
  if (s.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  return out;
}

/** Reads a stored status back as numbers (absent counters are 0). */
export function countersOf(d: Deployment): {
  replicas: number;
  updatedReplicas: number;
  availableReplicas: number;
} {
  return {
    replicas: d.status?.replicas ?? 0,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    availableReplicas: d.status?.availableReplicas ?? 0,
  };
}

/** The counters of calculateStatus. */
export interface StatusCounters {
  readonly observedGeneration: number;
  readonly replicas: number;
  readonly updatedReplicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  readonly unavailableReplicas: number;
  readonly collisionCount: number | undefined;
}

/** calculateStatus: the counters, and the conditions with the Available condition it always sets. */
export function calculateStatus(
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: number,
): { readonly counters: StatusCounters; readonly conditions: DeploymentCondition[] } {
  const available = availableReplicas(allRSs);
  const minAvailable = available >= replicasOf(d) - maxUnavailable(d);
  const cond = minAvailable
    ? newCondition(
        'Available',
        'True',
        REASON.minimumReplicasAvailable,
        'Deployment has minimum availability.',
        now,
      )
    : newCondition(
        'Available',
        'False',
        REASON.minimumReplicasUnavailable,
        'Deployment does not have minimum availability.',
        now,
      );
  const counters: StatusCounters = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicas(allRSs),
    updatedReplicas: newRS === undefined ? 0 : (newRS.status?.replicas ?? 0),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(allRSs) - available),
    collisionCount: d.status?.collisionCount,
  };
  return { counters, conditions: setCondition(conditionsOf(d.status), cond) };
}

/** The counters of a status that DeploymentComplete and DeploymentProgressing read (absent: 0). */
export type ProgressCounters = Pick<
  DeploymentStatusApi,
  'observedGeneration' | 'replicas' | 'updatedReplicas' | 'availableReplicas'
>;

/** DeploymentComplete: every replica updated, no old ones, minimum availability, generation observed. */
export function deploymentComplete(d: Deployment, s: ProgressCounters): boolean {
  const r = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === r &&
    (s.replicas ?? 0) === r &&
    (s.availableReplicas ?? 0) >= r - maxUnavailable(d) &&
    (s.observedGeneration ?? 0) >= d.metadata.generation
  );
}

/** DeploymentProgressing: more updated, fewer old, or more available than the stored status says. */
export function deploymentProgressing(d: Deployment, s: ProgressCounters): boolean {
  const old = countersOf(d);
  const oldOld = old.replicas - old.updatedReplicas;
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > old.updatedReplicas ||
    newOld < oldOld ||
    (s.availableReplicas ?? 0) > old.availableReplicas
  );
}

/** DeploymentTimedOut: the Progressing condition is older than progressDeadlineSeconds (strictly). */
export function deploymentTimedOut(
  d: Deployment,
  conds: readonly DeploymentCondition[],
  now: number,
): boolean {
  const deadline = progressDeadline(d);
  if (deadline === undefined) return false;
  const c = getCondition(conds, 'Progressing');
  if (c === undefined) return false;
  if (c.reason === REASON.timedOut) return true;
  return c.lastUpdateTime + deadline * SECOND_NS < now;
}
