/**
 * Deployment status and conditions as the controller writes them (sync.go calculateStatus, progress.go
 * syncRolloutStatus, deployment_util.go DeploymentComplete / DeploymentProgressing / DeploymentTimedOut).
 * Condition reasons and messages are Kubernetes' own: `Deployment has minimum availability.`,
 * `ReplicaSet "web-5d9c7b8f4" has successfully progressed.`, `Created new replica set "…"`.
 */

import type { Deployment, DeploymentStatusApi, ReplicaSet } from '../api/index.js';
import { maxUnavailable, progressDeadline, replicasOf } from './deployment-util.js';
import { deepEqualJson } from './json.js';

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
  const frozen = Object.isFrozen(status);
  // A frozen list already as readConditions would make it (what this controller wrote) is used as is:
  // the same members in the same order, so nothing reading or printing it can tell the difference.
  const stored = status.conditions;
  const conds = frozen && stored !== undefined && isRead(stored) ? stored : readConditions(status);
  if (frozen) {
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

const READ_MEMBERS = ['type', 'status', 'lastUpdateTime', 'lastTransitionTime', 'reason', 'message'];

/** Whether readConditions would return these conditions member for member, in the same order. */
function isRead(conds: readonly object[]): conds is readonly DeploymentCondition[] {
  for (let i = 0; i < conds.length; i++) {
    const c = conds[i] as Readonly<Record<string, unknown>>;
    let n = 0;
    for (const k in c) if (k !== READ_MEMBERS[n++]) return false;
    if (n !== READ_MEMBERS.length) return false;
    if (c['type'] !== 'Available' && c['type'] !== 'Progressing' && c['type'] !== 'ReplicaFailure') {
      return false;
    }
    if (c['status'] !== 'True' && c['status'] !== 'False' && c['status'] !== 'Unknown') return false;
    if (typeof c['lastUpdateTime'] !== 'number' || typeof c['lastTransitionTime'] !== 'number') return false;
    if (typeof c['reason'] !== 'string' || typeof c['message'] !== 'string') return false;
  }
  return true;
}

/** GetDeploymentCondition (a loop: a callback would be a closure made in every call). */
export function getCondition(
  conds: readonly DeploymentCondition[],
  type: DeploymentCondition['type'],
): DeploymentCondition | undefined {
  for (let i = 0; i < conds.length; i++) {
    const c = conds[i] as DeploymentCondition;
    if (c.type === type) return c;
  }
  return undefined;
}

/**
 * Whether setCondition with a condition of this type, status and reason leaves the list as it is — asked
 * before the condition (and its message) is built, as a sync almost always finds it already there.
 */
export function conditionHolds(
  conds: readonly DeploymentCondition[],
  type: DeploymentCondition['type'],
  status: DeploymentCondition['status'],
  reason: string,
): boolean {
  const cur = getCondition(conds, type);
  return cur !== undefined && cur.status === status && cur.reason === reason;
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

/** RemoveDeploymentCondition; the list itself (not a copy) when it holds no condition of the type. */
export function removeCondition(
  conds: readonly DeploymentCondition[],
  type: DeploymentCondition['type'],
): readonly DeploymentCondition[] {
  return getCondition(conds, type) === undefined ? conds : conds.filter((c) => c.type !== type);
}

/**
 * RemoveDeploymentCondition then SetDeploymentCondition of `c` (syncRolloutStatus' ReplicaSetUpdated):
 * the others, then `c`. The list itself when that is what it already is.
 */
export function replaceCondition(
  conds: readonly DeploymentCondition[],
  c: DeploymentCondition,
): readonly DeploymentCondition[] {
  const last = conds[conds.length - 1];
  if (last !== undefined && sameCondition(last, c) && getCondition(conds, c.type) === last) return conds;
  return [...removeCondition(conds, c.type), c];
}

function sameCondition(a: DeploymentCondition, b: DeploymentCondition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.lastUpdateTime === b.lastUpdateTime &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.reason === b.reason &&
    a.message === b.message
  );
}

/** A status with the omitempty counters left out when zero, in DeploymentStatus field order. */
export function makeStatus(
  s: StatusCounters,
  conditions: readonly DeploymentCondition[] = s.conditions ?? NO_CONDITIONS,
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
  if (conditions.length > 0) out.conditions = conditions;
  if (s.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  return out;
}

/** The members makeStatus writes; any other member of a stored status must be empty to be equal. */
const STATUS_MEMBERS: ReadonlySet<string> = new Set([
  'observedGeneration',
  'replicas',
  'updatedReplicas',
  'readyReplicas',
  'availableReplicas',
  'unavailableReplicas',
  'conditions',
  'collisionCount',
]);
const NO_STATUS: DeploymentStatusApi = Object.freeze({});

/**
 * deepEqualJson(stored, makeStatus(counters, conds)) — whether the sync has a status to write — without
 * building the status: member by member, with deepEqualJson's rule that an empty member equals an absent
 * one. Conditions that are the stored ones read back (conditionsOf) are compared once per stored status.
 */
export function statusUnchanged(
  stored: DeploymentStatusApi | undefined,
  c: StatusCounters,
  conds: readonly DeploymentCondition[],
): boolean {
  const s = stored ?? NO_STATUS;
  if (
    !sameCounter(s.observedGeneration, c.observedGeneration) ||
    !sameCounter(s.replicas, c.replicas) ||
    !sameCounter(s.updatedReplicas, c.updatedReplicas) ||
    !sameCounter(s.readyReplicas, c.readyReplicas) ||
    !sameCounter(s.availableReplicas, c.availableReplicas) ||
    !sameCounter(s.unavailableReplicas, c.unavailableReplicas)
  ) {
    return false;
  }
  if (
    c.collisionCount === undefined
      ? !deepEqualJson(s.collisionCount, undefined)
      : s.collisionCount !== c.collisionCount
  ) {
    return false;
  }
  if (!sameConditions(s, conds)) return false;
  const r = s as Readonly<Record<string, unknown>>;
  for (const k in r) {
    if (Object.hasOwn(r, k) && !STATUS_MEMBERS.has(k) && !deepEqualJson(r[k], undefined)) return false;
  }
  return true;
}

/** A stored counter against one makeStatus writes only when not 0. */
function sameCounter(stored: unknown, n: number): boolean {
  return n === 0 ? deepEqualJson(stored, undefined) : stored === n;
}

/** Whether the stored status's conditions are those read back from it, per frozen stored status. */
const readBackEqual = new WeakMap<object, boolean>();

function sameConditions(s: DeploymentStatusApi, conds: readonly DeploymentCondition[]): boolean {
  const ours = conds.length > 0 ? conds : undefined;
  if (ours === undefined || conds !== conditionsOf(s) || !Object.isFrozen(s)) {
    return deepEqualJson(s.conditions, ours);
  }
  let equal = readBackEqual.get(s);
  if (equal === undefined) {
    equal = deepEqualJson(s.conditions, ours);
    readBackEqual.set(s, equal);
  }
  return equal;
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

/** The counters of calculateStatus (and, for a test's convenience, conditions to go with them). */
export interface StatusCounters {
  readonly observedGeneration: number;
  readonly replicas: number;
  readonly updatedReplicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  readonly unavailableReplicas: number;
  readonly collisionCount: number | undefined;
  readonly conditions?: readonly DeploymentCondition[];
}

/**
 * calculateStatus: the counters, and the conditions with the Available condition it always sets (the
 * stored conditions themselves when that one is already there). One pass over the ReplicaSets.
 */
export function calculateStatus(
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: number,
): { readonly counters: StatusCounters; readonly conditions: readonly DeploymentCondition[] } {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let wanted = 0;
  for (let i = 0; i < allRSs.length; i++) {
    const rs = allRSs[i] as ReplicaSet;
    const st = rs.status;
    if (st !== undefined) {
      replicas += st.replicas ?? 0;
      ready += st.readyReplicas ?? 0;
      available += st.availableReplicas ?? 0;
    }
    wanted += rs.spec.replicas ?? 1;
  }
  const counters: StatusCounters = {
    observedGeneration: d.metadata.generation,
    replicas,
    updatedReplicas: newRS === undefined ? 0 : (newRS.status?.replicas ?? 0),
    readyReplicas: ready,
    availableReplicas: available,
    unavailableReplicas: Math.max(0, wanted - available),
    collisionCount: d.status?.collisionCount,
  };
  return { counters, conditions: withAvailable(conditionsOf(d.status), available, d, now) };
}

/** The Available condition calculateStatus sets: minimum availability is replicas - maxUnavailable. */
function withAvailable(
  conds: readonly DeploymentCondition[],
  available: number,
  d: Deployment,
  now: number,
): readonly DeploymentCondition[] {
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    if (conditionHolds(conds, 'Available', 'True', REASON.minimumReplicasAvailable)) return conds;
    const msg = 'Deployment has minimum availability.';
    return setCondition(conds, newCondition('Available', 'True', REASON.minimumReplicasAvailable, msg, now));
  }
  if (conditionHolds(conds, 'Available', 'False', REASON.minimumReplicasUnavailable)) return conds;
  const msg = 'Deployment does not have minimum availability.';
  return setCondition(conds, newCondition('Available', 'False', REASON.minimumReplicasUnavailable, msg, now));
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
