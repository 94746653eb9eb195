/**
 * A namespace's neighbour table opens its `<ns>/neigh` stream at its first draw, not with the namespace:
 * the reachable time it draws must be what that stream gives from its start, and a stream some other
 * part opened by the same name first is the same stream, continued.
 */
import { describe, expect, it } from 'vitest';
import { NEIGH, NetNs } from '../../src/net/index.js';
import { MS, Rng, Sim, TraceBus } from '../../src/sim/index.js';
import type { EthernetFrame } from '../../src/wire/index.js';

const base = NEIGH.baseReachableNs;
const drawn = (r: Rng) => base / 2 + r.int(0, base / MS - 1) * MS;

describe('NeighTable stream', () => {
  it('draws the reachable time from the start of <ns>/neigh, whenever it is first needed', () => {
    const sim = new Sim({ seed: 42 });
    const ns = new NetNs(sim, { name: 'pod-a', trace: new TraceBus<EthernetFrame>() });
    sim.run({ until: 5_000 * MS });
    expect(ns.neigh.reachableTime()).toBe(drawn(new Rng(42, 'pod-a/neigh')));
  });

  it('continues a stream of the same name opened elsewhere first', () => {
    const sim = new Sim({ seed: 9 });
    const ns = new NetNs(sim, { name: 'pod-b', trace: new TraceBus<EthernetFrame>() });
    const ref = new Rng(9, 'pod-b/neigh');
    expect(sim.rng('pod-b/neigh').u32()).toBe(ref.u32());
    expect(ns.neigh.reachableTime()).toBe(drawn(ref));
    expect(sim.rng('pod-b/neigh').u32()).toBe(ref.u32());
  });
});
