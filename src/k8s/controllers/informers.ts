/**
 * Shared informers (client-go SharedInformerFactory): one list+watch per kind for all the workload
 * controllers, fanned out to each controller's handlers, with the two indexes the controllers look pods
 * up by — the controller owner's uid (what a ReplicaSet owns) and the orphans of a namespace (what it may
 * adopt). Every read is of the cache, so it lags the store by the watch delay, as a lister does.
 */

import type { ControlPlaneContext } from '../api/index.js';
import { type IndexFunc, Informer, type InformerHandlers, type KubeObject } from '../store/index.js';
import { controllerRefOf } from './pods.js';

/** One kind's informer, shared by several controllers, with owner and orphan indexes. */
export class SharedInformer<O extends KubeObject = KubeObject> {
  private readonly informer: Informer<O>;
  private started = false;
  /** orphansIn's arrival-order copy per namespace, with the byIndex list it was made for. */
  private readonly orphans = new Map<string, { version: readonly O[]; items: readonly O[] }>();

  constructor(ctx: ControlPlaneContext, kind: string) {
    this.informer = new Informer<O>(ctx.store, ctx.sim, kind, {
      delayNs: ctx.watchDelay,
      indexers: { [OWNER]: ownerIndex, [ORPHAN]: orphanIndex },
    });
  }

  /** Adds a listener; it sees every later event (and the initial list if added before it arrives). */
  addHandlers(h: InformerHandlers<O>): void {
    this.informer.addHandlers(h);
  }

  /** Removes a listener (its controller stopped; the informer goes on for the others). */
  removeHandlers(h: InformerHandlers<O>): void {
    this.informer.removeHandlers(h);
  }

  /** Whether some controller has added index `name`. */
  hasIndex(name: string): boolean {
    return this.informer.hasIndex(name);
  }

  /** A controller's own indexes (before the informer starts). */
  addIndexers(indexers: Readonly<Record<string, IndexFunc<O>>>): void {
    this.informer.addIndexers(indexers);
  }

  /** Starts the list and watch; later calls do nothing (every user starts it, the first one counts). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }

  get hasSynced(): boolean {
    return this.informer.hasSynced;
  }

  /** Cached objects filed under `value` in the controller's index `name`, sorted by key. */
  byIndex(name: string, value: string): readonly O[] {
    return this.informer.byIndex(name, value);
  }

  get(namespace: string | undefined, name: string): O | undefined {
    return this.informer.get(namespace, name);
  }

  /** Every cached object, sorted by namespace/name. */
  list(): readonly O[] {
    return this.informer.list();
  }

  /** Cached objects whose controller reference names `uid`, sorted by key. */
  ownedBy(uid: string): readonly O[] {
    return this.informer.byIndex(OWNER, uid);
  }

  /**
   * Cached objects of `namespace` with no controller reference, in the order the cache received them
   * (deterministic; not sorted, as a namespace may hold many bare pods and every sync reads this). A
   * shared array, kept while the orphans stay the same: do not modify it.
   */
  orphansIn(namespace: string | undefined): readonly O[] {
    const ns = namespace ?? '';
    // byIndex is a shared array while the bucket is unchanged (and the empty one when there is none):
    // it tells, without a copy, whether the arrival-order copy made last time still holds.
    const version = this.informer.byIndex(ORPHAN, ns);
    if (version.length === 0) {
      if (this.orphans.size > 0) this.orphans.delete(ns);
      return version;
    }
    let cached = this.orphans.get(ns);
    if (cached?.version !== version) {
      cached = { version, items: this.informer.indexed(ORPHAN, ns) };
      this.orphans.set(ns, cached);
    }
    return cached.items;
  }
}

const OWNER = 'owner';
const ORPHAN = 'orphan';
const NONE: readonly string[] = Object.freeze([]);

/**
 * The owner index value of an object, `[uid]` of its controller reference. The one-element list is
 * remembered per (frozen, shared across writes) reference: the index runs on every write of every pod.
 */
const ownerValues = new WeakMap<object, readonly string[]>();
function ownerIndex(o: KubeObject): readonly string[] {
  const ref = controllerRefOf(o);
  if (ref === undefined) return NONE;
  let values = ownerValues.get(ref);
  if (values === undefined) {
    values = Object.freeze([ref.uid]);
    if (Object.isFrozen(ref)) ownerValues.set(ref, values);
  }
  return values;
}

/** The orphan index value, `[namespace]` of an object with no controller; one list per namespace. */
const namespaceValues = new Map<string, readonly string[]>();
function orphanIndex(o: KubeObject): readonly string[] {
  if (controllerRefOf(o) !== undefined) return NONE;
  const ns = o.metadata.namespace ?? '';
  let values = namespaceValues.get(ns);
  if (values === undefined) {
    values = Object.freeze([ns]);
    namespaceValues.set(ns, values);
  }
  return values;
}

/** One shared informer per kind, created on first use and started with the group. */
export class SharedInformers {
  private readonly byKind = new Map<string, SharedInformer>();
  private started = false;

  constructor(private readonly ctx: ControlPlaneContext) {}

  for<O extends KubeObject>(kind: string): SharedInformer<O> {
    let inf = this.byKind.get(kind);
    if (inf === undefined) {
      inf = new SharedInformer(this.ctx, kind);
      this.byKind.set(kind, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as SharedInformer<O>;
  }

  start(): void {
    this.started = true;
    for (const inf of this.byKind.values()) inf.start();
  }

  stop(): void {
    for (const inf of this.byKind.values()) inf.stop();
  }
}
