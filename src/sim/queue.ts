/**
 * The pending-event set: a binary min-heap ordered by (time, seq), seq handed out in scheduling order so
 * that events at equal times run first-in first-out (ns-3 scheduler.h orders by (timestamp, uid) too).
 *
 * Kept allocation-free on the hot path: each heap position holds its time and slot in typed arrays, so a
 * sift compares neighbouring memory; seq, handler and argument live in slot-indexed arrays (seq is only
 * read to break a tie in time, so sifts do not move it) and slots are reused.
 *
 * Events scheduled for the time being run (a zero delay: the control plane settling at t=0 makes
 * millions) skip the heap: they go to a first-in first-out lane. That is the same order: every event
 * already in the heap for that time was scheduled before the clock reached it, so it has a smaller seq
 * than anything in the lane, and the lane is drained before the clock moves on. In the heap, such
 * events would all tie on time and sink through every level comparing seqs.
 */
export type Handler<T> = (arg: T) => void;

const INITIAL = 1024;

export class EventQueue {
  // By heap position.
  // Positions >= count hold time +Infinity: replaceTop() reads one past the last child unchecked.
  private hTime = new Float64Array(INITIAL).fill(Number.POSITIVE_INFINITY);
  private hSlot = new Int32Array(INITIAL);
  // By slot.
  private seqs: number[] = [];
  private fns: Array<Handler<never> | undefined> = [];
  private args: unknown[] = [];
  private free: number[] = [];
  private count = 0;
  private nextSeq = 0;
  /** Slot of the event being run, still at the heap's root until the handler's first push replaces it. */
  private running = -1;
  private runningTime = 0;
  private runningSeq = 0;
  /** The lane: events at time `now`, in push order, from `laneHead` on. */
  private now = -1;
  private laneFns: Array<Handler<never> | undefined> = [];
  private laneArgs: unknown[] = [];
  private laneSeqs: number[] = [];
  private laneHead = 0;
  /** The event being run came from the lane (its entry is at `laneHead` until finish()). */
  private runningFromLane = false;
  private runningFn: Handler<unknown> | undefined;
  private runningArg: unknown;

  /** Number of pending events (the running one excluded). */
  get size(): number {
    const lane = this.laneFns.length - this.laneHead;
    if (this.runningFromLane) return this.count + lane - 1;
    return (this.running >= 0 ? this.count - 1 : this.count) + lane;
  }

  /** Adds an event; returns its sequence number (unique, increasing). */
  push<T>(time: number, fn: Handler<T>, arg: T): number {
    const seq = this.nextSeq++;
    if (time === this.now) {
      this.laneFns.push(fn as Handler<never>);
      this.laneArgs.push(arg);
      this.laneSeqs.push(seq);
      return seq;
    }
    const running = this.running;
    if (running >= 0) {
      // The hold pattern (an event schedules its successor): the new event takes over the running
      // event's slot and heap root, replacing a pop + push with one sift down.
      this.fns[running] = fn as Handler<never>;
      this.args[running] = arg;
      this.seqs[running] = seq;
      this.running = -1;
      this.replaceTop(time, seq, running);
      return seq;
    }
    let slot: number;
    if (this.free.length > 0) {
      slot = this.free.pop() as number;
      this.fns[slot] = fn as Handler<never>;
      this.args[slot] = arg;
      this.seqs[slot] = seq;
    } else {
      slot = this.fns.length;
      this.fns.push(fn as Handler<never>);
      this.args.push(arg);
      this.seqs.push(seq);
    }
    if (this.count + 1 >= this.hSlot.length) this.grow(); // keep room for the sentinel
    this.siftUp(this.count++, time, seq, slot);
    return seq;
  }

  /** Time of the earliest pending event; Infinity when empty. */
  peekTime(): number {
    if (this.laneHead < this.laneFns.length) return this.now;
    return this.count === 0 ? Number.POSITIVE_INFINITY : (this.hTime[0] as number);
  }

  /**
   * Starts running the earliest event; false when there is none. `time`, `seq`, `fn` and `arg` describe
   * it. A heap event stays at the root until `finish()` or the handler's first `push()`.
   */
  begin(): boolean {
    const laneEmpty = this.laneHead === this.laneFns.length;
    if (this.count > 0 && (laneEmpty || this.hTime[0] === this.now)) {
      const slot = this.hSlot[0] as number;
      this.running = slot;
      this.runningFromLane = false;
      this.runningTime = this.hTime[0] as number;
      this.runningSeq = this.seqs[slot] as number;
      this.runningFn = this.fns[slot] as Handler<unknown> | undefined;
      this.runningArg = this.args[slot];
      this.now = this.runningTime;
      return true;
    }
    if (laneEmpty) return false;
    const head = this.laneHead;
    this.runningFromLane = true;
    this.runningTime = this.now;
    this.runningSeq = this.laneSeqs[head] as number;
    this.runningFn = this.laneFns[head] as Handler<unknown> | undefined;
    this.runningArg = this.laneArgs[head];
    return true;
  }

  /** Time of the event started by `begin()`. */
  get time(): number {
    return this.runningTime;
  }
  /** Seq of the event started by `begin()`. */
  get seq(): number {
    return this.runningSeq;
  }
  /** Handler of the event started by `begin()`. */
  get fn(): Handler<unknown> | undefined {
    return this.runningFn;
  }
  /** Argument of the event started by `begin()`. */
  get arg(): unknown {
    return this.runningArg;
  }

  /** Ends the event started by `begin()`, removing it if the handler did not already replace it. */
  finish(): void {
    this.runningFn = undefined;
    this.runningArg = undefined;
    if (this.runningFromLane) {
      this.runningFromLane = false;
      this.shiftLane();
      return;
    }
    const top = this.running;
    if (top < 0) return;
    this.running = -1;
    const last = --this.count;
    const time = this.hTime[last] as number;
    this.hTime[last] = Number.POSITIVE_INFINITY; // the vacated position becomes the sentinel
    const slot = this.hSlot[last] as number;
    if (last > 0) this.replaceTop(time, this.seqs[slot] as number, slot);
    this.release(top);
  }

  /** Drops the lane's head; an emptied lane starts over, a long-drained prefix is cut off. */
  private shiftLane(): void {
    const head = this.laneHead;
    this.laneFns[head] = undefined;
    this.laneArgs[head] = undefined;
    this.laneHead = head + 1;
    const n = this.laneFns.length;
    if (this.laneHead === n) {
      this.laneFns.length = 0;
      this.laneArgs.length = 0;
      this.laneSeqs.length = 0;
      this.laneHead = 0;
    } else if (this.laneHead > 4096 && this.laneHead * 2 > n) {
      this.laneFns.splice(0, this.laneHead);
      this.laneArgs.splice(0, this.laneHead);
      this.laneSeqs.splice(0, this.laneHead);
      this.laneHead = 0;
    }
  }

  private release(slot: number): void {
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.free.push(slot);
  }

  private siftUp(pos: number, time: number, seq: number, slot: number): void {
    const hTime = this.hTime;
    const hSlot = this.hSlot;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = hTime[parent] as number;
      const ps = hSlot[parent] as number;
      if (pt < time || (pt === time && (this.seqs[ps] as number) < seq)) break;
      hTime[pos] = pt;
      hSlot[pos] = ps;
      pos = parent;
    }
    hTime[pos] = time;
    hSlot[pos] = slot;
  }

  /**
   * Replaces the root with (time, seq, slot). Floyd's variant: the hole at the root first sinks to a leaf
   * along the smaller children (one comparison per level), then the new key rises from there. New events
   * are mostly later than most pending ones, so the rise is short and this beats a classic sift-down.
   * The +Infinity sentinel at position `count` lets a last left child be compared with a "right" one
   * without a bounds test, and the child is picked by arithmetic rather than an unpredictable branch.
   */
  private replaceTop(time: number, seq: number, slot: number): void {
    const hTime = this.hTime;
    const hSlot = this.hSlot;
    const n = this.count;
    // A key due strictly before both children of the root (a switch forwarding a frame a few ns on) stays
    // at the root: two comparisons instead of a sink to a leaf and a rise all the way back. Equal times
    // take the long way, where seq decides.
    const first = hTime[1] as number;
    const second = hTime[2] as number;
    if (time < first && time < second) {
      hTime[0] = time;
      hSlot[0] = slot;
      return;
    }
    let pos = 0;
    let child = 1;
    while (child < n) {
      const lt = hTime[child] as number;
      const rt = hTime[child + 1] as number;
      child += Number(rt < lt); // 0 or 1 without a branch (a ternary here is ~30% slower)
      // Equal times: the smaller seq wins (rare, so a branch is fine here).
      if (rt === lt && this.tieGoesRight(child)) child++;
      hTime[pos] = hTime[child] as number;
      hSlot[pos] = hSlot[child] as number;
      pos = child;
      child = 2 * child + 1;
    }
    this.siftUp(pos, time, seq, slot);
  }

  /** Whether the right sibling of heap position `left` holds the smaller seq (both have equal times). */
  private tieGoesRight(left: number): boolean {
    const seqs = this.seqs;
    return (seqs[this.hSlot[left + 1] as number] as number) < (seqs[this.hSlot[left] as number] as number);
  }

  private grow(): void {
    const n = this.hSlot.length * 2;
    const t = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    t.set(this.hTime);
    this.hTime = t;
    const h = new Int32Array(n);
    h.set(this.hSlot);
    this.hSlot = h;
  }
}
