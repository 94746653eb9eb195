/**
 * Lazy connection timers: a binary min-heap of (expiry, sequence) entries. The kernel re-arms a
 * connection's timer on every packet (mod_timer in ip_vs_conn_put); here a refresh that moves the expiry
 * later only updates the connection, and the stale entry is re-pushed when it surfaces. A refresh that
 * moves it earlier pushes a new entry; each connection remembers the sequence of its live entry, so
 * superseded entries are discarded when popped.
 */
export interface Timed {
  /** When it expires, in ns. */
  expires: number;
  /** Sequence of its live heap entry. */
  timerSeq: number;
  /** The time its live heap entry is keyed at (re-arm when `expires` moves before it). */
  timerAt: number;
}

export class ExpiryHeap<T extends Timed> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  /** After `item.expires` changed: a later expiry waits for the old entry, an earlier one re-arms. */
  refresh(item: T): void {
    if (item.expires < item.timerAt) this.arm(item);
  }

  /** Arms `item`'s timer at `item.expires` (replacing its previous entry). */
  arm(item: T): void {
    const seq = this.nextSeq++;
    item.timerSeq = seq;
    item.timerAt = item.expires;
    let i = this.items.length;
    this.times.push(item.expires);
    this.seqs.push(seq);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The earliest live entry's item if it is due at `now` (popping superseded entries on the way). */
  popDue(now: number): T | undefined {
    while (this.items.length > 0) {
      const t = this.times[0] as number;
      if (t > now) return undefined;
      const seq = this.seqs[0] as number;
      const item = this.items[0] as T;
      this.pop();
      if (seq !== item.timerSeq) continue;
      if (item.expires > t) {
        this.arm(item);
        continue;
      }
      return item;
    }
    return undefined;
  }

  private pop(): void {
    const last = this.items.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.items.pop();
    let i = 0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.less(r, l) ? r : l;
      if (!this.less(m, i)) break;
      this.swap(i, m);
      i = m;
    }
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  private swap(a: number, b: number): void {
    const t = this.times[a] as number;
    this.times[a] = this.times[b] as number;
    this.times[b] = t;
    const s = this.seqs[a] as number;
    this.seqs[a] = this.seqs[b] as number;
    this.seqs[b] = s;
    const x = this.items[a] as T;
    this.items[a] = this.items[b] as T;
    this.items[b] = x;
  }
}
