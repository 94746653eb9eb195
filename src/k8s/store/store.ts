/**
 * The API server with its etcd behind it, in one object: typed objects keyed by kind, namespace and
 * name; one global revision counter (etcd's) stamped into every write as metadata.resourceVersion;
 * optimistic concurrency on update; graceful and finalizer-blocked deletion; and watches fed from a
 * bounded history of commits per kind, as the watch cache keeps one (storage/cacher/watch_cache.go).
 *
 * Time is the simulator's: creationTimestamp and deletionTimestamp are `sim.now` in ns. uids and
 * generated names come from seeded streams, so the same seed names every object the same way.
 */

import type { Sim } from '../../sim/index.js';
import { alreadyExists, conflict, expired, invalid, notFound } from './errors.js';
import { fieldsMatch, fieldValue, nodeOf, parseFieldSelector } from './fields.js';
import { compileSelector, type LabelSelector } from './selector.js';
import { isNamespaced, type KubeObject, type ObjectInput, qualifiedResource } from './types.js';
import { deepEqual, frozenCopy, generatedName, uuid4 } from './values.js';
import {
  type Commit,
  type DeliveryOptions,
  type Watch,
  Watcher,
  type WatchHandler,
  type WatchOptions,
} from './watch.js';

export interface ListOptions {
  readonly namespace?: string;
  readonly selector?: LabelSelector | string;
  /** `spec.nodeName=node1` and the like (fields.ts). */
  readonly fieldSelector?: string;
}

export interface ListResult<O extends KubeObject = KubeObject> {
  readonly items: readonly O[];
  /** The store's revision at the time of the list: watch from here to miss nothing. */
  readonly resourceVersion: string;
}

export interface DeleteOptions {
  /** Seconds until the object should be gone: >0 only marks it (deletionTimestamp); 0 or absent removes. */
  readonly gracePeriodSeconds?: number;
  /** Delete only if the object still has this resourceVersion (Preconditions.ResourceVersion). */
  readonly resourceVersion?: string;
}

/**
 * A kind's registry strategy (pkg/registry/…/strategy.go plus the admission plugins in front of it):
 * defaults and allocations applied to a create, and the release of allocations once an object is gone.
 */
export interface Strategy {
  /** Returns the input as it will be stored (defaults filled, ClusterIP allocated); may throw Invalid. */
  readonly prepareForCreate?: (input: ObjectInput) => ObjectInput;
  /** Called after the object left the store (a Service's ClusterIP and NodePorts are released). */
  readonly afterDelete?: (object: KubeObject) => void;
}

export interface ApiStoreOptions {
  /** Commits kept per kind for watches that start from an older resourceVersion (default 1024). */
  readonly historyLimit?: number;
}

interface KindState {
  readonly objects: Map<string, KubeObject>;
  readonly history: Commit[];
  readonly watchers: Set<Watcher>;
  /** Watchers confined to one node's pods (`spec.nodeName=X`), by node: offered only that node's commits. */
  readonly nodeWatchers: Map<string, Set<Watcher>>;
  /** Revision of the newest commit dropped from history (0: nothing dropped). */
  compacted: number;
}

const SECOND_NS = 1_000_000_000;

export class ApiStore {
  private rev = 0;
  private readonly kinds = new Map<string, KindState>();
  private readonly strategies = new Map<string, Strategy>();
  private readonly historyLimit: number;
  private readonly uidRng;
  private readonly nameRng;

  constructor(
    private readonly sim: Sim,
    options: ApiStoreOptions = {},
  ) {
    this.historyLimit = options.historyLimit ?? 1024;
    this.uidRng = sim.rng('apiserver/uid');
    this.nameRng = sim.rng('apiserver/generate-name');
  }

  /** etcd's current revision: the resourceVersion of the latest write. */
  get revision(): number {
    return this.rev;
  }

  /** Installs the registry strategy of `kind` (one per kind). */
  registerStrategy(kind: string, strategy: Strategy): void {
    this.strategies.set(kind, strategy);
  }

  create<O extends KubeObject = KubeObject>(request: ObjectInput): O {
    const { kind, apiVersion } = request;
    const prepare = this.strategies.get(kind)?.prepareForCreate;
    const resource = qualifiedResource(apiVersion, kind);
    const namespace = isNamespaced(kind) ? (request.metadata.namespace ?? 'default') : undefined;
    const state = this.state(kind);
    let name = request.metadata.name ?? '';
    const prefix = request.metadata.generateName;
    if (name === '' && prefix !== undefined && prefix !== '') {
      // The registry retries a generated name that collides (rest.BeforeCreate + retry on AlreadyExists).
      for (let i = 0; i < 8 && (name === '' || state.objects.has(keyOf(namespace, name))); i++) {
        name = generatedName(prefix, this.nameRng);
      }
    }
    if (name === '') {
      throw invalid(`${kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    }
    const key = keyOf(namespace, name);
    if (state.objects.has(key)) throw alreadyExists(resource, name);
    const input =
      prepare === undefined
        ? request
        : prepare({ ...request, metadata: { ...request.metadata, name, namespace } });
    const revision = ++this.rev;
    // The server's own fields replace the client's (key by key: object rest is slow on this path).
    const metadata: Record<string, unknown> = {};
    const clientMeta = input.metadata as Readonly<Record<string, unknown>>;
    for (const k in clientMeta) if (!SERVER_META.has(k)) metadata[k] = clientMeta[k];
    metadata['name'] = name;
    metadata['namespace'] = namespace;
    metadata['uid'] = uuid4(this.uidRng);
    metadata['resourceVersion'] = String(revision);
    metadata['generation'] = 1;
    metadata['creationTimestamp'] = this.sim.now;
    const object = frozenCopy({ ...input, metadata }) as unknown as KubeObject;
    state.objects.set(key, object);
    this.commit(state, { revision, type: 'ADDED', key, object, prev: undefined });
    return object as O;
  }

  /** The object, or a NotFound error with the server's message. */
  get<O extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string): O {
    const found = this.tryGet<O>(kind, namespace, name);
    if (found === undefined) throw notFound(qualifiedResource(this.apiVersionOf(kind), kind), name);
    return found;
  }

  tryGet<O extends KubeObject = KubeObject>(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): O | undefined {
    const ns = isNamespaced(kind) ? (namespace ?? 'default') : undefined;
    return this.kinds.get(kind)?.objects.get(keyOf(ns, name)) as O | undefined;
  }

  /** Objects of `kind`, sorted by namespace then name as etcd's key order returns them. */
  list<O extends KubeObject = KubeObject>(kind: string, options: ListOptions = {}): ListResult<O> {
    const match = compileSelector(options.selector);
    const fields = parseFieldSelector(options.fieldSelector ?? '');
    // Filtered first, then only the matches sorted (a selector picks a few of 150,000 pods).
    const matched: [string, KubeObject][] = [];
    for (const entry of this.kinds.get(kind)?.objects ?? []) {
      const obj = entry[1];
      if (options.namespace !== undefined && obj.metadata.namespace !== options.namespace) continue;
      if (match(obj.metadata.labels) && fieldsMatch(fields, obj)) matched.push(entry);
    }
    matched.sort(byKey);
    const items: O[] = new Array(matched.length);
    for (let i = 0; i < matched.length; i++) items[i] = (matched[i] as [string, KubeObject])[1] as O;
    return { items, resourceVersion: String(this.rev) };
  }

  /**
   * Replaces spec, labels, annotations, ownerReferences and finalizers; status is kept (the status
   * subresource owns it). A resourceVersion other than the stored one is a Conflict; none means last
   * write wins. An update that changes nothing commits nothing and returns the stored object.
   */
  update<O extends KubeObject = KubeObject>(input: ObjectInput): O {
    return this.write(input, false);
  }

  /**
   * update() and updateStatus() in one commit: what a subresource whose handler changes both writes —
   * pods/binding sets spec.nodeName and the PodScheduled condition in one GuaranteedUpdate
   * (BindingREST.setPodNodeAndMetadata), so watchers never see a bound pod without it.
   */
  updateWithStatus<O extends KubeObject = KubeObject>(input: ObjectInput): O {
    return this.write(input, true);
  }

  private write<O extends KubeObject>(input: ObjectInput, withStatus: boolean): O {
    const { state, key, stored } = this.existing(input);
    const specChanged = !sameBody(input, stored);
    // Built key by key rather than with object rest: this runs for every write of every controller.
    const metadata: Record<string, unknown> = {};
    const clientMeta = input.metadata as Readonly<Record<string, unknown>>;
    for (const k in clientMeta) if (k !== 'resourceVersion') metadata[k] = clientMeta[k];
    const sm = stored.metadata;
    metadata['name'] = sm.name;
    metadata['namespace'] = sm.namespace;
    metadata['uid'] = sm.uid;
    metadata['resourceVersion'] = sm.resourceVersion;
    metadata['generation'] = sm.generation + (specChanged ? 1 : 0);
    metadata['creationTimestamp'] = sm.creationTimestamp;
    metadata['deletionTimestamp'] = sm.deletionTimestamp;
    metadata['deletionGracePeriodSeconds'] = sm.deletionGracePeriodSeconds;
    metadata['generateName'] = sm.generateName;
    const next: Record<string, unknown> = {};
    for (const k in input) if (k !== 'metadata' && k !== 'status') next[k] = input[k];
    next['metadata'] = metadata;
    next['status'] = withStatus ? input.status : stored['status'];
    if (
      !specChanged &&
      deepEqual(metadata, stored.metadata) &&
      (!withStatus || deepEqual(input.status, stored['status']))
    ) {
      return stored as O;
    }
    // Removing the last finalizer of an object whose deletion is due completes it (deleteForEmptyFinalizers).
    if (
      sm.deletionTimestamp !== undefined &&
      ((metadata['finalizers'] as readonly string[] | undefined) ?? []).length === 0 &&
      (sm.deletionGracePeriodSeconds ?? 0) === 0
    ) {
      return this.remove(state, key, frozenCopy(next) as KubeObject) as O;
    }
    return this.replace(state, key, next, stored) as O;
  }

  /** Replaces status only (the /status subresource); spec and metadata stay as stored. */
  updateStatus<O extends KubeObject = KubeObject>(input: ObjectInput): O {
    const { state, key, stored } = this.existing(input);
    if (deepEqual(input.status, stored.status)) return stored as O;
    // The stored object with the new status, in the stored key order (as `{...stored, status}`).
    const next: Record<string, unknown> = {};
    for (const k in stored) next[k] = stored[k];
    next['status'] = input.status;
    return this.replace(state, key, next, stored) as O;
  }

  /**
   * Deletes an object. With gracePeriodSeconds > 0 (a pod's termination) or with finalizers, the object
   * is only marked: deletionTimestamp is set and watchers see MODIFIED; a later delete with grace 0,
   * or the update that removes the last finalizer, removes it and watchers see DELETED.
   * Returns the object as last stored.
   */
  delete<O extends KubeObject = KubeObject>(
    kind: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): O {
    const stored = this.get(kind, namespace, name);
    const resource = qualifiedResource(stored.apiVersion, kind);
    if (
      options.resourceVersion !== undefined &&
      options.resourceVersion !== stored.metadata.resourceVersion
    ) {
      throw conflict(resource, name);
    }
    const state = this.state(kind);
    const key = keyOf(stored.metadata.namespace, name);
    const grace = options.gracePeriodSeconds ?? 0;
    const finalizers = stored.metadata.finalizers ?? [];
    const marked = stored.metadata.deletionTimestamp;
    if (finalizers.length === 0 && grace === 0) return this.remove(state, key, stored) as O;
    // Only marked: a repeated delete may shorten the grace period, never extend it (BeforeDelete).
    const due = this.sim.now + grace * SECOND_NS;
    if (marked !== undefined && marked <= due) return stored as O;
    const metadata = { ...stored.metadata, deletionTimestamp: due, deletionGracePeriodSeconds: grace };
    return this.replace(state, key, { ...stored, metadata }, stored) as O;
  }

  /**
   * Watches `kind`: the handler is called through the event queue `delayNs` after each commit. With
   * options.resourceVersion the commits after it are replayed first (Expired when the history no longer
   * reaches back); without, the objects that exist now arrive first as ADDED.
   */
  watch<O extends KubeObject = KubeObject>(
    kind: string,
    options: WatchOptions,
    handler: WatchHandler<O>,
    delivery: DeliveryOptions = {},
  ): Watch {
    const state = this.state(kind);
    const fields = parseFieldSelector(options.fieldSelector ?? '');
    const node = nodeOf(fields);
    let set = state.watchers;
    if (node !== undefined) {
      set = state.nodeWatchers.get(node) ?? new Set();
      state.nodeWatchers.set(node, set);
    }
    const w = new Watcher(
      this.sim,
      { namespace: options.namespace, labels: compileSelector(options.selector), fields },
      handler as WatchHandler,
      delivery.delayNs ?? 0,
      (x) => set.delete(x),
    );
    if (options.resourceVersion === undefined || options.resourceVersion === '') {
      for (const object of this.list(kind, options).items) w.push({ type: 'ADDED', object });
    } else {
      const from = Number(options.resourceVersion);
      if (!Number.isInteger(from) || from < 0) {
        throw invalid(`resourceVersion: Invalid value: "${options.resourceVersion}": must be an integer`);
      }
      if (from < state.compacted) throw expired(from, state.compacted);
      for (const c of state.history) if (c.revision > from) w.offer(c);
    }
    set.add(w);
    return w;
  }

  private state(kind: string): KindState {
    let s = this.kinds.get(kind);
    if (s === undefined) {
      s = { objects: new Map(), history: [], watchers: new Set(), nodeWatchers: new Map(), compacted: 0 };
      this.kinds.set(kind, s);
    }
    return s;
  }

  private apiVersionOf(kind: string): string {
    const any = this.kinds.get(kind)?.objects.values().next().value;
    return any?.apiVersion ?? 'v1';
  }

  /** The stored object an update targets, after the optimistic-concurrency check. */
  private existing(input: ObjectInput): { state: KindState; key: string; stored: KubeObject } {
    const stored = this.get(input.kind, input.metadata.namespace, input.metadata.name ?? '');
    const rv = input.metadata.resourceVersion;
    const uid = input.metadata.uid;
    if (
      (rv !== undefined && rv !== '' && rv !== stored.metadata.resourceVersion) ||
      (uid !== undefined && uid !== stored.metadata.uid)
    ) {
      throw conflict(qualifiedResource(stored.apiVersion, stored.kind), stored.metadata.name);
    }
    return {
      state: this.state(input.kind),
      key: keyOf(stored.metadata.namespace, stored.metadata.name),
      stored,
    };
  }

  private replace(
    state: KindState,
    key: string,
    next: Record<string, unknown>,
    prev: KubeObject,
  ): KubeObject {
    const revision = ++this.rev;
    // Built key by key, each value frozen as it is copied: one new top-level object and one new
    // metadata per write (spreading frozen objects is slow, and frozenCopy would copy the spread again).
    const metadata: Record<string, unknown> = {};
    const meta = next['metadata'] as Readonly<Record<string, unknown>>;
    const rv = String(revision);
    for (const k in meta) {
      const v = k === 'resourceVersion' ? rv : meta[k];
      if (v !== undefined) metadata[k] = frozenCopy(v);
    }
    metadata['resourceVersion'] = rv;
    const object: Record<string, unknown> = {};
    for (const k in next) {
      const v = next[k];
      if (v !== undefined) object[k] = k === 'metadata' ? Object.freeze(metadata) : frozenCopy(v);
    }
    Object.freeze(object);
    state.objects.set(key, object as unknown as KubeObject);
    this.commit(state, { revision, type: 'MODIFIED', key, object: object as unknown as KubeObject, prev });
    return object as unknown as KubeObject;
  }

  private remove(state: KindState, key: string, last: KubeObject): KubeObject {
    const revision = ++this.rev;
    // The DELETED event carries the object as deleted, stamped with the deletion's revision.
    const object = frozenCopy({ ...last, metadata: { ...last.metadata, resourceVersion: String(revision) } });
    state.objects.delete(key);
    this.commit(state, { revision, type: 'DELETED', key, object, prev: undefined });
    this.strategies.get(object.kind)?.afterDelete?.(object);
    return object;
  }

  private commit(state: KindState, c: Commit): void {
    state.history.push(c);
    if (state.history.length > this.historyLimit * 2) {
      const dropped = state.history.splice(0, state.history.length - this.historyLimit);
      state.compacted = dropped[dropped.length - 1]?.revision ?? state.compacted;
    }
    for (const w of state.watchers) w.offer(c);
    if (state.nodeWatchers.size === 0) return;
    const node = fieldValue(c.object, 'spec.nodeName');
    for (const w of state.nodeWatchers.get(node) ?? []) w.offer(c);
    // An object that moved off a node is a DELETED for that node's watchers.
    const before = c.prev === undefined ? node : fieldValue(c.prev, 'spec.nodeName');
    if (before !== node) for (const w of state.nodeWatchers.get(before) ?? []) w.offer(c);
  }
}

/** Metadata fields only the server sets on create. */
const SERVER_META: ReadonlySet<string> = new Set([
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/** deepEqual of everything but metadata and status (what an update may change besides metadata). */
function sameBody(
  input: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>>,
): boolean {
  for (const k in input) {
    if (k !== 'metadata' && k !== 'status' && !deepEqual(input[k], stored[k])) return false;
  }
  for (const k in stored) {
    if (k !== 'metadata' && k !== 'status' && !(k in input) && stored[k] !== undefined) return false;
  }
  return true;
}

function keyOf(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

function byKey(a: [string, KubeObject], b: [string, KubeObject]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
