/**
 * The garbage collector (pkg/controller/garbagecollector), background propagation only: when an owner
 * is deleted, each dependent naming it in metadata.ownerReferences is looked at (attemptToDeleteItem).
 * Owners are checked against the API server, not a cache (the collector does a live GET): a dependent
 * whose owners are all gone is deleted — a pod with its grace period — and one that still has a live
 * owner only loses the references to the dead ones. A dependent created with an owner already gone is
 * collected the same way. Only references to the owner kinds the collector watches are judged; one to any
 * other kind counts as alive (the real collector cannot resolve a kind it has no informer for and leaves
 * the dependent alone). Foreground deletion and orphaning (finalizers) are not modelled.
 */

import type { ControlPlaneContext, Pod } from '../api/index.js';
import { type KubeObject, type OwnerReference, StatusError } from '../store/index.js';
import { SharedInformers } from './informers.js';
import { deletePod, isTerminating } from './pods.js';
import { keyOf, splitKey, WorkQueue } from './queue.js';

export interface GarbageCollectorOptions {
  /** Kinds whose deletion cascades (default Deployment, ReplicaSet, DaemonSet, StatefulSet). */
  readonly ownerKinds?: readonly string[];
  /** Kinds that are collected (default Pod, ReplicaSet). */
  readonly dependentKinds?: readonly string[];
}

/** kube-controller-manager's garbage collector for the workload kinds (background propagation). */
export class GarbageCollector {
  private readonly queue: WorkQueue;
  /** Owner uid → dependents, as `kind|namespace/name`. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly ownerKinds: ReadonlySet<string>;

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly informers: SharedInformers = new SharedInformers(ctx),
    options: GarbageCollectorOptions = {},
  ) {
    this.queue = new WorkQueue(ctx, (key) => this.attemptToDelete(key));
    this.ownerKinds = new Set(options.ownerKinds ?? ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']);
    for (const kind of options.dependentKinds ?? ['Pod', 'ReplicaSet']) {
      informers.for(kind).addHandlers({
        onAdd: (o) => this.track(kind, undefined, o),
        onUpdate: (old, o) => this.track(kind, old, o),
        onDelete: (o) => this.untrack(kind, o),
      });
    }
    for (const kind of this.ownerKinds) {
      informers.for(kind).addHandlers({ onDelete: (o) => this.ownerDeleted(o) });
    }
  }

  start(): this {
    this.informers.start();
    return this;
  }

  stop(): void {
    this.queue.stop();
  }

  private track(kind: string, old: KubeObject | undefined, o: KubeObject): void {
    // An update that leaves the owner references as they were (the stored objects share the frozen
    // array) changes nothing in the graph: processGraphChanges acts only on reference diffs.
    if (old !== undefined && old.metadata.ownerReferences === o.metadata.ownerReferences) return;
    if (old !== undefined) this.untrack(kind, old);
    const key = `${kind}|${keyOf(o)}`;
    const refs = o.metadata.ownerReferences ?? [];
    for (const r of refs) {
      let set = this.dependents.get(r.uid);
      if (set === undefined) {
        set = new Set();
        this.dependents.set(r.uid, set);
      }
      set.add(key);
    }
    // The graph builder checks a new dependent's owners: one may already be gone.
    if (refs.length > 0 && !isTerminating(o) && refs.some((r) => !this.ownerExists(o, r)))
      this.queue.add(key);
  }

  private untrack(kind: string, o: KubeObject): void {
    const key = `${kind}|${keyOf(o)}`;
    for (const r of o.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(r.uid);
      set?.delete(key);
      if (set !== undefined && set.size === 0) this.dependents.delete(r.uid);
    }
  }

  private ownerDeleted(owner: KubeObject): void {
    for (const key of [...(this.dependents.get(owner.metadata.uid) ?? [])].sort()) this.queue.add(key);
  }

  /** A live lookup of the owner a reference names, in the dependent's namespace, by uid. */
  private ownerExists(dependent: KubeObject, r: OwnerReference): boolean {
    if (!this.ownerKinds.has(r.kind)) return true;
    const owner = this.ctx.store.tryGet(r.kind, dependent.metadata.namespace, r.name);
    return owner !== undefined && owner.metadata.uid === r.uid;
  }

  private attemptToDelete(key: string): void {
    const bar = key.indexOf('|');
    const kind = key.slice(0, bar);
    const { namespace, name } = splitKey(key.slice(bar + 1));
    const live = this.ctx.store.tryGet(kind, namespace, name);
    if (live === undefined || isTerminating(live)) return;
    const refs = live.metadata.ownerReferences ?? [];
    const dangling = refs.filter((r) => !this.ownerExists(live, r));
    if (dangling.length === 0) return;
    try {
      if (dangling.length < refs.length) {
        // Some owner is alive: only the references to the dead ones go (patch ownerReferences).
        const keep = refs.filter((r) => !dangling.includes(r));
        this.ctx.store.update({
          ...live,
          metadata: { ...live.metadata, resourceVersion: '', ownerReferences: keep },
        });
      } else if (kind === 'Pod') {
        deletePod(this.ctx, live as Pod);
      } else {
        this.ctx.store.delete(kind, namespace, name, { resourceVersion: live.metadata.resourceVersion });
      }
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    }
  }
}
