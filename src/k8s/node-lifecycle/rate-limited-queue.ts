/**
 * The per-zone NoExecute tainting queue of the node lifecycle controller
 * (pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go): a unique queue of node names whose
 * set outlives a successful pop — a node stays "known" until Remove, so re-adding a tainted node is a
 * no-op — drained through a token bucket (client-go flowcontrol, burst 1, starts full).
 */

const SECOND = 1_000_000_000;
/** scheduler.EvictionRateLimiterBurst. */
const BURST = 1;

/** flowcontrol.NewTokenBucketRateLimiter on simulated time; qps 0 is the never-accepting limiter. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    now: number,
  ) {
    this.tokens = qps > 0 ? BURST : 0;
    this.last = now;
  }

  tryAccept(now: number): boolean {
    if (this.qps <= 0) return false;
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** ns from `now` until a token is available (Infinity for qps 0). */
  waitNs(now: number): number {
    if (this.qps <= 0) return Number.POSITIVE_INFINITY;
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * SECOND);
  }

  private refill(now: number): void {
    this.tokens = Math.min(BURST, this.tokens + ((now - this.last) / SECOND) * this.qps);
    this.last = now;
  }
}

interface Entry {
  readonly name: string;
  processAt: number;
}

export class RateLimitedTimedQueue {
  private readonly queue: Entry[] = [];
  private readonly known = new Set<string>();
  private limiter: TokenBucket;

  constructor(qps: number, now: number) {
    this.limiter = new TokenBucket(qps, now);
  }

  get qps(): number {
    return this.limiter.qps;
  }

  /** UniqueQueue.Add: false when the name is already known (queued, or popped and not removed). */
  add(name: string, now: number): boolean {
    if (this.known.has(name)) return false;
    this.known.add(name);
    this.queue.push({ name, processAt: now });
    return true;
  }

  /** Forgets the name entirely (queued or not). */
  remove(name: string): boolean {
    const had = this.known.delete(name);
    const i = this.queue.findIndex((e) => e.name === name);
    if (i >= 0) this.queue.splice(i, 1);
    return had;
  }

  get size(): number {
    return this.queue.length;
  }

  /**
   * Try: pops due entries in order while the limiter accepts; `fn` returns [done, retryAfterNs]. A done
   * entry leaves the queue but stays known. Returns ns until the next attempt is useful (Infinity: idle).
   */
  try(now: number, fn: (name: string) => readonly [boolean, number]): number {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Entry;
      if (head.processAt > now) return head.processAt - now;
      if (!this.limiter.tryAccept(now)) return this.limiter.waitNs(now);
      this.queue.shift();
      const [done, retry] = fn(head.name);
      if (!done) {
        head.processAt = now + retry;
        this.queue.push(head);
        this.queue.sort((a, b) => a.processAt - b.processAt);
      }
    }
    return Number.POSITIVE_INFINITY;
  }

  /**
   * SwapLimiter: a new bucket at the new rate; when the old one had no token left, the new one starts
   * drained too (the "burst 1" rule in rate_limited_queue.go).
   */
  swapLimiter(qps: number, now: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TokenBucket(qps, now);
    if (qps > 0 && this.limiter.waitNs(now) > 0) next.tryAccept(now);
    this.limiter = next;
  }
}
