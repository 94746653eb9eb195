/**
 * A controller's work queue (client-go util/workqueue): keys, not objects; a key queued twice before it is
 * processed runs once; a failed sync is retried with per-key exponential backoff (5 ms doubling, the
 * ItemExponentialFailureRateLimiter's base) and dropped after `maxRetries` as the Deployment controller
 * drops a key after 15 failures. Each run is an event of its own (`sim.after(0, …)`), so a controller
 * reacts after the informer events due at the same instant, as a worker goroutine would.
 */

import type { ControlPlaneContext } from '../api/index.js';
import { StatusError } from '../store/index.js';

const BASE_BACKOFF_NS = 5_000_000;
const MAX_BACKOFF_NS = 1000 * 1_000_000_000;

/** A rate-limited, deduplicating queue of keys processed one at a time on the simulator. */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly failures = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly ctx: ControlPlaneContext,
    private readonly sync: (key: string) => void,
    private readonly maxRetries = 15,
  ) {}

  /** Queues `key` unless it is already waiting. */
  add(key: string): void {
    if (this.stopped || this.queued.has(key)) return;
    this.queued.add(key);
    this.ctx.sim.after(0, (k: string) => this.run(k), key);
  }

  /**
   * Queues `key` after `delayNs` (workqueue AddAfter). The delay is taken as given, also while the
   * cluster settles: these are deadlines (minReadySeconds, progressDeadlineSeconds) that only the
   * passing of time can meet, so shrinking them to 0 would spin at t=0.
   */
  addAfter(key: string, delayNs: number): void {
    if (this.stopped) return;
    if (delayNs === 0) this.add(key);
    else this.ctx.sim.after(delayNs, (k: string) => this.add(k), key);
  }

  stop(): void {
    this.stopped = true;
  }

  private run(key: string): void {
    this.queued.delete(key);
    if (this.stopped) return;
    try {
      this.sync(key);
      this.failures.delete(key);
    } catch (e) {
      // API errors (a stale cache's Conflict, an AlreadyExists) are retried; anything else is a bug.
      if (!(e instanceof StatusError)) throw e;
      const n = (this.failures.get(key) ?? 0) + 1;
      if (n > this.maxRetries) {
        this.failures.delete(key);
        return;
      }
      this.failures.set(key, n);
      // A retry is a consequence, not a deadline: immediate while the cluster settles at t=0.
      this.addAfter(key, this.ctx.delay(Math.min(MAX_BACKOFF_NS, BASE_BACKOFF_NS * 2 ** (n - 1))));
    }
  }
}

/** The `namespace/name` key of an object (cache.MetaNamespaceKeyFunc). */
export function keyOf(obj: {
  readonly metadata: { readonly namespace?: string | undefined; readonly name: string };
}): string {
  const ns = obj.metadata.namespace;
  return ns === undefined ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
}

/** Splits a key back into namespace and name (cache.SplitMetaNamespaceKey). */
export function splitKey(key: string): { readonly namespace: string | undefined; readonly name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
