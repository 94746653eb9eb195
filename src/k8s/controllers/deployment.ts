/**
 * The Deployment controller (pkg/controller/deployment/deployment_controller.go): watches Deployments,
 * their ReplicaSets and (for Recreate) their pods through shared informers, claims ReplicaSets by
 * controller reference and selector, and runs syncDeployment for one key at a time — status only while
 * being deleted, proportional scaling for a scaling event or a paused Deployment, else the strategy.
 */

import type { ControlPlaneContext, Deployment, Pod, ReplicaSet } from '../api/index.js';
import { compileSelector } from '../store/index.js';
import { claim } from './claim.js';
import { rolloutRecreate, rolloutRolling, syncScale } from './deployment-rollout.js';
import {
  conditionsOf,
  type DeploymentStatusOut,
  getCondition,
  newCondition,
  REASON,
  setCondition,
} from './deployment-status.js';
import { DeploymentSync, type DeploymentSyncDeps } from './deployment-sync.js';
import { progressDeadline } from './deployment-util.js';
import { type SharedInformer, SharedInformers } from './informers.js';
import { controllerRefOf, isTerminating, resolveControllerRef } from './pods.js';
import { keyOf, splitKey, WorkQueue } from './queue.js';

/** kube-controller-manager's Deployment controller. */
export class DeploymentController {
  private readonly queue: WorkQueue;
  private readonly deployments;
  private readonly replicaSets;
  private readonly pods;

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly informers: SharedInformers = new SharedInformers(ctx),
  ) {
    this.queue = new WorkQueue(ctx, (key) => this.sync(key));
    this.deployments = informers.for<Deployment>('Deployment');
    this.replicaSets = informers.for<ReplicaSet>('ReplicaSet');
    this.pods = informers.for<Pod>('Pod');
    this.deployments.addHandlers({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_o, d) => this.queue.add(keyOf(d)),
      onDelete: (d) => this.queue.add(keyOf(d)),
    });
    this.replicaSets.addHandlers({
      onAdd: (rs) => this.onReplicaSet(undefined, rs),
      onUpdate: (old, rs) => this.onReplicaSet(old, rs),
      onDelete: (rs) => {
        const d = this.resolve(rs);
        if (d !== undefined) this.queue.add(keyOf(d));
      },
    });
    this.pods.addHandlers({ onDelete: (pod) => this.onPodDeleted(pod) });
  }

  start(): this {
    this.informers.start();
    return this;
  }

  stop(): void {
    this.queue.stop();
  }

  private resolve(rs: ReplicaSet): Deployment | undefined {
    return resolveControllerRef(rs, 'Deployment', this.deployments);
  }

  /** addReplicaSet / updateReplicaSet: the owner, or for an orphan every Deployment that selects it. */
  private onReplicaSet(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old !== undefined && old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const oldRef = old === undefined ? undefined : controllerRefOf(old);
    const ref = controllerRefOf(rs);
    if (old !== undefined && oldRef !== undefined && oldRef.uid !== ref?.uid) {
      const prev = this.resolve(old);
      if (prev !== undefined) this.queue.add(keyOf(prev));
    }
    if (ref !== undefined) {
      const d = this.resolve(rs);
      if (d !== undefined) this.queue.add(keyOf(d));
      return;
    }
    const labelsChanged =
      old === undefined || JSON.stringify(old.metadata.labels) !== JSON.stringify(rs.metadata.labels);
    if (!labelsChanged && oldRef === undefined) return;
    for (const d of this.deployments.list()) {
      if (d.metadata.namespace !== rs.metadata.namespace) continue;
      if (compileSelector(d.spec.selector)(rs.metadata.labels)) this.queue.add(keyOf(d));
    }
  }

  /** deletePod: a Recreate Deployment waits for the last old pod to be gone. */
  private onPodDeleted(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (ref === undefined || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(pod.metadata.namespace, ref.name);
    if (rs === undefined || rs.metadata.uid !== ref.uid) return;
    const d = this.resolve(rs);
    if (d === undefined || d.spec.strategy?.type !== 'Recreate') return;
    const remaining = this.ownedReplicaSets(d).some((x) => this.pods.ownedBy(x.metadata.uid).length > 0);
    if (!remaining) this.queue.add(keyOf(d));
  }

  private ownedReplicaSets(d: Deployment): readonly ReplicaSet[] {
    return this.replicaSets.ownedBy(d.metadata.uid);
  }

  /** syncDeployment. */
  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (cached === undefined) return;
    const selector = cached.spec.selector;
    if (isEmptyRecord(selector.matchLabels) && (selector.matchExpressions?.length ?? 0) === 0) {
      // An empty selector would select every pod: Kubernetes refuses to act and only observes it.
      if ((cached.status?.observedGeneration ?? 0) < cached.metadata.generation) {
        const status = { ...cached.status, observedGeneration: cached.metadata.generation };
        this.ctx.store.updateStatus({ ...cached, status });
      }
      return;
    }
    const rsList = claim<ReplicaSet>(this.ctx, 'ReplicaSet', {
      owner: cached,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'Deployment',
      selector,
      owned: this.ownedReplicaSets(cached),
      candidates: this.replicaSets.orphansIn(namespace),
    });
    const s = new DeploymentSync(
      new SyncDeps(this.ctx, this.replicaSets, this.queue, key),
      cached,
      rsList,
      () => this.podMap(cached, rsList),
    );
    if (isTerminating(cached)) {
      const { newRS, oldRSs } = s.allReplicaSets(false);
      s.syncDeploymentStatus(newRS === undefined ? oldRSs : [...oldRSs, newRS], newRS);
      return;
    }
    this.checkPausedConditions(s);
    if (s.d.spec.paused === true || s.isScalingEvent()) {
      syncScale(s);
      return;
    }
    if (s.d.spec.strategy?.type === 'Recreate') rolloutRecreate(s);
    else rolloutRolling(s);
  }

  /** getPodMapForDeployment: the Deployment's pods by the uid of their ReplicaSet. */
  private podMap(d: Deployment, rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const match = compileSelector(d.spec.selector);
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) {
      map.set(
        rs.metadata.uid,
        this.pods.ownedBy(rs.metadata.uid).filter((p) => match(p.metadata.labels)),
      );
    }
    return map;
  }

  /** checkPausedConditions: Progressing Unknown with DeploymentPaused / DeploymentResumed. */
  private checkPausedConditions(s: DeploymentSync): void {
    const d = s.d;
    if (progressDeadline(d) === undefined) return;
    const conds = conditionsOf(d.status);
    const cond = getCondition(conds, 'Progressing');
    if (cond?.reason === REASON.timedOut) return;
    const pausedExists = cond?.reason === 'DeploymentPaused';
    const now = this.ctx.sim.now;
    let next: ReturnType<typeof setCondition> | undefined;
    if (d.spec.paused === true && !pausedExists) {
      next = setCondition(
        conds,
        newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now),
      );
    } else if (d.spec.paused !== true && pausedExists) {
      next = setCondition(
        conds,
        newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now),
      );
    }
    if (next === undefined) return;
    const status: DeploymentStatusOut = { ...d.status, conditions: next };
    s.d = this.ctx.store.updateStatus<Deployment>({ ...d, status });
  }
}

/** No own keys (or none at all): an empty matchLabels. A loop, not Object.keys: every sync asks it. */
function isEmptyRecord(r: Readonly<Record<string, string>> | undefined): boolean {
  if (r === undefined) return true;
  for (const k in r) if (Object.hasOwn(r, k)) return false;
  return true;
}

/**
 * What a DeploymentSync asks of its controller, as a class rather than an object of closures: one is
 * made for every sync.
 */
class SyncDeps implements DeploymentSyncDeps {
  constructor(
    readonly ctx: ControlPlaneContext,
    private readonly replicaSets: SharedInformer<ReplicaSet>,
    private readonly queue: WorkQueue,
    private readonly key: string,
  ) {}

  cachedReplicaSet(namespace: string | undefined, name: string): ReplicaSet | undefined {
    return this.replicaSets.get(namespace, name);
  }

  requeueAfter(delayNs: number): void {
    this.queue.addAfter(this.key, delayNs);
  }
}
