import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/sim/index.js';

describe('Sim event order', () => {
  it('runs events scheduled for the same time first-in first-out', () => {
    const sim = new Sim();
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) sim.at(500, (n) => seen.push(n), i);
    sim.run();
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('puts a zero-delay event after the events already due now', () => {
    const sim = new Sim();
    const seen: string[] = [];
    sim.at(
      10,
      () => {
        seen.push('a');
        sim.after(0, () => seen.push('c'), undefined);
      },
      undefined,
    );
    sim.at(10, () => seen.push('b'), undefined);
    sim.run();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  /** An event of a random schedule: when it runs, it schedules its children at now + delay. */
  interface Plan {
    readonly delay: number;
    readonly children: readonly Plan[];
  }
  const delayArb = fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 5 }),
    fc.integer({ min: 0, max: 1_000_000 }),
  );
  // A forest from flat lists: each extra event hangs under one created before it (pick % index).
  const forestArb = fc
    .tuple(
      fc.array(delayArb, { minLength: 1, maxLength: 20 }),
      fc.array(fc.tuple(fc.nat(), delayArb), { maxLength: 60 }),
    )
    .map(([rootDelays, extra]) => {
      const nodes: Array<{ delay: number; children: Plan[] }> = rootDelays.map((delay) => ({
        delay,
        children: [],
      }));
      const roots: Plan[] = [...nodes];
      for (const [pick, delay] of extra) {
        const node = { delay, children: [] };
        nodes[pick % nodes.length]!.children.push(node);
        nodes.push(node);
      }
      return roots;
    });

  it('runs any schedule, including events scheduled from handlers, in (time, seq) order', () => {
    fc.assert(
      fc.property(forestArb, (roots) => {
        // Reference: a plain list scanned for the smallest (time, seq) each step.
        const ref: Array<{ time: number; seq: number; plan: Plan; id: number }> = [];
        const refOrder: number[] = [];
        let seq = 0;
        let ids = 0;
        for (const p of roots) ref.push({ time: p.delay, seq: seq++, plan: p, id: ids++ });
        while (ref.length > 0) {
          let best = 0;
          for (let i = 1; i < ref.length; i++) {
            const a = ref[i]!;
            const b = ref[best]!;
            if (a.time < b.time || (a.time === b.time && a.seq < b.seq)) best = i;
          }
          const e = ref.splice(best, 1)[0]!;
          refOrder.push(e.id);
          for (const c of e.plan.children)
            ref.push({ time: e.time + c.delay, seq: seq++, plan: c, id: ids++ });
        }

        const sim = new Simx();
        expect(sim.runPlans(roots)).toEqual(refOrder);
      }),
      { numRuns: 300 },
    );
  });

  /** Runs plans on a real Sim, numbering events in scheduling order as the reference does. */
  class Simx {
    private readonly sim = new Sim();
    private ids = 0;
    private readonly order: number[] = [];
    private readonly times: number[] = [];

    runPlans(roots: readonly Plan[]): number[] {
      for (const p of roots) this.schedule(p);
      this.sim.run();
      for (let i = 1; i < this.times.length; i++)
        expect(this.times[i]!).toBeGreaterThanOrEqual(this.times[i - 1]!);
      return this.order;
    }

    private schedule(plan: Plan): void {
      const id = this.ids++;
      this.sim.after(
        plan.delay,
        () => {
          this.order.push(id);
          this.times.push(this.sim.now);
          for (const c of plan.children) this.schedule(c);
        },
        undefined,
      );
    }
  }
});

describe('Sim event order across interrupted runs', () => {
  // Runs cut short (maxEvents, until, stop) and events scheduled from outside between them: the
  // same-time lane and the heap must still give (time, seq) order, as one plain list does.
  const stepArb = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), delay: fc.constantFrom(0, 0, 1, 3, 50) }),
    fc.record({ kind: fc.constant('events' as const), n: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ kind: fc.constant('until' as const), dt: fc.integer({ min: 0, max: 60 }) }),
  );

  it('runs events in (time, seq) order whatever cuts the runs and whatever is pushed between them', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 40 }),
        fc.array(fc.nat(99), { maxLength: 60 }),
        (steps, kids) => {
          const sim = new Sim();
          const ran: Array<{ time: number; seq: number }> = [];
          let k = 0;
          let scheduled = 0;
          // Each event schedules 0–2 children at delays 0, 0 or 2 (decided by `kids`, used round-robin).
          const handler = (): void => {
            ran.push({ time: sim.now, seq: sim.currentSeq });
            expect(sim.pending).toBe(scheduled - ran.length); // the running event is not pending
            const pick = kids.length === 0 ? 0 : (kids[k++ % kids.length] as number);
            if (ran.length < 400)
              for (let i = 0; i < pick % 3; i++) {
                sim.after(pick % 2 === 0 ? 0 : 2, handler, undefined);
                scheduled++;
              }
          };
          for (const step of steps) {
            if (step.kind === 'push') {
              sim.after(step.delay, handler, undefined);
              scheduled++;
            } else if (step.kind === 'events') sim.run({ maxEvents: step.n });
            else sim.run({ until: sim.now + step.dt, maxEvents: 50 });
            expect(sim.pending).toBe(scheduled - ran.length);
          }
          sim.run({ maxEvents: 10_000 });
          for (let i = 1; i < ran.length; i++) {
            const a = ran[i - 1] as { time: number; seq: number };
            const b = ran[i] as { time: number; seq: number };
            expect(a.time < b.time || (a.time === b.time && a.seq < b.seq)).toBe(true);
          }
          // Nothing was lost: every event scheduled ran exactly once.
          expect(new Set(ran.map((e) => e.seq)).size).toBe(ran.length);
          expect(ran.length).toBe(scheduled);
          expect(sim.pending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Sim same-time lane', () => {
  it('keeps FIFO order and loses nothing while thousands of zero-delay events chain at one time', () => {
    const sim = new Sim();
    const order: number[] = [];
    let next = 0;
    // Each of the first 12,000 events schedules two more at delay 0, so the lane grows and is cut
    // while it drains; an event at a later time must wait for all of them.
    const handler = (id: number): void => {
      order.push(id);
      if (id < 12_000) {
        sim.after(0, handler, ++next);
        sim.after(0, handler, ++next);
      }
    };
    sim.at(10, handler, 0);
    sim.at(11, (id) => order.push(id), -1);
    sim.run();
    expect(order.length).toBe(next + 2);
    expect(order.slice(0, -1)).toEqual(Array.from({ length: next + 1 }, (_, i) => i));
    expect(order.at(-1)).toBe(-1);
    expect(sim.now).toBe(11);
  });
});

describe('Sim event order at scale', () => {
  it('keeps (time, seq) order across heap growth, with pops, handler pushes and plain pushes mixed', () => {
    const sim = new Sim({ seed: 5 });
    const rng = sim.rng('test/order');
    const log: Array<{ time: number; seq: number }> = [];
    const handler = (): void => {
      log.push({ time: sim.now, seq: sim.currentSeq });
      // zero, one or two successors, some at the same time: replaceTop, siftUp and ties all exercised
      const n = rng.int(0, 2);
      for (let i = 0; i < n && log.length < 40_000; i++)
        sim.after(rng.int(0, 3) === 0 ? 0 : rng.int(1, 5000), handler, undefined);
    };
    for (let i = 0; i < 5000; i++) sim.at(rng.int(0, 100), handler, undefined); // grows past the initial 1024
    sim.run();
    expect(log.length).toBeGreaterThan(5000);
    for (let i = 1; i < log.length; i++) {
      const a = log[i - 1]!;
      const b = log[i]!;
      expect(a.time < b.time || (a.time === b.time && a.seq < b.seq)).toBe(true);
    }
    expect(sim.pending).toBe(0);
  });
});

describe('Sim.run()', () => {
  it('with until runs events at until, stops before later ones and sets the clock to until', () => {
    const sim = new Sim();
    const seen: number[] = [];
    for (const t of [100, 200, 300]) sim.at(t, (x) => seen.push(x), t);
    const r = sim.run({ until: 200 });
    expect(r).toEqual({ outcome: 'until', events: 2, now: 200 });
    expect(seen).toEqual([100, 200]);
    expect(sim.pending).toBe(1);
    expect(sim.run({ until: 250 })).toEqual({ outcome: 'until', events: 0, now: 250 });
    expect(sim.run()).toEqual({ outcome: 'idle', events: 1, now: 300 });
  });

  it('with until past the last event goes idle and still advances the clock to until', () => {
    const sim = new Sim();
    sim.at(10, () => {}, undefined);
    expect(sim.run({ until: 1000 })).toEqual({ outcome: 'idle', events: 1, now: 1000 });
  });

  it("with maxEvents returns 'event-limit' after exactly that many events", () => {
    const sim = new Sim();
    const tick = (): void => {
      sim.after(1, tick, undefined);
    };
    sim.after(0, tick, undefined);
    const r = sim.run({ maxEvents: 1000 });
    expect(r.outcome).toBe('event-limit');
    expect(r.events).toBe(1000);
    expect(sim.eventsExecuted).toBe(1000);
    expect(sim.now).toBe(999);
  });

  it("returns 'stopped' after the event that called stop()", () => {
    const sim = new Sim();
    const seen: number[] = [];
    sim.at(1, () => seen.push(1), undefined);
    sim.at(
      2,
      () => {
        seen.push(2);
        sim.stop();
      },
      undefined,
    );
    sim.at(3, () => seen.push(3), undefined);
    expect(sim.run().outcome).toBe('stopped');
    expect(seen).toEqual([1, 2]);
    expect(sim.run().outcome).toBe('idle');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('rejects scheduling in the past or with a non-integer delay', () => {
    const sim = new Sim();
    sim.at(100, () => {}, undefined);
    sim.run();
    expect(() => sim.at(99, () => {}, undefined)).toThrow(RangeError);
    expect(() => sim.after(-1, () => {}, undefined)).toThrow(RangeError);
    expect(() => sim.after(1.5, () => {}, undefined)).toThrow(RangeError);
    expect(() => sim.after(Number.NaN, () => {}, undefined)).toThrow(RangeError);
  });

  it('keeps two simulations independent', () => {
    const a = new Sim();
    const b = new Sim();
    a.at(5, () => {}, undefined);
    b.at(7, () => {}, undefined);
    a.run();
    expect([a.now, b.now, b.pending]).toEqual([5, 0, 1]);
  });
});
