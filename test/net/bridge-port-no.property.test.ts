/**
 * br_add_if gives a new port the lowest free port number from 1 (find_portno). The bridge skips the scan
 * while the numbers in use are exactly 1..ports; this checks it against a plain lowest-free search after
 * any sequence of enslaving and releasing ports.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bridge, type NetDevice, NetNs } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import type { EthernetFrame } from '../../src/wire/index.js';

function lowestFree(used: readonly number[]): number {
  let n = 1;
  while (used.includes(n)) n++;
  return n;
}

describe('bridge port numbers', () => {
  it('every new port gets the lowest free number, whatever came and went before', () => {
    const arbOps = fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: 40 })), { maxLength: 80 });
    fc.assert(
      fc.property(arbOps, (ops) => {
        const sim = new Sim({ seed: 1 });
        const node = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
        const br = new Bridge(sim, node.deviceOptions('cni0', 0x02aa00000001, 1500));
        node.attach(br);
        const enslaved: NetDevice[] = [];
        let made = 0;
        for (const op of ops) {
          if (op === -1 || enslaved.length === 0) {
            // -1 (or nothing to release): enslave a new dummy port.
            const dev = new Bridge(sim, node.deviceOptions(`d${made}`, 0x02bb00000000 + made, 1500));
            made++;
            const want = lowestFree(br.ports.map((p) => p.portNo));
            expect(br.addPort(dev).portNo).toBe(want);
            enslaved.push(dev);
          } else {
            const [dev] = enslaved.splice(op % enslaved.length, 1);
            if (dev !== undefined) br.removePort(dev);
          }
          const numbers = br.ports.map((p) => p.portNo);
          expect(new Set(numbers).size).toBe(numbers.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
