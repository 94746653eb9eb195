/**
 * The scheduling queue (pkg/scheduler/internal/queue/scheduling_queue.go) reduced to what one
 * sequential scheduler needs: activeQ ordered by PrioritySort (priority desc, then queue timestamp),
 * the unschedulable set, and the backoff rule (podInitialBackoffSeconds 1 doubling to
 * podMaxBackoffSeconds 10, counted in attempts).
 */

const S = 1_000_000_000;
export const POD_INITIAL_BACKOFF_NS = 1 * S;
export const POD_MAX_BACKOFF_NS = 10 * S;
/** podMaxInUnschedulablePodsDuration. */
export const POD_MAX_IN_UNSCHEDULABLE_NS = 300 * S;
/** flushUnschedulablePodsLeftover period. */
export const UNSCHEDULABLE_FLUSH_PERIOD_NS = 30 * S;

export interface QueuedPod {
  readonly key: string;
  priority: number;
  /** When it was (re)added to the queue, ns; ties in priority go to the earlier one. */
  timestamp: number;
  readonly seq: number;
  /** Scheduling attempts so far (incremented at pop). */
  attempts: number;
  /** When the last attempt failed, ns. */
  failedAt: number;
}

/** calculateBackoffDuration: 1 s × 2^(attempts−1), at most 10 s. */
export function backoffDuration(attempts: number): number {
  let d = POD_INITIAL_BACKOFF_NS;
  for (let i = 1; i < attempts; i++) {
    d *= 2;
    if (d > POD_MAX_BACKOFF_NS) return POD_MAX_BACKOFF_NS;
  }
  return d;
}

function before(a: QueuedPod, b: QueuedPod): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
  return a.seq < b.seq;
}

/** activeQ: a binary heap under PrioritySort's Less. */
export class ActiveQueue {
  private readonly heap: QueuedPod[] = [];
  private readonly keys = new Set<string>();

  get size(): number {
    return this.heap.length;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  push(p: QueuedPod): void {
    if (this.keys.has(p.key)) return;
    this.keys.add(p.key);
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(h[i] as QueuedPod, h[up] as QueuedPod)) break;
      [h[i], h[up]] = [h[up] as QueuedPod, h[i] as QueuedPod];
      i = up;
    }
  }

  pop(): QueuedPod | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop() as QueuedPod;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as QueuedPod, h[m] as QueuedPod)) m = l;
        if (r < h.length && before(h[r] as QueuedPod, h[m] as QueuedPod)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as QueuedPod, h[i] as QueuedPod];
        i = m;
      }
    }
    this.keys.delete(top.key);
    return top;
  }

  /** Removes a pod (deleted or bound elsewhere); O(n), rare. */
  delete(key: string): void {
    if (!this.keys.has(key)) return;
    const rest = this.heap.filter((p) => p.key !== key);
    this.heap.length = 0;
    this.keys.clear();
    for (const p of rest) this.push(p);
  }
}
