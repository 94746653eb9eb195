/**
 * One sync of one Deployment (pkg/controller/deployment/sync.go, progress.go): finding or creating the
 * new ReplicaSet `<deployment>-<pod-template-hash>`, keeping revisions, scaling a ReplicaSet, cleaning up
 * old ones past revisionHistoryLimit, and writing status with the Progressing condition. The strategies
 * in deployment-rollout.ts drive it. Writes carry the resourceVersion the cache had, so a decision taken
 * on a stale cache fails with Conflict and the key is retried, as in Kubernetes.
 */

import type { ControlPlaneContext, Deployment, Pod, PodTemplate, ReplicaSet } from '../api/index.js';
import { POD_TEMPLATE_HASH_LABEL } from '../api/index.js';
import { StatusError } from '../store/index.js';
import { newRSAnnotations, sortedRecord } from './deployment-annotations.js';
import {
  calculateStatus,
  conditionHolds,
  conditionsOf,
  type DeploymentCondition,
  type DeploymentStatusOut,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  makeStatus,
  newCondition,
  type ProgressCounters,
  REASON,
  removeCondition,
  replaceCondition,
  setCondition,
  statusUnchanged,
} from './deployment-status.js';
import {
  byRevision,
  DESIRED_REPLICAS_ANNOTATION,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findNewReplicaSet,
  findOldReplicaSets,
  MAX_REPLICAS_ANNOTATION,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  progressDeadline,
  REVISION_ANNOTATION,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  revisionHistoryLimit,
  rsReplicas,
  specReplicas,
} from './deployment-util.js';
import { computeHash } from './hash.js';
import { controllerRefOf, newControllerRef } from './pods.js';

const SECOND_NS = 1_000_000_000;

export interface DeploymentSyncDeps {
  readonly ctx: ControlPlaneContext;
  /** The ReplicaSet as the controller's cache has it (rsLister). */
  readonly cachedReplicaSet: (namespace: string | undefined, name: string) => ReplicaSet | undefined;
  /** Requeues the Deployment after a delay (enqueueAfter). */
  readonly requeueAfter: (delayNs: number) => void;
}

export class DeploymentSync {
  private found: { readonly template: PodTemplate; readonly rs: ReplicaSet | undefined } | undefined;
  private pods: ReadonlyMap<string, readonly Pod[]> | undefined;
  /** The Deployment and new ReplicaSet of the last newReplicaSet pass that wrote nothing. */
  private unchanged: { readonly d: Deployment; readonly rs: ReplicaSet } | undefined;
  private olds: { readonly existing: ReplicaSet | undefined; readonly oldRSs: ReplicaSet[] } | undefined;

  constructor(
    private readonly deps: DeploymentSyncDeps,
    /** The Deployment, replaced by what the store returns after each write. */
    public d: Deployment,
    readonly rsList: readonly ReplicaSet[],
    /** Reads the pods by the uid of the ReplicaSet controlling them (getPodMapForDeployment). */
    private readonly readPodMap: () => ReadonlyMap<string, readonly Pod[]>,
  ) {}

  /**
   * The pods by ReplicaSet uid, read from the cache on first use: only Recreate looks at them, and the
   * cache does not change within a sync (watch events arrive through the event queue).
   */
  get podMap(): ReadonlyMap<string, readonly Pod[]> {
    this.pods ??= this.readPodMap();
    return this.pods;
  }

  private get ctx(): ControlPlaneContext {
    return this.deps.ctx;
  }

  private get now(): number {
    return this.ctx.sim.now;
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked) and all the old ones. The
   * old ones are listed once per new one found (a sync asks twice); the list is shared, not to be changed.
   */
  allReplicaSets(createIfNotExisted: boolean): {
    newRS: ReplicaSet | undefined;
    oldRSs: readonly ReplicaSet[];
  } {
    const existing = this.findNewReplicaSet();
    if (this.olds === undefined || this.olds.existing !== existing) {
      this.olds = { existing, oldRSs: findOldReplicaSets(this.rsList, existing) };
    }
    const oldRSs = this.olds.oldRSs;
    return { newRS: this.newReplicaSet(existing, oldRSs, createIfNotExisted), oldRSs };
  }

  /**
   * FindNewReplicaSet over rsList (fixed for the sync), worked out again only when the Deployment's
   * template is another object: a sync asks it several times, and its own writes keep the template.
   */
  private findNewReplicaSet(): ReplicaSet | undefined {
    const template = this.d.spec.template;
    if (this.found?.template !== template) {
      this.found = { template, rs: findNewReplicaSet(this.d, this.rsList) };
    }
    return this.found.rs;
  }

  private newReplicaSet(
    existing: ReplicaSet | undefined,
    oldRSs: readonly ReplicaSet[],
    create: boolean,
  ): ReplicaSet | undefined {
    // Asked again of the same new ReplicaSet and Deployment after a pass that wrote nothing: a pass that
    // would write nothing again (its inputs are those, the fixed rsList and the clock, still).
    if (existing !== undefined && this.unchanged?.d === this.d && this.unchanged.rs === existing) {
      return existing;
    }
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing !== undefined) {
      const annotations = newRSAnnotations(this.d, existing.metadata.annotations, newRevision, true);
      const minReady = this.d.spec.minReadySeconds;
      if (annotations !== undefined || existing.spec.minReadySeconds !== minReady) {
        return this.ctx.store.update<ReplicaSet>({
          ...existing,
          metadata: { ...existing.metadata, annotations: annotations ?? existing.metadata.annotations },
          spec: { ...existing.spec, minReadySeconds: minReady },
        });
      }
      let conds = conditionsOf(this.d.status);
      const before = conds;
      if (progressDeadline(this.d) !== undefined && getCondition(conds, 'Progressing') === undefined) {
        const msg = `Found new replica set "${existing.metadata.name}"`;
        conds = setCondition(conds, newCondition('Progressing', 'True', REASON.foundNewRS, msg, this.now));
      }
      const d = this.d;
      this.writeRevisionAndConditions(existing.metadata.annotations?.[REVISION_ANNOTATION], conds, before);
      if (this.d === d) this.unchanged = { d, rs: existing };
      return existing;
    }
    if (!create) return undefined;
    const created = this.createReplicaSet(oldRSs, newRevision);
    let conds = conditionsOf(this.d.status);
    const before = conds;
    if (created.existed === false && progressDeadline(this.d) !== undefined) {
      const msg = `Created new replica set "${created.rs.metadata.name}"`;
      conds = setCondition(conds, newCondition('Progressing', 'True', REASON.newReplicaSet, msg, this.now));
    }
    this.writeRevisionAndConditions(String(newRevision), conds, before);
    return created.rs;
  }

  private createReplicaSet(
    oldRSs: readonly ReplicaSet[],
    revision: number,
  ): { rs: ReplicaSet; existed: boolean } {
    const d = this.d;
    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const labels = sortedRecord({ ...d.spec.template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash });
    const name = `${d.metadata.name}-${hash}`;
    const replicas = newRSNewReplicas(d, specReplicas(oldRSs), 0);
    const annotations = newRSAnnotations(d, undefined, revision, false) ?? {};
    try {
      const rs = this.ctx.store.create<ReplicaSet>({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: d.metadata.namespace,
          labels,
          annotations,
          ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
        },
        spec: {
          replicas,
          minReadySeconds: d.spec.minReadySeconds,
          selector: {
            ...d.spec.selector,
            matchLabels: sortedRecord({ ...d.spec.selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash }),
          },
          template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels } },
        },
      });
      return { rs, existed: false };
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
      // Ours already (a stale cache, or a fast resync): use it. Someone else's: a hash collision.
      const rs = this.deps.cachedReplicaSet(d.metadata.namespace, name);
      if (rs === undefined) throw e;
      if (controllerRefOf(rs)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, rs.spec.template)) {
        return { rs, existed: true };
      }
      const collisionCount = (d.status?.collisionCount ?? 0) + 1;
      this.d = this.ctx.store.updateStatus<Deployment>({ ...d, status: { ...d.status, collisionCount } });
      throw e;
    }
  }

  /** SetDeploymentRevision plus the status write that carries it and any new condition. */
  private writeRevisionAndConditions(
    revision: string | undefined,
    conds: readonly DeploymentCondition[],
    before: readonly DeploymentCondition[],
  ): void {
    const a = this.d.metadata.annotations ?? {};
    if (revision !== undefined && a[REVISION_ANNOTATION] !== revision) {
      this.d = this.ctx.store.update<Deployment>({
        ...this.d,
        metadata: {
          ...this.d.metadata,
          annotations: sortedRecord({ ...a, [REVISION_ANNOTATION]: revision }),
        },
      });
    }
    if (conds !== before) {
      const status: DeploymentStatusOut = { ...this.d.status, conditions: conds };
      this.d = this.ctx.store.updateStatus<Deployment>({ ...this.d, status });
    }
  }

  /**
   * scaleReplicaSetAndRecordEvent (nothing to do at the same size) or, with `refreshAnnotations`,
   * scaleReplicaSet (the desired/max annotations are brought up to date even at the same size).
   */
  scale(rs: ReplicaSet, newScale: number, refreshAnnotations = false): { scaled: boolean; rs: ReplicaSet } {
    if (!refreshAnnotations && rsReplicas(rs) === newScale) return { scaled: false, rs };
    const desired = replicasOf(this.d);
    const max = desired + maxSurge(this.d);
    const sizeNeedsUpdate = rsReplicas(rs) !== newScale;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const annotations = sortedRecord({
      ...rs.metadata.annotations,
      [DESIRED_REPLICAS_ANNOTATION]: String(desired),
      [MAX_REPLICAS_ANNOTATION]: String(max),
    });
    const updated = this.ctx.store.update<ReplicaSet>({
      ...rs,
      metadata: { ...rs.metadata, annotations },
      spec: { ...rs.spec, replicas: newScale },
    });
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** isScalingEvent: an active ReplicaSet was sized for another spec.replicas. */
  isScalingEvent(): boolean {
    const { newRS, oldRSs } = this.allReplicaSets(false);
    const r = replicasOf(this.d);
    for (let i = 0; i < oldRSs.length; i++) if (sizedForOther(oldRSs[i] as ReplicaSet, r)) return true;
    return newRS !== undefined && sizedForOther(newRS, r);
  }

  /** cleanupDeployment: delete the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  cleanup(oldRSs: readonly ReplicaSet[]): void {
    const limit = revisionHistoryLimit(this.d);
    // No more old ReplicaSets than the limit: none is past it (and no list need be made to see that).
    if (oldRSs.length <= limit) return;
    const cleanable = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined).sort(byRevision);
    const diff = cleanable.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if (rs === undefined) continue;
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0) continue;
      if (rs.metadata.generation > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        this.ctx.store.delete('ReplicaSet', rs.metadata.namespace, rs.metadata.name);
      } catch (e) {
        if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
      }
    }
  }

  /** syncDeploymentStatus: counters and Available only, no progress estimate (scaling, paused). */
  syncDeploymentStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
    const { counters, conditions } = calculateStatus(allRSs, newRS, this.d, this.now);
    if (!statusUnchanged(this.d.status, counters, conditions)) this.write(makeStatus(counters, conditions));
  }

  /** syncRolloutStatus: status plus the Progressing condition of a rollout. */
  syncRolloutStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
    const d = this.d;
    const { counters, conditions } = calculateStatus(allRSs, newRS, d, this.now);
    let conds = conditions;
    const deadline = progressDeadline(d);
    if (deadline === undefined) conds = removeCondition(conds, 'Progressing');
    const current = getCondition(conditionsOf(d.status), 'Progressing');
    const complete =
      counters.replicas === counters.updatedReplicas && current?.reason === REASON.newRSAvailable;
    // DeploymentComplete and DeploymentProgressing read only the counters of the new status (absent as
    // 0, which is how makeStatus leaves out zeros), so they are given the counters.
    if (deadline !== undefined && !complete) {
      if (deploymentComplete(d, counters)) {
        if (!conditionHolds(conds, 'Progressing', 'True', REASON.newRSAvailable)) {
          const msg = `${this.progressSubject(newRS)} has successfully progressed.`;
          const c = newCondition('Progressing', 'True', REASON.newRSAvailable, msg, this.now);
          conds = setCondition(conds, c);
        }
      } else if (deploymentProgressing(d, counters)) {
        const msg = `${this.progressSubject(newRS)} is progressing.`;
        let c = newCondition('Progressing', 'True', REASON.replicaSetUpdated, msg, this.now);
        if (current?.status === 'True') c = { ...c, lastTransitionTime: current.lastTransitionTime };
        // With a current condition: removed, then set (so appended); without one: set, also appended.
        conds = replaceCondition(conds, c);
      } else if (deploymentTimedOut(d, conds, this.now)) {
        if (!conditionHolds(conds, 'Progressing', 'False', REASON.timedOut)) {
          const msg = `${this.progressSubject(newRS)} has timed out progressing.`;
          conds = setCondition(conds, newCondition('Progressing', 'False', REASON.timedOut, msg, this.now));
        }
      }
    }
    conds = removeCondition(conds, 'ReplicaFailure');
    if (statusUnchanged(d.status, counters, conds)) this.requeueStuck(counters);
    else this.write(makeStatus(counters, conds));
  }

  /** What the Progressing message is about: the new ReplicaSet, or the Deployment when there is none. */
  private progressSubject(newRS: ReplicaSet | undefined): string {
    return newRS === undefined
      ? `Deployment "${this.d.metadata.name}"`
      : `ReplicaSet "${newRS.metadata.name}"`;
  }

  /**
   * Writes a status that differs from the stored one. The status subresource reads the identity (with
   * the resourceVersion the cache had) and the status, so no copy of the whole Deployment is made.
   */
  private write(status: DeploymentStatusOut): void {
    const { apiVersion, kind, metadata } = this.d;
    this.d = this.ctx.store.updateStatus<Deployment>({ apiVersion, kind, metadata, status });
  }

  /**
   * requeueStuckDeployment: come back when the progress deadline passes. Kubernetes adds a second to
   * dodge clock skew; when less than a second is left it requeues at once (rate limited) — podwire
   * instead comes back 1 ns after the deadline, the first instant DeploymentTimedOut can hold.
   */
  private requeueStuck(status: ProgressCounters): void {
    const deadline = progressDeadline(this.d);
    const cur = getCondition(conditionsOf(this.d.status), 'Progressing');
    if (deadline === undefined || cur === undefined) return;
    if (deploymentComplete(this.d, status) || cur.reason === REASON.timedOut) return;
    const after = cur.lastUpdateTime + deadline * SECOND_NS - this.now;
    this.deps.requeueAfter(after < SECOND_NS ? Math.max(0, after) + 1 : after + SECOND_NS);
  }
}

/** An active ReplicaSet whose desired-replicas annotation names another size (isScalingEvent). */
function sizedForOther(rs: ReplicaSet, replicas: number): boolean {
  if (rsReplicas(rs) <= 0) return false;
  const desired = desiredReplicasAnnotation(rs);
  return desired !== undefined && desired !== replicas;
}
