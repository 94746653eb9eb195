import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DestinationHashing,
  dhHashKey,
  hash32,
  IpvsDest,
  IpvsService,
  LBLC_EXPIRATION,
  type LocalityLeastConnection,
  type LocalityLeastConnectionReplicated,
  type SourceHashing,
  shHashKey,
} from '../../src/netfilter/index.js';
import { ip4 } from '../../src/wire/index.js';
import { load, packet, pickIndex, picks, rip, serviceWith } from './ipvs-helpers.js';

describe('IPVS scheduler rr', () => {
  it('rr starts at the list head, which is the dest added last', () => {
    const svc = new IpvsService({ protocol: 'TCP', addr: ip4('10.96.0.1'), port: 443, scheduler: 'rr' });
    const a = new IpvsDest(rip(0), 80, 1);
    const b = new IpvsDest(rip(1), 80, 1);
    const c = new IpvsDest(rip(2), 80, 1);
    svc.link(a);
    svc.link(b);
    svc.link(c);
    const seq = [];
    for (let i = 0; i < 6; i++) seq.push(svc.scheduler.schedule(svc, packet(), 0));
    expect(seq).toEqual([c, b, a, c, b, a]);
  });

  it('rr skips weight-0 and overloaded dests, and fails when none is usable', () => {
    const svc = serviceWith('rr', [1, 0, 1, 1]);
    (svc.dests[3] as IpvsDest).overloaded = true;
    expect(picks(svc, 4)).toEqual([0, 2, 0, 2]);
    expect(pickIndex(serviceWith('rr', [0, 0]))).toBe(-1);
  });

  it('rr continues after a deleted current dest with the one that followed it', () => {
    const svc = serviceWith('rr', [1, 1, 1, 1]);
    expect(picks(svc, 2)).toEqual([0, 1]);
    svc.unlink(svc.dests[1] as IpvsDest); // the pointer moves back to dest 0
    expect(picks(svc, 3)).toEqual([1, 2, 0]);
  });

  it('rr gives each of n dests exactly k of k·n connections', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), (n, k) => {
        const svc = serviceWith(
          'rr',
          Array.from({ length: n }, () => 1),
        );
        const counts = new Array<number>(n).fill(0);
        for (const i of picks(svc, k * n)) counts[i] = (counts[i] as number) + 1;
        expect(counts).toEqual(new Array<number>(n).fill(k));
      }),
    );
  });
});

describe('IPVS scheduler wrr', () => {
  it('wrr with weights 4,3,2 bound to a full list gives AABABCABC each cycle', () => {
    // ip_vs_wrr_init_svc: cw = mw = 4; passes cw = 4, 3, 2, 1 over the list A, B, C.
    const svc = serviceWith('rr', [4, 3, 2]);
    svc.edit({ protocol: 'TCP', addr: svc.addr, port: svc.port, scheduler: 'wrr' });
    expect(picks(svc, 18)).toEqual([0, 0, 1, 0, 1, 2, 0, 1, 2, 0, 0, 1, 0, 1, 2, 0, 1, 2]);
  });

  it('wrr built dest by dest keeps the small cw of its first dest: one pass at cw 1 first', () => {
    // Adding C(2): di 2, mw 1, cw 1; then B(3), A(4): di 1, cw stays 1 (ip_vs_wrr_dest_changed).
    const svc = serviceWith('wrr', [4, 3, 2]);
    expect(picks(svc, 12)).toEqual([0, 1, 2, 0, 0, 1, 0, 1, 2, 0, 1, 2]);
  });

  it('wrr steps by the gcd of the weights', () => {
    // Weights 4 and 2: di 2, mw 3; passes cw 3 (A) and 1 (A, B).
    const svc = serviceWith('rr', [4, 2]);
    svc.edit({ protocol: 'TCP', addr: svc.addr, port: svc.port, scheduler: 'wrr' });
    expect(picks(svc, 6)).toEqual([0, 0, 1, 0, 0, 1]);
  });

  it('wrr gives each dest weight/gcd picks per cycle of sum/gcd, weight 0 none', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 6 }), (weights) => {
        const svc = serviceWith('rr', weights);
        svc.edit({ protocol: 'TCP', addr: svc.addr, port: svc.port, scheduler: 'wrr' });
        const positive = weights.filter((w) => w > 0);
        if (positive.length === 0) {
          expect(pickIndex(svc)).toBe(-1);
          return;
        }
        const g = positive.reduce((a, b) => {
          let x = a;
          let y = b;
          while (y !== 0) [x, y] = [y, x % y];
          return x;
        });
        const cycle = positive.reduce((a, b) => a + b, 0) / g;
        for (let round = 0; round < 2; round++) {
          const counts = new Array<number>(weights.length).fill(0);
          for (const i of picks(svc, cycle)) counts[i] = (counts[i] as number) + 1;
          expect(counts).toEqual(weights.map((w) => w / g));
        }
      }),
    );
  });
});

describe('IPVS schedulers lc, wlc, sed, nq', () => {
  it('lc picks the least (active << 8) + inactive and ignores the weight except 0', () => {
    const svc = serviceWith('lc', [1, 5, 1, 0]);
    load(svc.dests[0], 1, 0); // 256
    load(svc.dests[1], 0, 300); // 300
    load(svc.dests[2], 0, 255); // 255
    load(svc.dests[3], 0, 0); // weight 0
    expect(pickIndex(svc)).toBe(2);
  });

  it('lc and wlc keep the earlier dest on a tie', () => {
    for (const name of ['lc', 'wlc'] as const) {
      const svc = serviceWith(name, [2, 2, 2]);
      load(svc.dests[0], 1, 0);
      load(svc.dests[1], 0, 256);
      load(svc.dests[2], 0, 256);
      expect(pickIndex(svc)).toBe(0);
    }
  });

  it('wlc compares overhead/weight without division', () => {
    const svc = serviceWith('wlc', [1, 3]);
    load(svc.dests[0], 1, 0); // 256/1
    load(svc.dests[1], 2, 0); // 512/3 < 256
    expect(pickIndex(svc)).toBe(1);
  });

  it('sed counts only active connections plus the new one', () => {
    const svc = serviceWith('sed', [1, 3]);
    load(svc.dests[0], 0, 50); // (0+1)/1
    load(svc.dests[1], 1, 0); // (1+1)/3 < 1
    expect(pickIndex(svc)).toBe(1);
    load(svc.dests[1], 2, 0); // 3/3 = 1/1: tie keeps dest 0
    expect(pickIndex(svc)).toBe(0);
  });

  it('nq takes the first idle dest, whatever its weight, else behaves as sed', () => {
    const svc = serviceWith('nq', [5, 1, 1]);
    load(svc.dests[0], 3, 0);
    load(svc.dests[1], 0, 9);
    expect(pickIndex(svc)).toBe(1);
    load(svc.dests[1], 1, 0);
    load(svc.dests[2], 1, 0);
    expect(pickIndex(svc)).toBe(0); // 4/5 < 2/1
  });

  it('lc and wlc never pick a dest with a strictly larger (weighted) overhead', () => {
    const arbDest = fc.record({
      weight: fc.integer({ min: 0, max: 5 }),
      active: fc.integer({ min: 0, max: 4 }),
      inactive: fc.integer({ min: 0, max: 600 }),
    });
    fc.assert(
      fc.property(fc.array(arbDest, { minLength: 1, maxLength: 8 }), fc.boolean(), (specs, weighted) => {
        const svc = serviceWith(
          weighted ? 'wlc' : 'lc',
          specs.map((s) => s.weight),
        );
        specs.forEach((s, i) => {
          load(svc.dests[i], s.active, s.inactive);
        });
        const i = pickIndex(svc);
        const usable = svc.dests.filter((d) => d.weight > 0);
        if (usable.length === 0) {
          expect(i).toBe(-1);
          return;
        }
        const chosen = svc.dests[i] as IpvsDest;
        for (const d of usable) {
          if (weighted) expect(d.overhead * chosen.weight).toBeGreaterThanOrEqual(chosen.overhead * d.weight);
          else expect(d.overhead).toBeGreaterThanOrEqual(chosen.overhead);
        }
        // Ties keep the earliest: no earlier usable dest is as good.
        for (const d of svc.dests.slice(0, i).filter((x) => x.weight > 0)) {
          if (weighted) expect(d.overhead * chosen.weight).toBeGreaterThan(chosen.overhead * d.weight);
          else expect(d.overhead).toBeGreaterThan(chosen.overhead);
        }
      }),
    );
  });
});

describe('IPVS schedulers sh and dh', () => {
  it('hash32() is GOLDEN_RATIO_32 times the value, top bits kept', () => {
    expect(hash32(1, 8)).toBe(0x61);
    expect(hash32(0, 8)).toBe(0);
    expect(hash32(ip4('10.244.1.2'), 8)).toBe(77);
    expect(hash32(ip4('10.96.0.100'), 8)).toBe(82);
    expect(shHashKey(ip4('10.244.1.2'), 40000, 0)).toBe(241);
    expect(dhHashKey(ip4('10.96.0.100'))).toBe(82);
  });

  it('sh fills 256 buckets round-robin, each dest for `weight` buckets', () => {
    const svc = serviceWith('sh', [1, 2]);
    const sh = svc.scheduler as SourceHashing;
    const a = svc.dests[0];
    const b = svc.dests[1];
    expect(sh.buckets.slice(0, 6)).toEqual([a, b, b, a, b, b]);
    expect(sh.buckets[255]).toBe(a); // 255 mod 3 = 0
    expect(sh.buckets.filter((d) => d === a)).toHaveLength(86);
  });

  it('sh maps a client by hash_32(addr + port) and sh-port changes the bucket', () => {
    const svc = serviceWith('sh', [1, 2]);
    // 10.244.1.2 → bucket 77 (77 mod 3 = 2: B); 192.168.56.11 → 111 (A).
    expect(pickIndex(svc, packet('10.244.1.2'))).toBe(1);
    expect(pickIndex(svc, packet('192.168.56.11'))).toBe(0);
    svc.shPort = true; // 10.244.1.2:40000 → bucket 241 (241 mod 3 = 1: B)
    expect(pickIndex(svc, packet('10.244.1.2', '10.96.0.100', 40000))).toBe(1);
  });

  it('sh gives no destination when the bucket dest is quiesced, unless sh-fallback', () => {
    const svc = serviceWith('sh', [1, 1]);
    const b = svc.dests[1] as IpvsDest;
    b.weight = 0;
    svc.scheduler.updDest(svc, b);
    // Bucket 77 is odd: B. The fallback's first probe is (77 + 77) & 255 = 154, even: A.
    expect(pickIndex(svc, packet('10.244.1.2'))).toBe(-1);
    svc.shFallback = true;
    expect(pickIndex(svc, packet('10.244.1.2'))).toBe(0);
  });

  it('dh hashes the destination address and ignores weights in its table', () => {
    const svc = serviceWith('dh', [5, 1, 1]);
    const dh = svc.scheduler as DestinationHashing;
    expect(dh.buckets.slice(0, 4)).toEqual([svc.dests[0], svc.dests[1], svc.dests[2], svc.dests[0]]);
    // 10.96.0.100 → 82, 82 mod 3 = 1.
    expect(pickIndex(svc, packet('10.244.1.2', '10.96.0.100'))).toBe(1);
    expect(pickIndex(svc, packet('10.244.9.9', '10.96.0.100'))).toBe(1);
  });
});

describe('IPVS schedulers lblc and lblcr', () => {
  it('lblc keeps a destination address on its cached dest until it is overloaded', () => {
    const svc = serviceWith('lblc', [2, 2]);
    const lblc = svc.scheduler as LocalityLeastConnection;
    load(svc.dests[0], 0, 1);
    expect(pickIndex(svc)).toBe(1); // wlc
    load(svc.dests[1], 2, 0); // more loaded now, but active (2) ≤ weight (2)
    expect(pickIndex(svc)).toBe(1);
    load(svc.dests[1], 3, 0); // active > weight, and dest 0 has 2·0 < 2
    expect(pickIndex(svc)).toBe(0);
    expect(lblc.cached(packet().dst)).toBe(svc.dests[0]);
  });

  it('lblc forgets an entry unused for lblc_expiration', () => {
    const svc = serviceWith('lblc', [1, 1]);
    load(svc.dests[0], 0, 1);
    expect(pickIndex(svc, packet(), 0)).toBe(1);
    load(svc.dests[1], 0, 5);
    expect(pickIndex(svc, packet(), LBLC_EXPIRATION - 1)).toBe(1);
    expect(pickIndex(svc, packet(), 2 * LBLC_EXPIRATION)).toBe(0);
  });

  it('lblcr adds the least-loaded dest to an overloaded set and later drops the most loaded', () => {
    const svc = serviceWith('lblcr', [1, 1]);
    const lblcr = svc.scheduler as LocalityLeastConnectionReplicated;
    const [a, b] = svc.dests;
    expect(pickIndex(svc, packet(), 0)).toBe(0);
    load(a, 2, 0); // overloaded: 2 > 1, and b has 2·0 < 1
    expect(pickIndex(svc, packet(), 1)).toBe(1);
    expect(lblcr.cachedSet(packet().dst)).toEqual([b, a]);
    load(b, 1, 0);
    // The set has not changed for 24 h: its most loaded member (a) is dropped.
    expect(pickIndex(svc, packet(), 2 + LBLC_EXPIRATION)).toBe(1);
    expect(lblcr.cachedSet(packet().dst)).toEqual([b]);
  });
});
