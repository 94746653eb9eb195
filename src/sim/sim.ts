import { EventQueue, type Handler } from './queue.js';
import { Rng } from './rng.js';

/** The u32 draws `Rng.mac` takes (two: the high 16 bits, then the low 32; sim-mac-streams.property.test.ts checks it). */
const MAC_DRAWS = 2;

/** Why a run stopped. */
export type RunOutcome = 'idle' | 'until' | 'event-limit' | 'stopped';

export interface RunOptions {
  /** Stop before the first event later than this time (ns); the clock is then set to it. */
  readonly until?: number;
  /** Abort after this many events (guards against models that never go idle). */
  readonly maxEvents?: number;
}

export interface RunResult {
  readonly outcome: RunOutcome;
  readonly events: number;
  readonly now: number;
}

/**
 * The discrete-event simulator: owns the clock (integer ns), the event queue and the seeded random
 * streams. One instance per simulation; nothing here is global, so two simulations never interfere.
 */
export class Sim {
  /** The cluster seed every random stream derives from. */
  readonly seed: number;
  private readonly queue = new EventQueue();
  private clock = 0;
  private seq = -1;
  private stopRequested = false;
  private executed = 0;
  /** Pending daemon events: periodic background work that does not keep a run going. */
  private daemons = 0;
  /**
   * Streams by name: the generator, or — for a stream drawn only through `mac` so far — how many u32s it
   * has given. Device MAC streams (`mac/<netns>/<dev>`, two per pod) are drawn once and looked up again
   * only when a device of the same name comes back, so a small integer stands in for a ~60-byte
   * generator kept for the whole run; `rng` rebuilds the generator at the same place when asked.
   */
  private readonly streams = new Map<string, Rng | number>();

  constructor(options: { readonly seed?: number } = {}) {
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) throw new RangeError(`Sim seed must be an integer, got ${seed}`);
    this.seed = seed >>> 0;
  }

  /** Current simulated time in nanoseconds. */
  get now(): number {
    return this.clock;
  }

  /** Sequence number of the event being executed (timers use it to recognise their own firing). */
  get currentSeq(): number {
    return this.seq;
  }

  /** Events executed so far. */
  get eventsExecuted(): number {
    return this.executed;
  }

  /** Number of pending events. */
  get pending(): number {
    return this.queue.size;
  }

  /** Runs `fn(arg)` after `delay` ns (0 = after the events already due now). Returns the event's seq. */
  after<T>(delay: number, fn: Handler<T>, arg: T): number {
    if (!(delay >= 0) || delay !== Math.floor(delay)) {
      throw new RangeError(`Sim.after: delay must be a non-negative integer of ns, got ${delay}`);
    }
    return this.queue.push(this.clock + delay, fn, arg);
  }

  /** Runs `fn(arg)` at absolute time `time` (ns), which must not be in the past. */
  at<T>(time: number, fn: Handler<T>, arg: T): number {
    if (!(time >= this.clock) || time !== Math.floor(time)) {
      throw new RangeError(
        `Sim.at: time must be an integer of ns not before now (${this.clock}), got ${time}`,
      );
    }
    return this.queue.push(time, fn, arg);
  }

  /**
   * Like `after`, for background loops (heartbeats, resyncs, probes): a run is idle once only daemon
   * events are pending, so a scenario ends when the cluster has nothing left to do but keep alive.
   */
  daemon<T>(delay: number, fn: Handler<T>, arg: T): number {
    this.daemons++;
    return this.after(delay, Sim.daemonTrampoline, { sim: this, fn: fn as Handler<unknown>, arg });
  }

  /** Pending daemon events. */
  get pendingDaemons(): number {
    return this.daemons;
  }

  private static daemonTrampoline(d: { sim: Sim; fn: Handler<unknown>; arg: unknown }): void {
    d.sim.daemons--;
    d.fn(d.arg);
  }

  /** The random stream called `name`, derived from the seed and the name alone. */
  rng(name: string): Rng {
    const r = this.streams.get(name);
    if (typeof r === 'object') return r;
    const fresh = this.replayed(name, r ?? 0);
    this.streams.set(name, fresh);
    return fresh;
  }

  /** `rng(name).mac()`, without keeping a generator for a stream that only ever gives MACs. */
  mac(name: string): number {
    const r = this.streams.get(name);
    if (typeof r === 'object') return r.mac();
    const drawn = r ?? 0;
    const mac = this.replayed(name, drawn).mac();
    this.streams.set(name, drawn + MAC_DRAWS);
    return mac;
  }

  /** Stream `name` after `draws` u32 draws. */
  private replayed(name: string, draws: number): Rng {
    const r = new Rng(this.seed, name);
    for (let i = 0; i < draws; i++) r.u32();
    return r;
  }

  /** Asks the running loop to return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Runs events in (time, seq) order until idle (no events, or only daemon events and no `until`),
   * `until`, `maxEvents`, or `stop()`.
   */
  run(options: RunOptions = {}): RunResult {
    const until = options.until ?? Number.POSITIVE_INFINITY;
    const limit = options.maxEvents ?? Number.POSITIVE_INFINITY;
    const queue = this.queue;
    let count = 0;
    this.stopRequested = false;
    for (;;) {
      if (queue.size === this.daemons) {
        // Only background loops left: idle, unless `until` asks to keep the clock (and them) going.
        if (queue.size === 0 || !Number.isFinite(until)) return this.result('idle', count, until);
      }
      if (queue.peekTime() > until) return this.result('until', count, until);
      if (count >= limit) return this.result('event-limit', count, until);
      if (!queue.begin()) return this.result('idle', count, until);
      const time = queue.time;
      if (time < this.clock) throw new Error(`Sim: time went backwards (${time} < ${this.clock})`);
      this.clock = time;
      this.seq = queue.seq;
      const fn = queue.fn;
      const arg = queue.arg;
      count++;
      this.executed++;
      // A throwing handler is a bug in the model; the run is over then, so no try/finally here.
      if (fn !== undefined) fn(arg);
      queue.finish();
      if (this.stopRequested) return this.result('stopped', count, until);
    }
  }

  private result(outcome: RunOutcome, events: number, until: number): RunResult {
    if (outcome === 'until' || (outcome === 'idle' && Number.isFinite(until) && until > this.clock)) {
      this.clock = until;
    }
    return { outcome, events, now: this.clock };
  }
}

/**
 * A restartable, cancellable timer (a neighbour entry's retransmit, a bridge's ageing sweep).
 * Cancelling only forgets the scheduled event's seq; the queue skips it when it comes up (ns-3 style).
 */
export class Timer {
  private armed = -1;
  private due = -1;

  constructor(
    private readonly sim: Sim,
    private readonly fire: () => void,
  ) {}

  /** (Re)arms the timer to fire `delay` ns from now, replacing any earlier arming. */
  start(delay: number): void {
    this.due = this.sim.now + delay;
    this.armed = this.sim.after(delay, Timer.trampoline, this);
  }

  /** Disarms the timer; a no-op when not armed. */
  cancel(): void {
    this.armed = -1;
  }

  /** True while armed. */
  get pending(): boolean {
    return this.armed >= 0;
  }

  /** Absolute time the timer fires at, or -1 when not armed. */
  get dueAt(): number {
    return this.armed >= 0 ? this.due : -1;
  }

  private static trampoline(t: Timer): void {
    if (t.armed !== t.sim.currentSeq) return; // cancelled or re-armed since
    t.armed = -1;
    t.fire();
  }
}
