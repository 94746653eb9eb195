/**
 * The ReplicaSet controller (pkg/controller/replicaset/replica_set.go): keeps `spec.replicas` active pods
 * that the ReplicaSet controls — creating the missing from its template, deleting the surplus in
 * getPodsToDelete's order — adopts matching orphans, releases pods that stopped matching, and writes
 * status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration).
 *
 * Reads come from shared informers, so they lag the store; its own creations and deletions are tracked
 * with ControllerExpectations, and replicas are managed only once the previous round has been observed,
 * which is how the real controller avoids creating twice within the lag.
 */

import {
  type ControlPlaneContext,
  type Pod,
  podReadyCondition,
  type ReplicaSet,
  type ReplicaSetStatusApi,
} from '../api/index.js';
import { compileSelector, type KubeObject, StatusError } from '../store/index.js';
import { claim } from './claim.js';
import { ControllerExpectations } from './expectations.js';
import { SharedInformers } from './informers.js';
import {
  controllerRefOf,
  deletePod,
  effectiveMinReady,
  isPodActive,
  isTerminating,
  newControllerRef,
  nextAvailableIn,
  podFromTemplate,
  readyForLongEnough,
  resolveControllerRef,
} from './pods.js';
import { keyOf, splitKey, WorkQueue } from './queue.js';
import { podsToDelete } from './ranking.js';

const SECOND_NS = 1_000_000_000;
/** replica_set.go BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;

/** kube-controller-manager's ReplicaSet controller. */
export class ReplicaSetController {
  private readonly queue: WorkQueue;
  private readonly expectations: ControllerExpectations;
  private readonly replicaSets;
  private readonly pods;

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly informers: SharedInformers = new SharedInformers(ctx),
  ) {
    this.queue = new WorkQueue(ctx, (key) => this.sync(key));
    this.expectations = new ControllerExpectations(ctx.sim);
    this.replicaSets = informers.for<ReplicaSet>('ReplicaSet');
    this.pods = informers.for<Pod>('Pod');
    this.replicaSets.addHandlers({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (_old, rs) => this.queue.add(keyOf(rs)),
      onDelete: (rs) => {
        this.expectations.forget(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.pods.addHandlers({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (pod) => this.deletePod(pod),
    });
  }

  start(): this {
    this.informers.start();
    return this;
  }

  stop(): void {
    this.queue.stop();
  }

  /** The ReplicaSet a controller reference names, if it is one this controller knows (resolveControllerRef). */
  private resolve(pod: Pod): ReplicaSet | undefined {
    return resolveControllerRef(pod, 'ReplicaSet', this.replicaSets);
  }

  /** getPodReplicaSets: the ReplicaSets of the pod's namespace whose selector matches an orphan. */
  private enqueueMatching(pod: Pod): void {
    for (const rs of this.replicaSets.list()) {
      if (rs.metadata.namespace !== pod.metadata.namespace) continue;
      if (compileSelector(rs.spec.selector)(pod.metadata.labels)) this.queue.add(keyOf(rs));
    }
  }

  private addPod(pod: Pod): void {
    if (isTerminating(pod)) {
      this.deletePod(pod);
      return;
    }
    if (controllerRefOf(pod) !== undefined) {
      const rs = this.resolve(pod);
      if (rs === undefined) return;
      this.expectations.creationObserved(keyOf(rs));
      this.queue.add(keyOf(rs));
      return;
    }
    this.enqueueMatching(pod);
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    // Labels the update did not touch are the same frozen object: no need to print them.
    const labelsChanged =
      old.metadata.labels !== pod.metadata.labels &&
      JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels);
    if (isTerminating(pod)) {
      // A pod being deleted is as good as gone for the expectations (replica_set.go updatePod).
      this.deletePod(pod);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const ref = controllerRefOf(pod);
    const refChanged = oldRef?.uid !== ref?.uid;
    if (refChanged && oldRef !== undefined) {
      const prev = this.resolve(old);
      if (prev !== undefined) this.queue.add(keyOf(prev));
    }
    if (ref !== undefined) {
      const rs = this.resolve(pod);
      if (rs === undefined) return;
      this.queue.add(keyOf(rs));
      // Requeue once the pod has been ready for minReadySeconds (plus the second Kubernetes adds).
      const minReady = effectiveMinReady(this.ctx, rs.spec.minReadySeconds);
      if (minReady > 0 && podReadyCondition(old) === undefined && podReadyCondition(pod) !== undefined) {
        this.queue.addAfter(keyOf(rs), (minReady + 1) * SECOND_NS);
      }
      return;
    }
    if (labelsChanged || refChanged) this.enqueueMatching(pod);
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolve(pod);
    if (rs === undefined) return;
    this.expectations.deletionObserved(keyOf(rs), keyOf(pod));
    this.queue.add(keyOf(rs));
  }

  /** syncReplicaSet. */
  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const rs = this.replicaSets.get(namespace, name);
    if (rs === undefined) {
      this.expectations.forget(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    // The active pods it owns, then the active orphans of the namespace (FilterActivePods), claimed.
    const pods = claim<Pod>(this.ctx, 'Pod', {
      owner: rs,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'ReplicaSet',
      selector: rs.spec.selector,
      owned: this.pods.ownedBy(rs.metadata.uid),
      candidates: this.pods.orphansIn(namespace),
      accept: isActive,
    });
    let error: unknown;
    if (needsSync && !isTerminating(rs)) {
      try {
        this.manageReplicas(key, rs, pods);
      } catch (e) {
        error = e;
      }
    }
    const minReady = effectiveMinReady(this.ctx, rs.spec.minReadySeconds);
    const status = replicaSetStatus(rs, pods, this.ctx.sim.now, minReady);
    // The status subresource reads the object's identity and its status, nothing else: no copy of the
    // whole ReplicaSet. No resourceVersion (the last write wins), the uid as a precondition.
    const { name: rsName, namespace: rsNamespace, uid } = rs.metadata;
    this.ctx.store.updateStatus({
      apiVersion: rs.apiVersion,
      kind: rs.kind,
      metadata: { name: rsName, namespace: rsNamespace, uid },
      status,
    });
    const replicas = rs.spec.replicas ?? 1;
    const wait = nextAvailableIn(pods, minReady, this.ctx.sim.now);
    if (
      error === undefined &&
      wait !== undefined &&
      (status.readyReplicas ?? 0) === replicas &&
      (status.availableReplicas ?? 0) !== replicas
    ) {
      this.queue.addAfter(key, wait);
    }
    if (error !== undefined) throw error;
  }

  /** manageReplicas: create or delete the difference, recording what the informer should show next. */
  private manageReplicas(key: string, rs: ReplicaSet, pods: readonly Pod[]): void {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expect(key, n);
      const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet');
      const pod = podFromTemplate(rs.spec.template, rs, ref, { generateName: `${rs.metadata.name}-` });
      for (let i = 0; i < n; i++) {
        try {
          this.ctx.store.create(pod);
        } catch (e) {
          // slowStartBatch stops at the first error; the creations not made will not be observed.
          for (let j = i; j < n; j++) this.expectations.creationObserved(key);
          throw e;
        }
      }
    } else if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods, this.relatedPods(rs), n, this.ctx.sim.now);
      this.expectations.expect(key, 0, victims.map(keyOf));
      for (const pod of victims) {
        try {
          deletePod(this.ctx, pod);
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(pod));
          if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
        }
      }
    }
  }

  /** getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller (its Deployment). */
  private relatedPods(rs: ReplicaSet): readonly Pod[] {
    const owner = controllerRefOf(rs);
    if (owner === undefined) return this.pods.ownedBy(rs.metadata.uid);
    const out: Pod[] = [];
    for (const other of this.replicaSets.list()) {
      if (other.metadata.namespace !== rs.metadata.namespace) continue;
      if (controllerRefOf(other)?.uid !== owner.uid) continue;
      out.push(...this.pods.ownedBy(other.metadata.uid));
    }
    return out;
  }
}

/** isPodActive for claim's filter (which is handed any object of the kind it claims: pods here). */
function isActive(obj: KubeObject): boolean {
  return isPodActive(obj as Pod);
}

/** calculateStatus (replica_set_utils.go). */
export function replicaSetStatus(
  rs: ReplicaSet,
  pods: readonly Pod[],
  now: number,
  minReady = rs.spec.minReadySeconds ?? 0,
): ReplicaSetStatusApi {
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const templateKeys = Object.keys(templateLabels);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i] as Pod;
    if (hasLabels(pod.metadata.labels ?? {}, templateLabels, templateKeys)) fullyLabeled++;
    const readyCond = podReadyCondition(pod);
    if (readyCond !== undefined) {
      ready++;
      if (readyForLongEnough(readyCond, minReady, now)) available++;
    }
  }
  // replicas is always written; the other counters are omitempty in apps/v1.
  const status: { -readonly [K in keyof ReplicaSetStatusApi]: ReplicaSetStatusApi[K] } = {
    replicas: pods.length,
  };
  if (fullyLabeled > 0) status.fullyLabeledReplicas = fullyLabeled;
  if (ready > 0) status.readyReplicas = ready;
  if (available > 0) status.availableReplicas = available;
  status.observedGeneration = rs.metadata.generation;
  return status;
}

/** Every label of `want` (whose keys are `keys`) is on `labels` with its value. */
function hasLabels(
  labels: Readonly<Record<string, string>>,
  want: Readonly<Record<string, string>>,
  keys: readonly string[],
): boolean {
  // A pod made from the template shares the template's frozen labels object.
  if (labels === want) return true;
  for (const k of keys) if (labels[k] !== want[k]) return false;
  return true;
}
