/**
 * The DaemonSet controller (pkg/controller/daemon): one pod per node that should run it. Pods are not
 * bound here: each carries the DaemonSet's tolerations and a required node affinity `metadata.name In
 * [node]`, and the default scheduler binds it. A template change rolls out with maxSurge 0: old pods are
 * deleted while fewer than maxUnavailable (default 1) nodes are unavailable, and the manage loop creates
 * the new pod once the old one is gone. Creations and deletions are tracked with expectations.
 */

import type { ControlPlaneContext, DaemonSet, DaemonSetStatusApi, Node, Pod } from '../api/index.js';
import { CONTROLLER_REVISION_HASH_LABEL, isPodReady } from '../api/index.js';
import { compileSelector, StatusError } from '../store/index.js';
import { claim } from './claim.js';
import {
  nodeShouldRunDaemonPod,
  pinnedToNode,
  targetNodeName,
  withDaemonTolerations,
} from './daemonset-util.js';
import { scaledValue } from './deployment-util.js';
import { ControllerExpectations } from './expectations.js';
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

/** DaemonSetStatus as written, with numberUnavailable (omitempty like the other optional counters). */
export interface DaemonSetStatusOut extends DaemonSetStatusApi {
  readonly numberUnavailable?: number;
}

/** kube-controller-manager's DaemonSet controller. */
export class DaemonSetController {
  private readonly queue: WorkQueue;
  private readonly expectations: ControllerExpectations;
  private readonly daemonSets;
  private readonly pods;
  private readonly nodes;

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly informers: SharedInformers = new SharedInformers(ctx),
  ) {
    this.queue = new WorkQueue(ctx, (key) => this.sync(key));
    this.expectations = new ControllerExpectations(ctx.sim);
    this.daemonSets = informers.for<DaemonSet>('DaemonSet');
    this.pods = informers.for<Pod>('Pod');
    this.nodes = informers.for<Node>('Node');
    this.daemonSets.addHandlers({
      onAdd: (ds) => this.queue.add(keyOf(ds)),
      onUpdate: (_o, ds) => this.queue.add(keyOf(ds)),
      onDelete: (ds) => {
        this.expectations.forget(keyOf(ds));
        this.queue.add(keyOf(ds));
      },
    });
    this.nodes.addHandlers({
      onAdd: () => this.enqueueAll(),
      onUpdate: (old, node) => {
        for (const ds of this.daemonSets.list()) {
          const a = nodeShouldRunDaemonPod(old, ds);
          const b = nodeShouldRunDaemonPod(node, ds);
          if (a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning) {
            this.queue.add(keyOf(ds));
          }
        }
      },
      onDelete: () => this.enqueueAll(),
    });
    this.pods.addHandlers({
      onAdd: (pod) => (isTerminating(pod) ? this.podGone(pod) : this.podSeen(pod, true)),
      onUpdate: (old, pod) => {
        if (isTerminating(pod)) this.podGone(pod);
        else if (controllerRefOf(old)?.uid !== controllerRefOf(pod)?.uid) {
          this.podSeen(old, false);
          this.podSeen(pod, false);
        } else this.podSeen(pod, false);
      },
      onDelete: (pod) => this.podGone(pod),
    });
  }

  start(): this {
    this.informers.start();
    return this;
  }

  stop(): void {
    this.queue.stop();
  }

  private enqueueAll(): void {
    for (const ds of this.daemonSets.list()) this.queue.add(keyOf(ds));
  }

  private resolve(pod: Pod): DaemonSet | undefined {
    return resolveControllerRef(pod, 'DaemonSet', this.daemonSets);
  }

  private podSeen(pod: Pod, added: boolean): void {
    if (controllerRefOf(pod) === undefined) {
      for (const ds of this.daemonSets.list()) {
        if (ds.metadata.namespace !== pod.metadata.namespace) continue;
        if (compileSelector(ds.spec.selector)(pod.metadata.labels)) this.queue.add(keyOf(ds));
      }
      return;
    }
    const ds = this.resolve(pod);
    if (ds === undefined) return;
    if (added) this.expectations.creationObserved(keyOf(ds));
    this.queue.add(keyOf(ds));
  }

  private podGone(pod: Pod): void {
    const ds = this.resolve(pod);
    if (ds === undefined) return;
    this.expectations.deletionObserved(keyOf(ds), keyOf(pod));
    this.queue.add(keyOf(ds));
  }

  /** getNodesToDaemonPods: claimed pods by the node they are meant for (finished+deleted ones left out). */
  private nodesToPods(ds: DaemonSet): Map<string, Pod[]> {
    const pods = claim<Pod>(this.ctx, 'Pod', {
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector: ds.spec.selector,
      candidates: [...this.pods.ownedBy(ds.metadata.uid), ...this.pods.orphansIn(ds.metadata.namespace)],
    });
    const map = new Map<string, Pod[]>();
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (isTerminating(pod) && (phase === 'Succeeded' || phase === 'Failed')) continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      map.set(node, [...(map.get(node) ?? []), pod]);
    }
    for (const list of map.values()) list.sort(byCreationScheduledFirst);
    return map;
  }

  /** syncDaemonSet. */
  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const ds = this.daemonSets.get(namespace, name);
    if (ds === undefined) {
      this.expectations.forget(key);
      return;
    }
    const nodes = this.nodes.list();
    const hash = computeHash(ds.spec.template);
    if (!isTerminating(ds) && this.expectations.satisfied(key)) {
      this.manage(key, ds, nodes, hash);
      if (
        this.expectations.satisfied(key) &&
        (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate'
      ) {
        this.rollingUpdate(key, ds, nodes, hash);
      }
    }
    this.updateStatus(key, ds, nodes, hash);
  }

  /** manage + podsShouldBeOnNode: which nodes need a pod, which pods must go. */
  private manage(key: string, ds: DaemonSet, nodes: readonly Node[], hash: string): void {
    const byNode = this.nodesToPods(ds);
    const create: string[] = [];
    const remove: Pod[] = [];
    const forceRemove: Pod[] = [];
    for (const node of nodes) {
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata.name) ?? [];
      if (shouldRun && pods.length === 0) {
        create.push(node.metadata.name);
      } else if (shouldContinueRunning) {
        const running = pods.filter((p) => !isTerminating(p));
        for (const p of running) if (p.status?.phase === 'Failed') remove.push(p);
        const alive = running.filter((p) => p.status?.phase !== 'Failed');
        // More than one: keep the oldest (podByCreationTimestampAndPhase).
        remove.push(...alive.slice(1));
      } else {
        remove.push(...pods.filter((p) => !isTerminating(p)));
      }
    }
    // Pods meant for nodes that no longer exist: the DaemonSet controller deletes the unscheduled ones
    // (getUnscheduledPodsWithoutNode), the pod GC force-deletes the bound ones (gcOrphaned); both here.
    const names = new Set(nodes.map((n) => n.metadata.name));
    for (const [node, pods] of byNode) {
      if (names.has(node)) continue;
      for (const p of pods) ((p.spec.nodeName ?? '') === '' ? remove : forceRemove).push(p);
    }
    this.syncNodes(key, ds, create, remove, forceRemove, hash);
  }

  /** syncNodes: create the pods pinned to their nodes, delete the others. */
  private syncNodes(
    key: string,
    ds: DaemonSet,
    create: readonly string[],
    remove: readonly Pod[],
    forceRemove: readonly Pod[],
    hash: string,
  ): void {
    if (create.length === 0 && remove.length === 0 && forceRemove.length === 0) return;
    const gone = [...remove, ...forceRemove].filter((p) => !isTerminating(p) || forceRemove.includes(p));
    this.expectations.expect(key, create.length, gone.map(keyOf));
    const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet');
    const t = ds.spec.template;
    const labels = { ...t.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash };
    const base = withDaemonTolerations(t.spec);
    for (let i = 0; i < create.length; i++) {
      const node = create[i] ?? '';
      const template = {
        metadata: { ...t.metadata, labels },
        spec: { ...base, affinity: pinnedToNode(base.affinity, node) },
      };
      try {
        this.ctx.store.create(podFromTemplate(template, ds, ref, { generateName: `${ds.metadata.name}-` }));
      } catch (e) {
        for (let j = i; j < create.length; j++) this.expectations.creationObserved(key);
        throw e;
      }
    }
    for (const pod of gone) {
      try {
        if (forceRemove.includes(pod)) {
          this.ctx.store.delete('Pod', pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0 });
        } else {
          deletePod(this.ctx, pod);
        }
      } catch (e) {
        this.expectations.deletionObserved(key, keyOf(pod));
        if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
      }
    }
  }

  /**
   * rollingUpdate with maxSurge 0: nodes without exactly one usable pod and new pods not yet available
   * count as unavailable; old pods that are not available are replaced at once, available ones while the
   * count stays under maxUnavailable (a percentage of desiredNumberScheduled, rounded up).
   */
  private rollingUpdate(key: string, ds: DaemonSet, nodes: readonly Node[], hash: string): void {
    const byNode = this.nodesToPods(ds);
    const wanted = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).map((n) => n.metadata.name);
    for (const n of wanted) if (!byNode.has(n)) byNode.set(n, []);
    const ru = ds.spec.updateStrategy?.rollingUpdate;
    let maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, wanted.length, true);
    const maxSurge = scaledValue(ru?.maxSurge ?? 0, wanted.length, true);
    if (wanted.length > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    const now = this.ctx.sim.now;
    const minReady = effectiveMinReady(this.ctx, ds.spec.minReadySeconds);
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of [...byNode.keys()].sort()) {
      const live = (byNode.get(node) ?? []).filter((p) => !isTerminating(p));
      const fresh = live.filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash);
      const old = live.filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== hash);
      if (fresh.length > 1 || old.length > 1 || fresh.length === old.length) {
        unavailable++; // findUpdatedPodsOnNode not ok, or none / both: left to manage
      } else if (fresh[0] !== undefined) {
        if (!isPodAvailable(fresh[0], minReady, now)) unavailable++;
      } else if (old[0] !== undefined) {
        if (!isPodAvailable(old[0], minReady, now)) replace.push(old[0]);
        else if (unavailable < maxUnavailable) candidates.push(old[0]);
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    this.syncNodes(key, ds, [], [...replace, ...candidates.slice(0, room)], [], hash);
  }

  /** updateDaemonSetStatus. */
  private updateStatus(key: string, ds: DaemonSet, nodes: readonly Node[], hash: string): void {
    const byNode = this.nodesToPods(ds);
    const now = this.ctx.sim.now;
    const minReady = effectiveMinReady(this.ctx, ds.spec.minReadySeconds);
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pod = byNode.get(node.metadata.name)?.[0];
      if (!shouldRun) {
        if (pod !== undefined) misscheduled++;
        continue;
      }
      desired++;
      if (pod === undefined) continue;
      current++;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) updated++;
    }
    const status: DaemonSetStatusOut = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      ...(updated > 0 ? { updatedNumberScheduled: updated } : {}),
      ...(available > 0 ? { numberAvailable: available } : {}),
      ...(desired - available > 0 ? { numberUnavailable: desired - available } : {}),
    };
    this.ctx.store.updateStatus({ ...ds, metadata: { ...ds.metadata, resourceVersion: '' }, status });
    const wait = nextAvailableIn(
      [...byNode.values()].flatMap((pods) => pods.slice(0, 1)),
      minReady,
      now,
    );
    if (ready !== available && wait !== undefined) this.queue.addAfter(key, wait);
  }
}

/** podByCreationTimestampAndPhase: bound pods first, then older first, then by name. */
function byCreationScheduledFirst(a: Pod, b: Pod): number {
  const sa = (a.spec.nodeName ?? '') !== '';
  const sb = (b.spec.nodeName ?? '') !== '';
  if (sa !== sb) return sa ? -1 : 1;
  const t = a.metadata.creationTimestamp - b.metadata.creationTimestamp;
  if (t !== 0) return t;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}
