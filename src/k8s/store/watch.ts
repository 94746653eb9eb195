/**
 * Watches: each watcher receives the store's commits for one kind, filtered by namespace and label
 * selector, through the simulator's event queue after its own delay — so kube-proxy or the endpoints
 * controller can lag the store, and a scenario shows the window where a rule is stale.
 *
 * Order: a watcher's events are queued FIFO and each commit schedules one pump `delayNs` later; commit
 * times never decrease and the event queue runs equal times in insertion order, so every watcher sees
 * the commits in revision order whatever the delays of the others. Filtering follows the watch cache
 * (cacher.go, watchCacheEvent): an update that moves an object into the selector arrives as ADDED, one
 * that moves it out as DELETED.
 */

import type { Sim } from '../../sim/index.js';
import { type FieldRequirement, fieldsMatch } from './fields.js';
import type { LabelMatcher, LabelSelector } from './selector.js';
import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<O extends KubeObject = KubeObject> {
  readonly type: WatchEventType;
  readonly object: O;
  /** The store's key of the object (`namespace/name`, or `name`), when the store sent the event. */
  readonly key?: string;
}

export type WatchHandler<O extends KubeObject = KubeObject> = (event: WatchEvent<O>) => void;

/** What to watch (ListOptions). */
export interface WatchOptions {
  readonly namespace?: string;
  readonly selector?: LabelSelector | string;
  /** `spec.nodeName=node1` and the like (fields.ts). */
  readonly fieldSelector?: string;
  /**
   * Start after this revision (from a list's resourceVersion): commits after it are replayed.
   * Absent: the current objects arrive first as ADDED events, then every later commit.
   */
  readonly resourceVersion?: string;
}

/** How a component receives its events. */
export interface DeliveryOptions {
  /**
   * Simulated lag between a commit and its delivery, ns (default 0: after the events due now); a function
   * is read at each commit, so a component's lag can change (the control plane settles without lag).
   */
  readonly delayNs?: number | (() => number);
}

/** A running watch; stop() drops the events still in flight. */
export interface Watch {
  stop(): void;
  readonly stopped: boolean;
}

/** What a watcher selects: a namespace (or all), a label matcher and field requirements. */
export interface WatchFilter {
  readonly namespace: string | undefined;
  readonly labels: LabelMatcher;
  readonly fields: readonly FieldRequirement[];
}

/** One commit as the store records it: the object after (for DELETED: as deleted) and before. */
export interface Commit {
  readonly revision: number;
  readonly type: WatchEventType;
  /** `namespace/name` (or `name`): passed on so every watcher's cache reuses one string. */
  readonly key: string;
  readonly object: KubeObject;
  readonly prev: KubeObject | undefined;
}

export class Watcher implements Watch {
  private readonly queue: Array<WatchEvent | undefined> = [];
  private head = 0;
  private done = false;

  constructor(
    private readonly sim: Sim,
    private readonly filter: WatchFilter,
    private readonly handler: WatchHandler,
    private readonly delayNs: number | (() => number),
    private readonly onStop: (w: Watcher) => void,
  ) {
    if (typeof delayNs === 'number') checkDelay(delayNs);
  }

  get stopped(): boolean {
    return this.done;
  }

  stop(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.head = 0;
    this.onStop(this);
  }

  /** True when `obj` is in this watch's namespace and selectors. */
  selects(obj: KubeObject): boolean {
    const f = this.filter;
    if (f.namespace !== undefined && obj.metadata.namespace !== f.namespace) return false;
    return f.labels(obj.metadata.labels) && fieldsMatch(f.fields, obj);
  }

  /** Queues what this watcher sees of a commit, if anything. */
  offer(c: Commit): void {
    const now = this.selects(c.object);
    const before = c.prev !== undefined && this.selects(c.prev);
    let type: WatchEventType | undefined;
    if (c.type === 'MODIFIED') {
      if (now) type = before ? 'MODIFIED' : 'ADDED';
      else if (before) type = 'DELETED';
    } else if (now) {
      type = c.type;
    }
    if (type === undefined) return;
    // The commit itself is the event when the type is the commit's (one object fewer per watcher).
    this.push(type === c.type ? c : { type, object: c.object, key: c.key });
  }

  /** Queues one event for delivery `delayNs` from now. */
  push(event: WatchEvent): void {
    if (this.done) return;
    this.queue.push(event);
    const d = this.delayNs;
    this.sim.after(typeof d === 'number' ? d : checkDelay(d()), Watcher.pump, this);
  }

  private static pump(w: Watcher): void {
    if (w.done) return;
    const event = w.queue[w.head];
    w.queue[w.head++] = undefined;
    if (w.head === w.queue.length) {
      w.queue.length = 0;
      w.head = 0;
    } else if (w.head > 1024 && w.head * 2 > w.queue.length) {
      w.queue.splice(0, w.head);
      w.head = 0;
    }
    if (event !== undefined) w.handler(event);
  }
}

function checkDelay(delayNs: number): number {
  if (!Number.isInteger(delayNs) || delayNs < 0) {
    throw new RangeError(`watch: delayNs must be a non-negative integer, got ${delayNs}`);
  }
  return delayNs;
}
