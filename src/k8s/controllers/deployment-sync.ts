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
  conditionsOf,
  type DeploymentCondition,
  type DeploymentStatusOut,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  makeStatus,
  newCondition,
  REASON,
  removeCondition,
  setCondition,
} from './deployment-status.js';
import {
  activeReplicaSets,
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
import { deepEqualJson } from './json.js';
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

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked) and all the old ones. */
  allReplicaSets(createIfNotExisted: boolean): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const existing = this.findNewReplicaSet();
    const oldRSs = findOldReplicaSets(this.rsList, existing);
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
      this.writeRevisionAndConditions(existing.metadata.annotations?.[REVISION_ANNOTATION], conds, before);
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
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== r;
    });
  }

  /** cleanupDeployment: delete the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  cleanup(oldRSs: readonly ReplicaSet[]): void {
    const limit = revisionHistoryLimit(this.d);
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
    this.writeStatus(makeStatus({ ...counters, conditions }));
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
    // The status with these counters, as DeploymentComplete and DeploymentProgressing read it (they
    // read only counters, absent as 0, which is how makeStatus leaves out zeros).
    const probe = counters;
    if (deadline !== undefined && !complete) {
      const what =
        newRS === undefined ? `Deployment "${d.metadata.name}"` : `ReplicaSet "${newRS.metadata.name}"`;
      if (deploymentComplete(d, probe)) {
        const msg = `${what} has successfully progressed.`;
        conds = setCondition(
          conds,
          newCondition('Progressing', 'True', REASON.newRSAvailable, msg, this.now),
        );
      } else if (deploymentProgressing(d, probe)) {
        const msg = `${what} is progressing.`;
        let c = newCondition('Progressing', 'True', REASON.replicaSetUpdated, msg, this.now);
        if (current !== undefined) {
          if (current.status === 'True') c = { ...c, lastTransitionTime: current.lastTransitionTime };
          conds = removeCondition(conds, 'Progressing');
        }
        conds = setCondition(conds, c);
      } else if (deploymentTimedOut(d, conds, this.now)) {
        const msg = `${what} has timed out progressing.`;
        conds = setCondition(conds, newCondition('Progressing', 'False', REASON.timedOut, msg, this.now));
      }
    }
    conds = removeCondition(conds, 'ReplicaFailure');
    const status = makeStatus({ ...counters, conditions: conds });
    if (!this.writeStatus(status)) this.requeueStuck(status);
  }

  /** Writes status unless equal to the stored one; false when nothing was written. */
  private writeStatus(status: DeploymentStatusOut): boolean {
    if (deepEqualJson(this.d.status, status)) return false;
    this.d = this.ctx.store.updateStatus<Deployment>({ ...this.d, status });
    return true;
  }

  /**
   * requeueStuckDeployment: come back when the progress deadline passes. Kubernetes adds a second to
   * dodge clock skew; when less than a second is left it requeues at once (rate limited) — podwire
   * instead comes back 1 ns after the deadline, the first instant DeploymentTimedOut can hold.
   */
  private requeueStuck(status: DeploymentStatusOut): void {
    const deadline = progressDeadline(this.d);
    const cur = getCondition(conditionsOf(this.d.status), 'Progressing');
    if (deadline === undefined || cur === undefined) return;
    if (deploymentComplete(this.d, status) || cur.reason === REASON.timedOut) return;
    const after = cur.lastUpdateTime + deadline * SECOND_NS - this.now;
    this.deps.requeueAfter(after < SECOND_NS ? Math.max(0, after) + 1 : after + SECOND_NS);
  }
}
