/**
 * The arithmetic of the Deployment controller (pkg/controller/deployment/util/deployment_util.go and
 * intstr.GetScaledValueFromIntOrPercent): resolving maxSurge/maxUnavailable, the new ReplicaSet's next
 * size, proportional scaling, revisions, and the ReplicaSet orderings controller_utils.go sorts by.
 */

import type { Deployment, PodTemplate, ReplicaSet } from '../api/index.js';
import { POD_TEMPLATE_HASH_LABEL } from '../api/index.js';
import { deepEqualJson } from './json.js';
import { pairMemo } from './memo.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/** Annotations a Deployment does not copy to its ReplicaSets (annotationsToSkip). */
export const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** apps/v1 defaults (SetDefaults_Deployment). */
export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
const MAX_INT32 = 2147483647;

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as is, `N%` of `total` rounded up or down.
 * Throws a RangeError for anything else (the API server's validation rejects it).
 */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (m === null)
    throw new RangeError(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const p = Number(m[1]) * total;
  return roundUp ? Math.ceil(p / 100) : Math.floor(p / 100);
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and when both come to 0
 * maxUnavailable becomes 1 (surge might not work because of quota).
 */
export function resolveFenceposts(
  maxSurge: number | string,
  maxUnavailable: number | string,
  desired: number,
): { readonly surge: number; readonly unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function replicasOf(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function rsReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

type Fenceposts = { readonly surge: number; readonly unavailable: number };
/** fenceposts per frozen Deployment spec: a sync resolves them many times over. */
const fencepostsMemo = new WeakMap<object, Fenceposts>();

function fenceposts(d: Deployment): Fenceposts {
  const memo = fencepostsMemo.get(d.spec);
  if (memo !== undefined) return memo;
  const ru = d.spec.strategy?.rollingUpdate;
  const f = resolveFenceposts(
    ru?.maxSurge ?? DEFAULT_MAX_SURGE,
    ru?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
    replicasOf(d),
  );
  if (Object.isFrozen(d.spec)) fencepostsMemo.set(d.spec, f);
  return f;
}

/** MaxSurge: 0 unless RollingUpdate. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

/** MaxUnavailable: 0 unless RollingUpdate with replicas; never more than replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

export function revisionHistoryLimit(d: Deployment): number {
  return d.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
}

/** HasProgressDeadline: set and not MaxInt32. */
export function progressDeadline(d: Deployment): number | undefined {
  const s = d.spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  return s === MAX_INT32 ? undefined : s;
}

export const sumOf = (rss: readonly ReplicaSet[], f: (rs: ReplicaSet) => number): number =>
  rss.reduce((n, rs) => n + f(rs), 0);
/** GetReplicaCountForReplicaSets: the sum of spec.replicas. */
export const specReplicas = (rss: readonly ReplicaSet[]): number => sumOf(rss, rsReplicas);
/** GetActualReplicaCountForReplicaSets: the sum of status.replicas. */
export const actualReplicas = (rss: readonly ReplicaSet[]): number =>
  sumOf(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicas = (rss: readonly ReplicaSet[]): number =>
  sumOf(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicas = (rss: readonly ReplicaSet[]): number =>
  sumOf(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** FilterActiveReplicaSets: spec.replicas > 0. */
export const activeReplicaSets = (rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] =>
  rss.filter((rs): rs is ReplicaSet => rs !== undefined && rsReplicas(rs) > 0);

/**
 * NewRSNewReplicas: how far the new ReplicaSet (now `newReplicas`) may grow when all the Deployment's
 * ReplicaSets want `currentTotal`: up to replicas + maxSurge in total, never above replicas.
 */
export function newRSNewReplicas(d: Deployment, currentTotal: number, newReplicas: number): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (currentTotal >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - currentTotal, replicasOf(d) - newReplicas);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

export const desiredReplicasAnnotation = (rs: ReplicaSet): number | undefined =>
  intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);

/** IsSaturated: the new ReplicaSet has, wants and has available all the Deployment's replicas. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const r = replicasOf(d);
  return (
    rsReplicas(rs) === r && desiredReplicasAnnotation(rs) === r && (rs.status?.availableReplicas ?? 0) === r
  );
}

/** ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** GetProportion with getReplicaSetFraction: this ReplicaSet's share of a scaling event. */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) {
    fraction = -rsReplicas(rs);
  } else {
    const deploymentMax = replicasOf(d) + maxSurge(d);
    const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
    // A zero denominator is +Inf in Go; int32 of that is undefined, so podwire keeps the size.
    fraction =
      annotated === 0 ? 0 : roundToInt32((rsReplicas(rs) * deploymentMax) / annotated) - rsReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** integer.RoundToInt32: half away from zero. */
function roundToInt32(a: number): number {
  return a < 0 ? Math.trunc(a - 0.5) : Math.trunc(a + 0.5);
}

/** deploymentutil.Revision: the revision annotation, 0 when absent or unparsable. */
export function revisionOf(rs: ReplicaSet): number {
  return intAnnotation(rs, REVISION_ANNOTATION) ?? 0;
}

/** MaxRevision: the highest revision, 0 for none (a loop, no list of revisions). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  for (let i = 0; i < rss.length; i++) max = Math.max(max, revisionOf(rss[i] as ReplicaSet));
  return max;
}

/** ReplicaSetsByCreationTimestamp: older first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const t = a.metadata.creationTimestamp - b.metadata.creationTimestamp;
  if (t !== 0) return t;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first, ties older first. */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet): number =>
  rsReplicas(b) - rsReplicas(a) || byCreation(a, b);
/** ReplicaSetsBySizeNewer: larger first, ties newer first. */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet): number =>
  rsReplicas(b) - rsReplicas(a) || byCreation(b, a);
/** ReplicaSetsByRevision: lower revision first, ties by creation. */
export const byRevision = (a: ReplicaSet, b: ReplicaSet): number =>
  revisionOf(a) - revisionOf(b) || byCreation(a, b);

/**
 * EqualIgnoreHash: the templates are equal once the pod-template-hash label is left out. Every sync asks
 * it of every ReplicaSet against the Deployment's template, which stay the same stored objects from one
 * sync to the next, so the answer is remembered per pair of (frozen) templates.
 */
export const equalIgnoreHash: (a: PodTemplate, b: PodTemplate) => boolean = pairMemo(
  (a: PodTemplate, b: PodTemplate) => deepEqualJson(withoutHash(a), withoutHash(b)),
);

function withoutHash(t: PodTemplate): unknown {
  const { [POD_TEMPLATE_HASH_LABEL]: _h, ...labels } = t.metadata?.labels ?? {};
  const metadata = { ...t.metadata, labels: Object.keys(labels).length > 0 ? labels : undefined };
  return { ...t, metadata };
}

/**
 * FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's — the first of the list
 * sorted by creation that matches, found as the least matching one without sorting a copy (the first
 * of equals, as the stable sort would leave it).
 */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  let best: ReplicaSet | undefined;
  for (let i = 0; i < rsList.length; i++) {
    const rs = rsList[i] as ReplicaSet;
    if (best !== undefined && byCreation(rs, best) >= 0) continue;
    if (equalIgnoreHash(rs.spec.template, d.spec.template)) best = rs;
  }
  return best;
}

/** FindOldReplicaSets: every ReplicaSet of the Deployment but the new one (findNewReplicaSet's answer). */
export function findOldReplicaSets(
  rsList: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): ReplicaSet[] {
  const uid = newRS?.metadata.uid;
  return rsList.filter((rs) => rs.metadata.uid !== uid);
}

/** FindActiveOrLatest: the one active ReplicaSet, the newest when none is active, none when several are. */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}
