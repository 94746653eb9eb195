import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbFabric,
  arbFabricDraw,
  arbFabricText,
  type FabricDraw,
  FLANNEL_BACKENDS,
  fabricYaml,
  loadGenerated,
  validBackends,
  withBackend,
} from '../../src/testing/index.js';
import { formatCidr } from '../../src/topology/index.js';

const RUNS = { numRuns: 60 };

const racksUsed = (d: FabricDraw): number => new Set(d.nodes.map((n) => n.subnet)).size;

describe('arbFabricDraw()', () => {
  it('draws 2–20 nodes on 1–3 racks, 0–4 pods per node named p<node>-<k>, a backend valid for the layout', () => {
    fc.assert(
      fc.property(arbFabricDraw(), (d) => {
        expect(d.nodes.length).toBeGreaterThanOrEqual(2);
        expect(d.nodes.length).toBeLessThanOrEqual(20);
        expect(d.segments.length).toBeGreaterThanOrEqual(1);
        expect(d.segments.length).toBeLessThanOrEqual(3);
        expect(d.nodes.map((n) => n.name)).toEqual(d.nodes.map((_, i) => `node${i + 1}`));
        for (const [i, n] of d.nodes.entries()) {
          const mine = d.pods.filter((p) => p.node === n.name).map((p) => p.name);
          expect(mine.length).toBeLessThanOrEqual(4);
          expect(mine).toEqual(mine.map((_, k) => `p${i + 1}-${k + 1}`));
        }
        expect(validBackends(d)).toContain(d.backend);
        if (d.backend === 'host-gw') expect(d.segments).toHaveLength(1);
      }),
      RUNS,
    );
  });

  it('draws every backend, big clusters and multi-rack layouts (size "max": not only the first ten nodes)', () => {
    const draws = fc.sample(arbFabricDraw(), { numRuns: 300, seed: 5 });
    expect(new Set(draws.map((d) => d.backend))).toEqual(new Set(FLANNEL_BACKENDS));
    expect(Math.max(...draws.map((d) => d.nodes.length))).toBe(20);
    expect(draws.some((d) => racksUsed(d) === 3)).toBe(true);
    expect(draws.some((d) => d.pods.length === 0)).toBe(true);
    expect(draws.some((d) => d.pods.length > 40)).toBe(true);
  });

  it('honours backends, node bounds, maxSegments, maxPodsPerNode and minPods', () => {
    const opts = {
      backends: ['udp'],
      minNodes: 3,
      maxNodes: 5,
      maxSegments: 2,
      maxPodsPerNode: 1,
      minPods: 3,
    } as const;
    fc.assert(
      fc.property(arbFabricDraw(opts), (d) => {
        expect(d.backend).toBe('udp');
        expect(d.nodes.length).toBeGreaterThanOrEqual(3);
        expect(d.nodes.length).toBeLessThanOrEqual(5);
        expect(d.segments.length).toBeLessThanOrEqual(2);
        expect(d.pods.length).toBeGreaterThanOrEqual(3);
        expect(new Set(d.pods.map((p) => p.node)).size).toBe(d.pods.length);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same seed gives the same fabrics', () => {
    const a = fc.sample(arbFabricText(), { numRuns: 20, seed: 11 });
    expect(fc.sample(arbFabricText(), { numRuns: 20, seed: 11 })).toEqual(a);
  });

  it('refuses nonsensical options with a RangeError', () => {
    expect(() => arbFabricDraw({ minNodes: 0 })).toThrow(RangeError);
    expect(() => arbFabricDraw({ minNodes: 3, maxNodes: 2 })).toThrow(RangeError);
    expect(() => arbFabricDraw({ maxSegments: 0 })).toThrow(RangeError);
    expect(() => arbFabricDraw({ maxPodsPerNode: -1 })).toThrow(RangeError);
    expect(() => arbFabricDraw({ minPods: 9, minNodes: 2, maxPodsPerNode: 4 })).toThrow(RangeError);
    expect(() => arbFabricDraw({ backends: [] })).toThrow(RangeError);
  });

  it('shrinks "fewer than 3 pods" to three pods on node1 of two nodes, one rack, seed 0, backend kept', () => {
    const details = fc.check(
      fc.property(arbFabricDraw(), (d) => d.pods.length < 3),
      { seed: 42 },
    );
    const [d] = details.counterexample ?? [];
    expect(d?.nodes).toEqual([
      { name: 'node1', subnet: 'rack1' },
      { name: 'node2', subnet: 'rack1' },
    ]);
    expect(d?.segments).toHaveLength(1);
    expect(d?.pods).toEqual([
      { name: 'p1-1', node: 'node1' },
      { name: 'p1-2', node: 'node1' },
      { name: 'p1-3', node: 'node1' },
    ]);
    expect(d?.seed).toBe(0);
  });

  it('shrinks a failure of udp between racks to two nodes on two racks with one pod each', () => {
    const crossRackUdp = (d: FabricDraw): boolean =>
      d.backend === 'udp' && d.pods.some((a) => d.pods.some((b) => rackOf(d, a.node) !== rackOf(d, b.node)));
    const details = fc.check(
      fc.property(arbFabricDraw(), (d) => !crossRackUdp(d)),
      { seed: 3 },
    );
    const [d] = details.counterexample ?? [];
    expect(d?.backend).toBe('udp');
    expect(d?.segments).toHaveLength(2);
    expect(d?.nodes.map((n) => n.subnet).sort()).toEqual(['rack1', 'rack2']);
    expect(d?.pods.map((p) => p.node).sort()).toEqual(['node1', 'node2']);
  });
});

function rackOf(d: FabricDraw, node: string): string | undefined {
  return d.nodes.find((n) => n.name === node)?.subnet;
}

describe('fabricYaml() and arbFabric()', () => {
  it('writes a file that loads to exactly the drawn backend, nodes, podCIDRs, pods and seed', () => {
    fc.assert(
      fc.property(arbFabricDraw({ maxNodes: 8 }), (d) => {
        const t = loadGenerated(fabricYaml(d));
        expect(t.seed).toBe(d.seed);
        expect(t.network.backend).toBe(d.backend);
        expect(t.network.flanneld).toBe(true);
        expect(t.nodes.map((n) => [n.name, n.segment])).toEqual(d.nodes.map((n) => [n.name, n.subnet]));
        expect(t.nodes.map((n) => formatCidr(n.podCIDR))).toEqual(d.nodes.map((_, i) => `10.244.${i}.0/24`));
        expect(t.pods.map((p) => [p.name, p.namespace, p.node])).toEqual(
          d.pods.map((p) => [p.name, 'default', p.node]),
        );
      }),
      RUNS,
    );
  });

  it('arbFabric() gives loaded topologies whose backend is valid for their layout', () => {
    fc.assert(
      fc.property(arbFabric({ maxNodes: 6 }), (t) => {
        expect(validBackends(t)).toContain(t.network.backend);
      }),
      RUNS,
    );
  });
});

describe('validBackends() and withBackend()', () => {
  const draw = (subnets: readonly string[]): FabricDraw => ({
    seed: 1,
    segments: ['rack1', 'rack2', 'rack3'].map((name, i) => ({
      name,
      cidr: `192.168.${i}.0/24`,
      mtu: 1500,
      latency: '50us',
      bandwidth: '10Gbps',
    })),
    nodes: subnets.map((subnet, i) => ({ name: `node${i + 1}`, subnet })),
    backend: 'vxlan',
    pods: [],
  });

  it('allows host-gw when every node is on one rack, even with other racks around', () => {
    expect(validBackends(draw(['rack2', 'rack2']))).toEqual([
      'vxlan',
      'host-gw',
      'vxlan-directrouting',
      'udp',
    ]);
    expect(validBackends(draw(['rack1', 'rack3']))).toEqual(['vxlan', 'vxlan-directrouting', 'udp']);
    expect(validBackends(loadGenerated(fabricYaml(draw(['rack1', 'rack3']))))).not.toContain('host-gw');
  });

  it('withBackend() changes the backend and nothing else', () => {
    const t = loadGenerated(fabricYaml(draw(['rack1', 'rack1'])));
    const u = withBackend(t, 'udp');
    expect(u.network.backend).toBe('udp');
    expect({ ...u, network: { ...u.network, backend: 'vxlan' } }).toEqual(t);
  });
});
