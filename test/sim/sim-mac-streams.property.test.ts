/**
 * `Sim.mac(name)` keeps a stream drawn only for MACs as a count of its draws instead of a generator.
 * Whatever the interleaving of `mac` and `rng` on the same names, every draw must equal the draws of one
 * plain generator per name, built from the seed and the name alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, Sim } from '../../src/sim/index.js';

const NAMES = ['mac/node1/eth0', 'mac/pa/eth0', 'mac/node1/veth0a1b2c3d', 'node1/ip-ident'];

describe('Sim MAC streams', () => {
  it('mac and rng draws on the same names equal one plain generator per name', () => {
    const arbOp = fc.record({ name: fc.constantFrom(...NAMES), kind: fc.constantFrom('mac', 'u32', 'hold') });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(arbOp, { maxLength: 40 }),
        (seed, ops) => {
          const sim = new Sim({ seed });
          const plain = new Map<string, Rng>();
          const held = new Map<string, Rng>();
          const ref = (name: string): Rng => {
            let r = plain.get(name);
            if (r === undefined) {
              r = new Rng(seed >>> 0, name);
              plain.set(name, r);
            }
            return r;
          };
          for (const { name, kind } of ops) {
            if (kind === 'mac') expect(sim.mac(name)).toBe(ref(name).mac());
            else if (kind === 'u32') expect(sim.rng(name).u32()).toBe(ref(name).u32());
            else {
              // A generator someone holds stays the stream: later `mac` calls draw from that very object.
              const r = sim.rng(name);
              if (held.has(name)) expect(r).toBe(held.get(name));
              held.set(name, r);
            }
          }
        },
      ),
    );
  });

  it('a MAC stream asked for again continues where the first MAC left it', () => {
    const sim = new Sim({ seed: 42 });
    const r = new Rng(42, 'mac/pa/eth0');
    const first = r.mac();
    const second = r.mac();
    expect(sim.mac('mac/pa/eth0')).toBe(first);
    expect(sim.mac('mac/pa/eth0')).toBe(second);
    expect(sim.rng('mac/pa/eth0').u32()).toBe(r.u32());
    expect(first).not.toBe(second);
  });
});
