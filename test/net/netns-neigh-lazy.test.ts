/**
 * A namespace makes its neighbour table at the first use (most pods never resolve anything). Whether the
 * table exists from the start or only from the first packet must not change a thing: same frames, same
 * neighbour entries, the same answers after a link went down and up before any use.
 */
import { describe, expect, it } from 'vitest';
import { Ping } from '../../src/apps/index.js';
import { ipNeigh } from '../../src/inspect/index.js';
import { SECOND } from '../../src/sim/index.js';
import { ip4 } from '../../src/wire/index.js';
import { ns, record, routerLab } from './helpers.js';

function pingRun(touchFirst: boolean) {
  const lab = routerLab({ seed: 5 });
  const names = ['node1', 'node2', 'node3', 'router'];
  if (touchFirst) for (const n of names) expect(ns(lab, n).neigh).toBe(ns(lab, n).neigh);
  const seen = record(lab);
  // A link bounced before anything was resolved: a table that does not exist yet has nothing to flush.
  ns(lab, 'node1').setLinkUp('eth0', false);
  ns(lab, 'node1').setLinkUp('eth0', true);
  const ping = new Ping(ns(lab, 'node1'), {
    dst: ip4('192.168.57.11'),
    count: 2,
    intervalNs: SECOND,
    size: 56,
    ttl: 64,
    pmtudisc: 'want',
  });
  ping.start();
  lab.sim.run();
  return {
    result: ping.result(),
    neigh: names.map((n) => ipNeigh(ns(lab, n))),
    frames: seen.map((s) => `${s.kind} ${s.time} ${s.point} ${s.reason ?? ''}`),
  };
}

describe('lazy neighbour table', () => {
  it('a ping across the router gives the same frames and entries whether the tables existed or not', () => {
    const lazy = pingRun(false);
    const eager = pingRun(true);
    expect(lazy).toEqual(eager);
    expect(lazy.neigh[0]).toContain('192.168.56.1 dev eth0 lladdr');
  });
});
