/**
 * The StatefulSet controller (pkg/controller/statefulset/stateful_set_control.go updateStatefulSet):
 * pods `<set>-0 … <set>-(N-1)` with stable names, hostname = pod name and subdomain = serviceName (so
 * `<pod>.<service>.<ns>.svc.cluster.local` resolves through a headless Service). OrderedReady creates
 * ordinal i only once 0…i-1 are Running and Ready, removes surplus pods from the highest ordinal one at a
 * time, waiting for each to be gone; Parallel does both at once. RollingUpdate deletes the highest
 * ordinal not at the update revision, waits for its replacement to be healthy, then goes on downwards.
 * A deleted pod is recreated under the same name once it is gone from the cache.
 */

import type { ControlPlaneContext, Pod, StatefulSet, StatefulSetStatusApi } from '../api/index.js';
import { CONTROLLER_REVISION_HASH_LABEL, isPodReady, STATEFULSET_POD_NAME_LABEL } from '../api/index.js';
import { compileSelector, type ObjectInput, StatusError } from '../store/index.js';
import { claim } from './claim.js';
import { computeHash } from './hash.js';
import { SharedInformers } from './informers.js';
import {
  controllerRefOf,
  deletePod,
  effectiveMinReady,
  isPodAvailable,
  isTerminating,
  newControllerRef,
  nextAvailableIn,
  podFromTemplate,
  resolveControllerRef,
} from './pods.js';
import { keyOf, splitKey, WorkQueue } from './queue.js';

/** apps.PodIndexLabel (v1.28+). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** One ordinal's slot: the pod as cached, or the pod to create. */
type Slot =
  | { readonly created: true; readonly pod: Pod }
  | { readonly created: false; readonly pod: ObjectInput };

/** kube-controller-manager's StatefulSet controller. */
export class StatefulSetController {
  private readonly queue: WorkQueue;
  private readonly sets;
  private readonly pods;

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly informers: SharedInformers = new SharedInformers(ctx),
  ) {
    this.queue = new WorkQueue(ctx, (key) => this.sync(key));
    this.sets = informers.for<StatefulSet>('StatefulSet');
    this.pods = informers.for<Pod>('Pod');
    this.sets.addHandlers({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.queue.add(keyOf(s)),
    });
    const onPod = (pod: Pod): void => this.enqueueFor(pod);
    this.pods.addHandlers({
      onAdd: onPod,
      onUpdate: (old, pod) => {
        if (controllerRefOf(old)?.uid !== controllerRefOf(pod)?.uid) onPod(old);
        onPod(pod);
      },
      onDelete: onPod,
    });
  }

  start(): this {
    this.informers.start();
    return this;
  }

  stop(): void {
    this.queue.stop();
  }

  private enqueueFor(pod: Pod): void {
    if (controllerRefOf(pod) !== undefined) {
      const set = resolveControllerRef(pod, 'StatefulSet', this.sets);
      if (set !== undefined) this.queue.add(keyOf(set));
      return;
    }
    for (const set of this.sets.list()) {
      if (set.metadata.namespace !== pod.metadata.namespace) continue;
      if (compileSelector(set.spec.selector)(pod.metadata.labels)) this.queue.add(keyOf(set));
    }
  }

  /** syncStatefulSet → updateStatefulSet → updateStatefulSetStatus. */
  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const set = this.sets.get(namespace, name);
    if (set === undefined) return;
    const pods = claim<Pod>(this.ctx, 'Pod', {
      owner: set,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'StatefulSet',
      selector: set.spec.selector,
      candidates: [...this.pods.ownedBy(set.metadata.uid), ...this.pods.orphansIn(namespace)],
    }).filter((p) => ordinalOf(set, p) !== undefined);
    const updateRevision = `${set.metadata.name}-${computeHash(set.spec.template)}`;
    const currentRevision = set.status?.currentRevision ?? updateRevision;
    if (!isTerminating(set)) this.update(set, pods, updateRevision);
    this.writeStatus(key, set, pods, currentRevision, updateRevision);
  }

  private update(set: StatefulSet, pods: readonly Pod[], updateRevision: string): void {
    const replicas = set.spec.replicas ?? 1;
    const monotonic = (set.spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const minReady = effectiveMinReady(this.ctx, set.spec.minReadySeconds);
    const now = this.ctx.sim.now;
    const slots: (Slot | undefined)[] = new Array(replicas).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ord = ordinalOf(set, pod) ?? -1;
      if (ord < replicas) slots[ord] = { pod, created: true };
      else condemned.push(pod);
    }
    condemned.sort((a, b) => (ordinalOf(set, b) ?? 0) - (ordinalOf(set, a) ?? 0));
    const filled: Slot[] = slots.map(
      (s, i) => s ?? { pod: this.newPod(set, i, updateRevision), created: false },
    );
    // The first unhealthy pod in ordinal order; only a condemned one matters below.
    const allHealthy = filled.every((s) => s.created && isHealthy(s.pod));
    const firstUnhealthy = allHealthy ? condemned.find((p) => !isHealthy(p)) : undefined;

    // processReplica for each ordinal, in order.
    for (let i = 0; i < filled.length; i++) {
      const slot = filled[i];
      if (slot === undefined) continue;
      if (!slot.created) {
        this.create(slot.pod);
        if (monotonic) return;
        continue;
      }
      const phase = slot.pod.status?.phase;
      if ((phase === 'Failed' || phase === 'Succeeded') && !isTerminating(slot.pod)) {
        this.remove(slot.pod);
        if (monotonic) return;
        continue;
      }
      if (monotonic) {
        if (isTerminating(slot.pod)) return;
        if (!isRunningAndReady(slot.pod)) return;
        if (!isPodAvailable(slot.pod, minReady, now)) return; // the status requeue comes back for it
      }
      this.restoreIdentity(slot.pod, i);
    }

    // processCondemned, highest ordinal first.
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && pod !== firstUnhealthy && !isRunningAndReady(pod)) return;
      if (monotonic && pod !== firstUnhealthy && !isPodAvailable(pod, minReady, now)) return;
      this.remove(pod);
      if (monotonic) return;
    }

    if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = filled.length - 1; target >= partition; target--) {
      const slot = filled[target];
      if (slot === undefined || !slot.created) return;
      const revision = slot.pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      if (revision !== updateRevision && !isTerminating(slot.pod)) {
        this.remove(slot.pod);
        return;
      }
      if (!isHealthy(slot.pod)) return;
    }
  }

  /** newStatefulSetPod: from the template, named by ordinal, with its identity and revision labels. */
  private newPod(set: StatefulSet, ordinal: number, revision: string): ObjectInput {
    const name = `${set.metadata.name}-${ordinal}`;
    const t = set.spec.template;
    const labels = {
      ...t.metadata?.labels,
      [CONTROLLER_REVISION_HASH_LABEL]: revision,
      [STATEFULSET_POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ordinal),
    };
    const template = {
      metadata: { ...t.metadata, labels },
      spec: { ...t.spec, hostname: name, subdomain: set.spec.serviceName },
    };
    return podFromTemplate(template, set, newControllerRef(set, 'apps/v1', 'StatefulSet'), { name });
  }

  /** identityMatches / updateIdentity: a pod whose pod-name or pod-index label was changed gets it back. */
  private restoreIdentity(pod: Pod, ordinal: number): void {
    const labels = pod.metadata.labels ?? {};
    const name = pod.metadata.name;
    if (labels[STATEFULSET_POD_NAME_LABEL] === name && labels[POD_INDEX_LABEL] === String(ordinal)) return;
    const fixed = { ...labels, [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) };
    try {
      this.ctx.store.update({ ...pod, metadata: { ...pod.metadata, labels: fixed } });
    } catch (e) {
      if (!(e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
    }
  }

  /**
   * CreateStatefulPod. AlreadyExists means the cache has not yet seen the old pod go (or the new one
   * come): nothing to do, the informer event that follows requeues the set.
   */
  private create(pod: ObjectInput): void {
    try {
      this.ctx.store.create(pod);
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    }
  }

  private remove(pod: Pod): void {
    try {
      deletePod(this.ctx, pod);
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    }
  }

  /** computeReplicaStatus + completeRollingUpdate. */
  private writeStatus(
    key: string,
    set: StatefulSet,
    pods: readonly Pod[],
    current: string,
    update: string,
  ): void {
    const now = this.ctx.sim.now;
    const minReady = effectiveMinReady(this.ctx, set.spec.minReadySeconds);
    let replicas = 0;
    let ready = 0;
    let available = 0;
    let currentReplicas = 0;
    let updated = 0;
    for (const pod of pods) {
      replicas++;
      if (isRunningAndReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
      if (!isTerminating(pod)) {
        const rev = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        if (rev === current) currentReplicas++;
        if (rev === update) updated++;
      }
    }
    let currentRevision = current;
    const rolling = (set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    if (rolling && updated === replicas && ready === replicas) {
      currentReplicas = updated;
      currentRevision = update;
    }
    const status: StatefulSetStatusApi = {
      observedGeneration: set.metadata.generation,
      replicas,
      ...(ready > 0 ? { readyReplicas: ready } : {}),
      ...(currentReplicas > 0 ? { currentReplicas } : {}),
      ...(updated > 0 ? { updatedReplicas: updated } : {}),
      currentRevision,
      updateRevision: update,
      availableReplicas: available,
    };
    this.ctx.store.updateStatus({ ...set, metadata: { ...set.metadata, resourceVersion: '' }, status });
    const wait = nextAvailableIn(pods, minReady, now);
    if (ready !== available && wait !== undefined) this.queue.addAfter(key, wait);
  }
}

/** getParentNameAndOrdinal: the ordinal of `<set>-<n>`, undefined for a pod not named after the set. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** isRunningAndReady. */
function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** isHealthy: running, ready and not terminating. */
function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
