import { describe, expect, it } from 'vitest';
import { Sim, Timer } from '../../src/sim/index.js';

function setup(): { sim: Sim; timer: Timer; fired: number[] } {
  const sim = new Sim();
  const fired: number[] = [];
  const timer = new Timer(sim, () => fired.push(sim.now));
  return { sim, timer, fired };
}

describe('Timer', () => {
  it('fires once, delay ns after start', () => {
    const { sim, timer, fired } = setup();
    timer.start(100);
    expect(timer.pending).toBe(true);
    expect(timer.dueAt).toBe(100);
    sim.run();
    expect(fired).toEqual([100]);
    expect(timer.pending).toBe(false);
    expect(timer.dueAt).toBe(-1);
  });

  it('does not fire after cancel(), and cancel() when idle is a no-op', () => {
    const { sim, timer, fired } = setup();
    timer.cancel();
    timer.start(100);
    timer.cancel();
    expect(timer.pending).toBe(false);
    sim.run();
    expect(fired).toEqual([]);
  });

  it('fires only at the latest time when restarted while armed, earlier or later', () => {
    const { sim, timer, fired } = setup();
    timer.start(100);
    timer.start(300);
    sim.run();
    expect(fired).toEqual([300]);
    timer.start(100); // now 300 → due 400
    timer.start(50); // → due 350, the 400 arming is forgotten
    sim.run();
    expect(fired).toEqual([300, 350]);
  });

  it('can be restarted after cancel and from inside its own callback', () => {
    const sim = new Sim();
    const fired: number[] = [];
    const timer: Timer = new Timer(sim, () => {
      fired.push(sim.now);
      if (fired.length < 3) timer.start(10);
    });
    timer.start(5);
    timer.cancel();
    timer.start(7);
    sim.run();
    expect(fired).toEqual([7, 17, 27]);
  });

  it('restarted by an earlier-scheduled event at its due time, fires at the new time only', () => {
    const { sim, timer, fired } = setup();
    sim.at(100, () => timer.start(20), undefined); // runs before the timer's own event at 100
    timer.start(100);
    sim.run();
    expect(fired).toEqual([120]);
  });

  it('restarted by a later-scheduled event at its due time, has fired already and fires again', () => {
    const { sim, timer, fired } = setup();
    timer.start(100);
    sim.at(100, () => timer.start(20), undefined); // runs after the timer's own event at 100
    sim.run();
    expect(fired).toEqual([100, 120]);
  });
});
