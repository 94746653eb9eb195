import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbCluster,
  arbClusterDraw,
  arbHostPair,
  arbUnderlay,
  clusterYaml,
  gatewayOf,
  hostIp,
  loadGenerated,
  routingHops,
} from '../../src/testing/index.js';
import { formatIp4, parseIp4, type Topology } from '../../src/topology/index.js';

const RUNS = { numRuns: 50 };

const octets = (ip: number): number[] => formatIp4(ip).split('.').map(Number);

describe('arbUnderlay()', () => {
  it('draws 1–3 segments on distinct 192.168.X.0/24 networks with MTU 1500, 9000 or 1400', () => {
    fc.assert(
      fc.property(arbUnderlay(), (segments) => {
        expect(segments.length).toBeGreaterThanOrEqual(1);
        expect(segments.length).toBeLessThanOrEqual(3);
        expect(segments.map((s) => s.name)).toEqual(segments.map((_, i) => `rack${i + 1}`));
        for (const s of segments) expect(s.cidr).toMatch(/^192\.168\.(\d{1,3})\.0\/24$/);
        expect(new Set(segments.map((s) => s.cidr)).size).toBe(segments.length);
        for (const s of segments) expect([1500, 9000, 1400]).toContain(s.mtu);
      }),
      RUNS,
    );
  });

  it('refuses a maxSegments outside 1..255 with a RangeError', () => {
    expect(() => arbUnderlay({ maxSegments: 0 })).toThrow(RangeError);
    expect(() => arbUnderlay({ maxSegments: 256 })).toThrow(RangeError);
  });
});

describe('arbCluster()', () => {
  it('draws topologies as the loader makes them: gateways .1, nodes from .11 up, router iff 2+ segments', () => {
    fc.assert(
      fc.property(arbCluster(), (t: Topology) => {
        expect(t.nodes.length).toBeGreaterThanOrEqual(2);
        expect(t.nodes.length).toBeLessThanOrEqual(6);
        expect(t.segments.length).toBeLessThanOrEqual(3);
        for (const s of t.segments) {
          expect(octets(s.network).slice(0, 2)).toEqual([192, 168]);
          expect(s.prefixLen).toBe(24);
          expect(s.gateway).toBe(s.network + 1);
          // Nodes of a segment get .11, .12, … in declared order.
          const hosts = t.nodes.filter((n) => n.segment === s.name).map((n) => n.ip - s.network);
          expect(hosts).toEqual(hosts.map((_, i) => 11 + i));
        }
        if (t.segments.length < 2) {
          expect(t.routers).toEqual([]);
        } else {
          expect(t.routers).toHaveLength(1);
          const [router] = t.routers;
          expect(router?.name).toBe('router');
          expect(router?.implicit).toBe(true);
          expect(router?.interfaces).toEqual(t.segments.map((s) => ({ segment: s.name, ip: s.gateway })));
        }
      }),
      RUNS,
    );
  });

  it('honours minNodes, maxNodes and maxSegments', () => {
    fc.assert(
      fc.property(arbCluster({ minNodes: 4, maxNodes: 5, maxSegments: 1 }), (t) => {
        expect(t.nodes.length).toBeGreaterThanOrEqual(4);
        expect(t.nodes.length).toBeLessThanOrEqual(5);
        expect(t.segments).toHaveLength(1);
      }),
      RUNS,
    );
  });

  it('refuses nonsensical bounds with a RangeError', () => {
    expect(() => arbCluster({ minNodes: 0 })).toThrow(RangeError);
    expect(() => arbCluster({ minNodes: 3, maxNodes: 2 })).toThrow(RangeError);
    expect(() => arbCluster({ maxSegments: 0 })).toThrow(RangeError);
  });

  it('writes the draw as a file that loads to exactly the drawn segments, nodes and seed', () => {
    fc.assert(
      fc.property(arbClusterDraw(), (draw) => {
        const t = loadGenerated(clusterYaml(draw));
        expect(t.seed).toBe(draw.seed);
        expect(t.segments.map((s) => [s.name, `${formatIp4(s.network)}/${s.prefixLen}`, s.mtu])).toEqual(
          draw.segments.map((s) => [s.name, s.cidr, s.mtu]),
        );
        expect(t.nodes.map((n) => [n.name, n.segment])).toEqual(draw.nodes.map((n) => [n.name, n.subnet]));
      }),
      RUNS,
    );
  });

  it('shrinks a counterexample to "no cluster has more than 2 nodes" to 3 nodes on one segment', () => {
    const details = fc.check(
      fc.property(arbCluster({ maxNodes: 8 }), (t) => t.nodes.length <= 2),
      { seed: 42 },
    );
    expect(details.failed).toBe(true);
    const [t] = details.counterexample ?? [];
    expect(t?.nodes).toHaveLength(3);
    expect(t?.segments).toHaveLength(1);
    expect(t?.segments[0]?.mtu).toBe(1500);
    expect(t?.seed).toBe(0);
  });

  it('shrinks a counterexample to "nothing is routed" to two nodes on two segments', () => {
    const details = fc.check(
      fc.property(arbCluster(), (t) =>
        t.nodes.every((a) => t.nodes.every((b) => routingHops(t, a.name, b.name) === 0)),
      ),
      { seed: 7 },
    );
    const [t] = details.counterexample ?? [];
    expect(t?.nodes.map((n) => n.segment).sort()).toEqual(['rack1', 'rack2']);
    expect(t?.segments).toHaveLength(2);
  });
});

describe('arbHostPair()', () => {
  it('draws two distinct nodes of the topology', () => {
    const pairs = arbCluster().chain((t) => fc.tuple(fc.constant(t), arbHostPair(t)));
    fc.assert(
      fc.property(pairs, ([t, [from, to]]) => {
        const names = t.nodes.map((n) => n.name);
        expect(from).not.toBe(to);
        expect(names).toContain(from);
        expect(names).toContain(to);
      }),
      RUNS,
    );
  });

  it('can draw routers too, when asked', () => {
    const t = loadGenerated(
      clusterYaml({
        seed: 1,
        segments: [
          { name: 'rack1', cidr: '192.168.1.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
          { name: 'rack2', cidr: '192.168.2.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
        ],
        nodes: [{ name: 'node1', subnet: 'rack1' }],
      }),
    );
    const seen = new Set(fc.sample(arbHostPair(t, { routers: true }), { numRuns: 50, seed: 1 }).flat());
    expect([...seen].sort()).toEqual(['node1', 'router']);
    expect(() => arbHostPair(t)).toThrow(RangeError);
  });
});

describe('topology helpers', () => {
  const t = loadGenerated(
    clusterYaml({
      seed: 1,
      segments: [
        { name: 'rack1', cidr: '192.168.56.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
        { name: 'rack2', cidr: '192.168.57.0/24', mtu: 9000, latency: '50us', bandwidth: '10Gbps' },
      ],
      nodes: [
        { name: 'node1', subnet: 'rack1' },
        { name: 'node2', subnet: 'rack1' },
        { name: 'node3', subnet: 'rack2' },
      ],
    }),
  );

  it('hostIp() gives a node its eth0 address and a router its first interface address', () => {
    expect(hostIp(t, 'node2')).toBe(parseIp4('192.168.56.12'));
    expect(hostIp(t, 'node3')).toBe(parseIp4('192.168.57.11'));
    expect(hostIp(t, 'router')).toBe(parseIp4('192.168.56.1'));
    expect(() => hostIp(t, 'node9')).toThrow(RangeError);
  });

  it('routingHops() is 0 on one segment and 1 across the router; gatewayOf() is the segment .1', () => {
    expect(routingHops(t, 'node1', 'node2')).toBe(0);
    expect(routingHops(t, 'node1', 'node3')).toBe(1);
    expect(gatewayOf(t, 'node3')).toBe(parseIp4('192.168.57.1'));
  });
});
