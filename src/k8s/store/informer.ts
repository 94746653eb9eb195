/**
 * A shared-informer-like helper (client-go tools/cache): lists a kind, then watches from the list's
 * resourceVersion, and keeps a local cache a component reads instead of the store. The cache lags the
 * store by the informer's delay — the initial list and every event arrive through the event queue — so
 * a component sees exactly what it would have been told by then. Indexers (cache.Indexers) keep named
 * secondary keys — a pod's node, its labels — so a component looks objects up without scanning the cache.
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

/** An index function (cache.IndexFunc): the values an object is filed under in one index. */
export type IndexFunc<O extends KubeObject> = (obj: O) => readonly string[];

export interface InformerOptions<O extends KubeObject> extends ListOptions, DeliveryOptions {
  readonly handlers?: InformerHandlers<O>;
  /** Named indexes, kept up to date before any handler runs. */
  readonly indexers?: Readonly<Record<string, IndexFunc<O>>>;
}

export class Informer<O extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, O>();
  /** list()'s answer, kept until the cache changes (components read it far more often than it changes). */
  private sorted: O[] | undefined;
  /** index name → value → the objects filed there. */
  private readonly indices = new Map<string, Map<string, Bucket<O>>>();
  /** The index functions and their indices in one order, for the write path (no Map iterators). */
  private readonly indexFns: IndexFunc<O>[] = [];
  private readonly indexMaps: Map<string, Bucket<O>>[] = [];
  /** Every component's handlers, called in the order added (a shared informer fans out to several). */
  private readonly listeners: InformerHandlers<O>[] = [];
  private watchHandle: Watch | undefined;
  private synced = false;

  constructor(
    private readonly store: ApiStore,
    private readonly sim: Sim,
    readonly kind: string,
    private readonly options: InformerOptions<O> = {},
  ) {
    this.addIndexers(options.indexers ?? {});
    if (options.handlers !== undefined) this.listeners.push(options.handlers);
  }

  /**
   * More indexes (SharedIndexInformer.AddIndexers): only before start, as every object is filed as it
   * arrives.
   */
  addIndexers(indexers: Readonly<Record<string, IndexFunc<O>>>): void {
    if (this.watchHandle !== undefined) throw new Error(`informer ${this.kind}: indexers added after start`);
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indices.has(name)) throw new Error(`informer ${this.kind}: index ${name} exists`);
      const index = new Map<string, Bucket<O>>();
      this.indices.set(name, index);
      this.indexFns.push(fn);
      this.indexMaps.push(index);
    }
  }

  hasIndex(name: string): boolean {
    return this.indices.has(name);
  }

  /**
   * Another component's handlers (AddEventHandler): they see every later event, after the handlers
   * added before. Added once the initial list has arrived, they are first told of every cached object
   * as an add, through the event queue, as client-go's listener starts with the store's contents.
   */
  addHandlers(h: InformerHandlers<O>): void {
    if (this.listeners.includes(h)) return;
    this.listeners.push(h);
    if (this.synced && h.onAdd !== undefined) {
      const onAdd = h.onAdd;
      this.sim.after(
        0,
        (items: readonly O[]) => {
          for (const o of items) onAdd(o);
        },
        this.list(),
      );
    }
  }

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

  /** Removes handlers added before: a component stopping while the informer serves others. */
  removeHandlers(h: InformerHandlers<O>): void {
    const i = this.listeners.indexOf(h);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** True once the initial list has reached the cache (cache.WaitForCacheSync). */
  get hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string | undefined, name: string): O | undefined {
    return this.cache.get(namespace === undefined ? name : `${namespace}/${name}`);
  }

  /** The cached objects, sorted by namespace/name (a shared array: do not modify it). */
  list(): readonly O[] {
    this.sorted ??= sortedByKey(this.cache);
    return this.sorted;
  }

  /**
   * The cached objects filed under `value` in index `name` (cache.ByIndex), sorted by namespace/name: a
   * shared array, kept until that bucket changes (do not modify it).
   */
  byIndex(name: string, value: string): readonly O[] {
    const index = this.indices.get(name);
    if (index === undefined) throw new RangeError(`informer ${this.kind}: no index ${JSON.stringify(name)}`);
    const bucket = index.get(value);
    if (bucket === undefined) return NONE as readonly O[];
    bucket.sorted ??= sortedByKey(bucket.items);
    return bucket.sorted;
  }

  /** The same objects as byIndex, in the order the cache received them (no sort, for large buckets). */
  indexed(name: string, value: string): O[] {
    const index = this.indices.get(name);
    if (index === undefined) throw new RangeError(`informer ${this.kind}: no index ${JSON.stringify(name)}`);
    return [...(index.get(value)?.items.values() ?? [])];
  }

  get size(): number {
    return this.cache.size;
  }

  private replace(items: readonly O[]): void {
    if (this.watchHandle?.stopped) return;
    for (const obj of items) {
      this.put(keyOf(obj), obj);
      for (const l of this.listeners) l.onAdd?.(obj);
    }
    this.synced = true;
  }

  private apply(e: WatchEvent<O>): void {
    const key = e.key ?? keyOf(e.object);
    const old = this.cache.get(key);
    // Indexed loops: this runs for every event of every informer, and iterator objects add up.
    const ls = this.listeners;
    if (e.type === 'DELETED') {
      this.remove(key);
      for (let i = 0; i < ls.length; i++) ls[i]?.onDelete?.(e.object);
    } else {
      this.put(key, e.object);
      if (old === undefined) for (let i = 0; i < ls.length; i++) ls[i]?.onAdd?.(e.object);
      else for (let i = 0; i < ls.length; i++) ls[i]?.onUpdate?.(old, e.object);
    }
  }

  /**
   * Files `obj` under `key`, taking the version it replaces out of its buckets first; an index
   * function's values for the old version are computed again (cache.updateIndices does the same) rather
   * than kept per object and index. The cache entry is overwritten in place: a delete and re-insert of a
   * key of a large Map leaves a hole each time, and the holes make the Map rehash its whole table over
   * and over (every pod is written several times). Buckets are refiled, so an updated object moves to
   * the end of its bucket's arrival order (`indexed`).
   */
  private put(key: string, obj: O): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    this.sorted = undefined;
    const fns = this.indexFns;
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i] as IndexFunc<O>;
      const index = this.indexMaps[i] as Map<string, Bucket<O>>;
      const values = fn(obj);
      const before = old === undefined ? NONE : fn(old);
      // Buckets the object leaves; a bucket it stays in has its sorted list patched below.
      for (let v = 0; v < before.length; v++) {
        if (!values.includes(before[v] as string)) unfile(index, key, before[v] as string);
      }
      for (let v = 0; v < values.length; v++) {
        const value = values[v] as string;
        let bucket = index.get(value);
        if (bucket === undefined) {
          bucket = { items: new Map(), sorted: undefined };
          index.set(value, bucket);
        }
        const stays = old !== undefined && before.includes(value);
        bucket.items.delete(key); // to the end of the arrival order
        bucket.items.set(key, obj);
        bucket.sorted = stays ? replaced(bucket.sorted, old, obj) : undefined;
      }
    }
  }

  private remove(key: string): void {
    const old = this.cache.get(key);
    if (old === undefined) return;
    this.cache.delete(key);
    this.sorted = undefined;
    for (let i = 0; i < this.indexMaps.length; i++) {
      const index = this.indexMaps[i] as Map<string, Bucket<O>>;
      const values = (this.indexFns[i] as IndexFunc<O>)(old);
      for (let v = 0; v < values.length; v++) unfile(index, key, values[v] as string);
    }
  }
}

/** Takes `key` out of the bucket of one index value. */
function unfile<O>(index: Map<string, Bucket<O>>, key: string, value: string): void {
  const bucket = index.get(value);
  if (bucket === undefined) return;
  bucket.items.delete(key);
  bucket.sorted = undefined;
  if (bucket.items.size === 0) index.delete(value);
}

/**
 * A bucket's sorted list with one object replaced by its new version (same key, so the same place): a
 * copy, as callers may hold the old list, but no sort. Undefined when there is no list yet.
 */
function replaced<O>(sorted: readonly O[] | undefined, old: O, now: O): readonly O[] | undefined {
  if (sorted === undefined) return undefined;
  const at = sorted.indexOf(old);
  if (at < 0) return undefined;
  const out = sorted.slice();
  out[at] = now;
  return out;
}

const NONE: readonly never[] = Object.freeze([]);

/** The objects filed under one index value, and their sorted list until the next change. */
interface Bucket<O> {
  readonly items: Map<string, O>;
  sorted: readonly O[] | undefined;
}

/** The values in key order (the default sort compares UTF-16 code units, as `<` does). */
function sortedByKey<O>(m: ReadonlyMap<string, O>): O[] {
  const keys = [...m.keys()].sort();
  const out: O[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = m.get(keys[i] as string) as O;
  return out;
}

function keyOf(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns === undefined ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
}
