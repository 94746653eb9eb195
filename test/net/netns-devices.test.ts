import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dummy, NetNs } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ip4 } from '../../src/wire/index.js';

// The namespace keeps devices by name in a scan for few devices and a Map for many, and addresses in
// a per-ifindex list: what `ip link` and `ip addr` see must not depend on which.
function ns(): NetNs {
  const sim = new Sim({ seed: 1 });
  return new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
}

function addDummy(n: NetNs, name: string, i: number): void {
  n.attach(new Dummy(n.sim, n.deviceOptions(name, 0x020000000000 + i, 1500)));
}

describe('NetNs devices and addresses', () => {
  it('starts with lo at ifindex 1 holding 127.0.0.1/8 and its local and broadcast routes', () => {
    const n = ns();
    expect(n.deviceByName('lo')?.ifindex).toBe(1);
    expect(n.addresses(1)).toEqual([
      {
        ip: ip4('127.0.0.1'),
        prefixLen: 8,
        dev: 1,
        broadcast: ip4('127.255.255.255'),
        scope: 'host',
        broadcastSet: false,
      },
    ]);
    expect(n.local.list().map((r) => `${r.type} ${r.dst}/${r.prefixLen}`)).toEqual([
      `local ${ip4('127.0.0.0')}/8`,
      `local ${ip4('127.0.0.1')}/32`,
      `broadcast ${ip4('127.255.255.255')}/32`,
    ]);
  });

  it('an address added to one namespace lo never shows in another', () => {
    const a = ns();
    const b = ns();
    a.addAddress('lo', ip4('10.96.0.1'), 32);
    expect(a.addresses(1)).toHaveLength(2);
    expect(b.addresses(1)).toHaveLength(1);
    expect(b.local.list()).toHaveLength(3);
  });

  it('finds, removes and refuses devices by name alike for few and many devices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.nat(), { maxLength: 10 }), (count, dels) => {
        const n = ns();
        const names = Array.from({ length: count }, (_, i) => `d${i}`);
        names.forEach((name, i) => {
          addDummy(n, name, i);
          n.addAddress(name, ip4('10.0.0.0') + (i + 1) * 256 + 1, 24);
        });
        const gone = new Set(dels.map((d) => names[d % count] as string));
        for (const name of gone) n.removeDevice(name);
        names.forEach((name, i) => {
          const dev = n.deviceByName(name);
          if (gone.has(name)) {
            expect(dev).toBeUndefined();
            expect(n.addresses(i + 2)).toEqual([]);
          } else {
            expect(dev?.ifindex).toBe(i + 2);
            expect(n.device(i + 2)).toBe(dev);
            expect(n.addresses(i + 2).map((a) => a.ip)).toEqual([ip4('10.0.0.0') + (i + 1) * 256 + 1]);
          }
        });
        expect(n.devices().map((d) => d.name)).toEqual(['lo', ...names.filter((x) => !gone.has(x))]);
        const kept = names.find((x) => !gone.has(x));
        if (kept !== undefined) expect(() => addDummy(n, kept, 99)).toThrow(/already exists/);
      }),
      { numRuns: 60 },
    );
  });
});
