/**
 * NetDevice assigns its fields in the constructor (a class-field define is slow at the megamorphic base
 * constructor). Every kind must still start with the same defaults and the same own properties, in the
 * same order, as the former field declarations gave them.
 */
import { describe, expect, it } from 'vitest';
import { Bridge, Dummy, Loopback, NetNs, Nic, Tun, vethPair } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import type { EthernetFrame } from '../../src/wire/index.js';

const BASE_FIELDS = [
  'sim',
  'name',
  'ifindex',
  'mac',
  'mtu',
  'adminUp',
  'activated',
  'handler',
  'txqlen',
  'master',
  'linkStats',
  'point',
  'later',
  'trace',
];

describe('device construction', () => {
  it('every device kind starts unenslaved, txqlen 1000, with its capture point; up unless a dummy', () => {
    const sim = new Sim({ seed: 1 });
    const trace = new TraceBus<EthernetFrame>();
    const ns = new NetNs(sim, { name: 'n1', trace });
    const [va, vb] = vethPair(
      sim,
      ns.deviceOptions('va', 0x020000000001, 1500),
      ns.deviceOptions('vb', 2, 1500),
    );
    const devs = [
      new Loopback(sim, ns.deviceOptions('lo2', 0, 65536)),
      va,
      vb,
      new Bridge(sim, ns.deviceOptions('br0', 0x020000000003, 1500)),
      new Nic(sim, ns.deviceOptions('eth9', 0x020000000004, 1500)),
      new Dummy(sim, ns.deviceOptions('dummy0', 0x020000000005, 1500)),
      new Tun(sim, { ...ns.deviceOptions('tun0', 0, 1472), layer3: true }),
    ];
    for (const d of devs) {
      expect(Object.keys(d).slice(0, BASE_FIELDS.length)).toEqual(BASE_FIELDS);
      // `ip link add … type dummy` leaves the link down (and never opened); the others start up.
      const up = !(d instanceof Dummy);
      expect([d.adminUp, d.activated, d.txqlen, d.master, d.handler]).toEqual([
        up,
        up,
        1000,
        undefined,
        undefined,
      ]);
      expect(d.point.name).toBe(`n1/${d.name}`);
      expect(d.point.layer3).toBe(d instanceof Tun);
      expect(d.stats.rxPackets).toBe(0);
    }
    expect(new Set(devs.map((d) => d.point.id)).size).toBe(devs.length);
  });
});
