/**
 * A shared-informer-like helper (client-go tools/cache): lists a kind, then watches from the list's
 * resourceVersion, and keeps a local cache a component reads instead of the store. The cache lags the
 * store by the informer's delay — the initial list and every event arrive through the event queue — so
 * a component sees exactly what it would have been told by then.
 */

import type { Sim } from '../../sim/index.js';
import type { ApiStore, ListOptions } from './store.js';
import type { KubeObject } from './types.js';
import type { DeliveryOptions, Watch, WatchEvent } from './watch.js';

export interface InformerHandlers<O extends KubeObject> {
  readonly onAdd?: (obj: O) => void;
  readonly onUpdate?: (oldObj: O, newObj: O) => void;
  readonly onDelete?: (obj: O) => void;
}

export class Informer<O extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, O>();
  private watchHandle: Watch | undefined;
  private synced = false;

  constructor(
    private readonly store: ApiStore,
    private readonly sim: Sim,
    readonly kind: string,
    private readonly options: ListOptions &
      DeliveryOptions & { readonly handlers?: InformerHandlers<O> } = {},
  ) {}

  /** Lists and starts watching; the listed objects reach the cache (and onAdd) after the delay. */
  start(): this {
    if (this.watchHandle !== undefined) return this;
    const listed = this.store.list<O>(this.kind, this.options);
    // Scheduled before the watch exists, so it runs before any watch event (FIFO at equal times).
    const d = this.options.delayNs ?? 0;
    this.sim.after(
      typeof d === 'number' ? d : d(),
      (items: readonly O[]) => this.replace(items),
      listed.items,
    );
    this.watchHandle = this.store.watch<O>(
      this.kind,
      { ...this.options, resourceVersion: listed.resourceVersion },
      (e) => this.apply(e),
      { delayNs: this.options.delayNs ?? 0 },
    );
    return this;
  }

  stop(): void {
    this.watchHandle?.stop();
  }

  /** True once the initial list has reached the cache (cache.WaitForCacheSync). */
  get hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string | undefined, name: string): O | undefined {
    return this.cache.get(namespace === undefined ? name : `${namespace}/${name}`);
  }

  /** The cached objects, sorted by namespace/name. */
  list(): O[] {
    return [...this.cache.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map((e) => e[1]);
  }

  get size(): number {
    return this.cache.size;
  }

  private replace(items: readonly O[]): void {
    if (this.watchHandle?.stopped) return;
    for (const obj of items) {
      this.cache.set(keyOf(obj), obj);
      this.options.handlers?.onAdd?.(obj);
    }
    this.synced = true;
  }

  private apply(e: WatchEvent<O>): void {
    const key = keyOf(e.object);
    const old = this.cache.get(key);
    const h = this.options.handlers;
    if (e.type === 'DELETED') {
      this.cache.delete(key);
      h?.onDelete?.(e.object);
    } else {
      this.cache.set(key, e.object);
      if (old === undefined) h?.onAdd?.(e.object);
      else h?.onUpdate?.(old, e.object);
    }
  }
}

function keyOf(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns === undefined ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
}
