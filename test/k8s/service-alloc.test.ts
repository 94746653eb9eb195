import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterIpAllocator, NodePortAllocator, staticBand } from '../../src/k8s/service-alloc.js';
import { Rng } from '../../src/sim/index.js';
import { parseIp4 } from '../../src/wire/index.js';

const NET = parseIp4('10.96.0.0') ?? 0;

describe('Service allocators (KEP-3070 bands)', () => {
  it('sizes the static band as the API server does', () => {
    expect(staticBand(2 ** 20, 16, 256, 16)).toBe(256); // /12
    expect(staticBand(256, 16, 256, 16)).toBe(16); // /24
    expect(staticBand(16, 16, 256, 16)).toBe(0); // /28
    expect(staticBand(2768, 16, 128, 32)).toBe(86); // 30000-32767
  });

  it('allocates dynamic ClusterIPs above the static band of a /12', () => {
    const a = new ClusterIpAllocator(NET, 12, new Rng(1, 'ip'));
    expect(a.firstIp).toBe(parseIp4('10.96.0.1'));
    for (let i = 0; i < 50; i++) {
      const ip = a.next() ?? 0;
      expect(ip).toBeGreaterThanOrEqual(NET + 1 + 256);
      expect(ip).toBeLessThanOrEqual(NET + 2 ** 20 - 2);
    }
  });

  it('falls back to the static band only when the upper band is full, and never repeats', () => {
    const a = new ClusterIpAllocator(parseIp4('10.0.0.0') ?? 0, 27, new Rng(2, 'ip')); // 30 usable, band 16
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const ip = a.next();
      expect(ip).toBeDefined();
      seen.add(ip ?? 0);
      if (i < 14) expect(ip).toBeGreaterThanOrEqual((parseIp4('10.0.0.0') ?? 0) + 17);
    }
    expect(seen.size).toBe(30);
    expect(a.next()).toBeUndefined();
  });

  it('refuses taken or out-of-range values', () => {
    const a = new ClusterIpAllocator(NET, 12, new Rng(3, 'ip'));
    expect(a.take(NET)).toBe(false); // network address
    expect(a.take(NET + 10)).toBe(true);
    expect(a.take(NET + 10)).toBe(false);
    const p = new NodePortAllocator(new Rng(3, 'np'));
    expect(p.take(29999)).toBe(false);
    expect(p.take(30080)).toBe(true);
    expect(p.take(30080)).toBe(false);
  });

  it('property: NodePorts are unique and in range until the range is exhausted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 200 }), (seed, n) => {
        const p = new NodePortAllocator(new Rng(seed, 'np'), 30000, 30199);
        const got = new Set<number>();
        for (let i = 0; i < n; i++) {
          const v = p.next();
          if (v === undefined) return false;
          if (v < 30000 || v > 30199 || got.has(v)) return false;
          got.add(v);
        }
        return n < 200 || p.next() === undefined;
      }),
    );
  });
});
