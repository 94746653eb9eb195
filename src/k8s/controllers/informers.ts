/**
 * Shared informers (client-go SharedInformerFactory): one list+watch per kind for all the workload
 * controllers, fanned out to each controller's handlers, with the two indexes the controllers look pods
 * up by — the controller owner's uid (what a ReplicaSet owns) and the orphans of a namespace (what it may
 * adopt). Every read is of the cache, so it lags the store by the watch delay, as a lister does.
 */

import type { ControlPlaneContext } from '../api/index.js';
import { type IndexFunc, Informer, type InformerHandlers, type KubeObject } from '../store/index.js';

/** One kind's informer, shared by several controllers, with owner and orphan indexes. */
export class SharedInformer<O extends KubeObject = KubeObject> {
  private readonly informer: Informer<O>;
  private started = false;

  constructor(ctx: ControlPlaneContext, kind: string) {
    this.informer = new Informer<O>(ctx.store, ctx.sim, kind, {
      delayNs: ctx.watchDelay,
      indexers: {
        [OWNER]: (o) => {
          const uid = controllerUid(o);
          return uid === undefined ? [] : [uid];
        },
        [ORPHAN]: (o) => (controllerUid(o) === undefined ? [o.metadata.namespace ?? ''] : []),
      },
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
   * (deterministic; not sorted, as a namespace may hold many bare pods and every sync reads this).
   */
  orphansIn(namespace: string | undefined): O[] {
    return this.informer.indexed(ORPHAN, namespace ?? '');
  }
}

const OWNER = 'owner';
const ORPHAN = 'orphan';

function controllerUid(o: KubeObject): string | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
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
