import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rule, Target } from '../../src/netfilter/index.js';
import { MS } from '../../src/sim/index.js';
import { formatIp4, ip4 } from '../../src/wire/index.js';
import {
  dnat,
  dport,
  forward,
  jump,
  load,
  masquerade,
  packet,
  routedLab,
  rule,
  type Seen,
  sendUdp,
  snat,
  statisticOneIn,
  table,
  udpListen,
  udpPacket,
  unitNf,
} from './engine-lab.js';

const VIP = '10.96.0.100';

/** One UDP flow the client starts: from one of its addresses, to the service or straight to an endpoint. */
interface Flow {
  readonly src: string;
  readonly sport: number;
  readonly toVip: boolean;
}

const arbFlow: fc.Arbitrary<Flow> = fc.record({
  src: fc.constantFrom('10.0.1.2', '10.0.1.3'),
  // Around the 1024 boundary, and few enough to make clashing tuples likely.
  sport: fc.integer({ min: 1021, max: 1026 }),
  toVip: fc.boolean(),
});

const arbSourceNat: fc.Arbitrary<Target | undefined> = fc.constantFrom<Target | undefined>(
  undefined,
  masquerade(),
  masquerade(true),
  snat('10.0.2.1'),
  snat('10.0.2.1', 2000),
);

describe('NAT properties', () => {
  it('every reply the client sees comes from where it sent to, to where it sent from (NAT symmetry)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65535 }),
        fc.constantFrom('10.0.2.2', '10.0.2.3'),
        fc.integer({ min: 1024, max: 65535 }),
        arbSourceNat,
        fc.uniqueArray(arbFlow, {
          minLength: 1,
          maxLength: 8,
          selector: (f) => `${f.src}:${f.sport}:${f.toVip}`,
        }),
        fc.integer({ min: 0, max: 1000 }),
        (vipPort, endpoint, epPort, sourceNat, flows, seed) => {
          const lab = routedLab(seed);
          const rules: { [chain: string]: readonly Rule[] } = {
            PREROUTING: [
              rule({
                dst: VIP,
                proto: 'udp',
                matches: [dport('udp', vipPort)],
                target: dnat(endpoint, epPort),
              }),
            ],
          };
          if (sourceNat !== undefined) rules['POSTROUTING'] = [rule({ out: 'eth-s', target: sourceNat })];
          load(lab.nf, table('nat', rules));
          udpListen(lab.server, epPort, true);
          const got = new Map<number, Seen[]>();
          for (const f of flows) if (!got.has(f.sport)) got.set(f.sport, udpListen(lab.client, f.sport));
          const dstOf = (f: Flow): [string, number] => (f.toVip ? [VIP, vipPort] : [endpoint, epPort]);
          for (let round = 0; round < 2; round++) {
            for (const f of flows) {
              const [d, p] = dstOf(f);
              sendUdp(lab.client, f.src, d, f.sport, p);
            }
            lab.sim.run({ until: lab.sim.now + 10 * MS });
          }
          const sent = new Set(flows.map((f) => `${f.src}:${f.sport}>${dstOf(f).join(':')}`));
          const replies = [...got.values()].flat();
          for (const r of replies) {
            expect(sent.has(`${formatIp4(r.dst)}:${r.dport}>${formatIp4(r.src)}:${r.sport}`)).toBe(true);
          }
          // Without a fixed SNAT port nothing can clash for good: every flow is answered each round.
          const fixedPort = sourceNat?.kind === 'SNAT' && sourceNat.toPort !== undefined;
          if (!fixedPort) expect(replies).toHaveLength(2 * flows.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an established connection keeps its NAT binding when the rules are replaced (kube-proxy resync)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('10.0.2.2', '10.0.2.3'), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1024, max: 65535 }),
        (endpoints, sport) => {
          const { nf } = unitNf();
          const service = (ep: string) =>
            table('nat', { PREROUTING: [rule({ dst: VIP, proto: 'udp', target: dnat(ep, 8080) })] });
          const first = endpoints[0] ?? '10.0.2.2';
          load(nf, service(first));
          const req = () => udpPacket('10.0.1.2', VIP, sport, 80);
          expect(formatIp4(packet(forward(nf, req())).dst)).toBe(first);
          endpoints.forEach((ep, i) => {
            load(nf, service(ep));
            expect(formatIp4(packet(forward(nf, req())).dst)).toBe(first);
            const reply = packet(forward(nf, udpPacket(first, '10.0.1.2', 8080, sport), 'eth1', 'eth0'));
            expect([formatIp4(reply.src), reply.payload.kind === 'udp' ? reply.payload.srcPort : 0]).toEqual([
              VIP,
              80,
            ]);
            // A new connection follows the rules now in force.
            const fresh = packet(forward(nf, udpPacket(`10.0.1.${10 + i}`, VIP, sport, 80)));
            expect(formatIp4(fresh.dst)).toBe(ep);
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('statistic spreads new connections evenly over n endpoints (chi-square below the 0.1% critical value)', () => {
    /** χ² critical values at α = 0.001 for 1..7 degrees of freedom. */
    const CRITICAL = [10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32];
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const { nf } = unitNf({ seed });
        // KUBE-SVC-…: rule i < n−1 takes 1/(n−i) of what reaches it; the last takes the rest.
        const svc: Rule[] = [];
        const chains: { [name: string]: readonly Rule[] } = {};
        for (let i = 0; i < n; i++) {
          const sep = `KUBE-SEP-${i}`;
          svc.push(rule({ matches: i < n - 1 ? [statisticOneIn(n - i)] : [], target: jump(sep) }));
          chains[sep] = [rule({ target: dnat(`10.1.0.${i + 1}`) })];
        }
        load(
          nf,
          table('nat', {
            PREROUTING: [rule({ dst: VIP, target: jump('KUBE-SVC') })],
            'KUBE-SVC': svc,
            ...chains,
          }),
        );
        const per = 1500;
        const counts = new Array<number>(n).fill(0);
        for (let k = 0; k < per * n; k++) {
          const src = (ip4('10.2.0.0') + Math.floor(k / 50000)) >>> 0;
          const out = packet(forward(nf, udpPacket(src, VIP, 1024 + (k % 50000), 80)));
          const i = (out.dst & 0xff) - 1;
          counts[i] = (counts[i] ?? 0) + 1;
        }
        const chi2 = counts.reduce((s, c) => s + (c - per) ** 2 / per, 0);
        expect(chi2).toBeLessThan(CRITICAL[n - 2] ?? 0);
      }),
      { numRuns: 12, seed: 20240611 },
    );
  });
});
