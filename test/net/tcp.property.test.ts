import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitEthernet, parseEthernet, verifyEthernet } from '../../src/wire/index.js';
import { exchange, recordTcp, tcpLab } from './tcp-lab.js';

describe('TCP properties', () => {
  it('delivers exactly the bytes written, both ways, in MSS-sized segments that verify and parse back unchanged', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 6000 }),
        fc.uint8Array({ minLength: 0, maxLength: 30000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(576, 1280, 1450, 1500, 9000),
        fc.integer({ min: 1, max: 1 << 30 }),
        (request, response, writes, mtu, seed) => {
          const lab = tcpLab({ seed, mtu });
          const seen = recordTcp(lab, 'pa/eth0', 'both');
          const x = exchange(lab, { request, response, writes, runNs: 5e9 });
          expect(x.serverGot).toEqual(request);
          expect(x.clientGot).toEqual(response);
          expect([x.clientClosed, x.serverClosed]).toEqual([undefined, undefined]);
          const mss = mtu - 40 - 12;
          for (const s of seen) {
            expect(s.tcp.payload.length).toBeLessThanOrEqual(mss);
            expect(s.ip.totalLength).toBeLessThanOrEqual(mtu);
            expect(verifyEthernet(s.frame)).toBe(true);
            const back = parseEthernet(emitEthernet(s.frame), { verifyChecksums: true });
            expect(back.ok && back.value).toEqual(s.frame);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
