import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatIp4, loadTopologyText, renderIssue } from '../../src/topology/index.js';
import { loadOk, yaml } from './helpers.js';

interface SegmentIn {
  readonly third: number;
  readonly mtu: number | undefined;
  readonly latencyUs: number | undefined;
  readonly bandwidthMbps: number | undefined;
  readonly gatewayHost: number | undefined;
}

interface NodeIn {
  readonly segment: number;
  readonly explicit: boolean;
  readonly role: 'control-plane' | 'worker' | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

// 1–3 segments on distinct 192.168.X.0/24 networks (never overlapping each other, 10.244/16 or 10.96/12).
const segmentsArb: fc.Arbitrary<SegmentIn[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 })
  .chain((thirds) =>
    fc.tuple(
      ...thirds.map((third) =>
        fc.record({
          third: fc.constant(third),
          mtu: opt(fc.integer({ min: 68, max: 65535 })),
          latencyUs: opt(fc.integer({ min: 0, max: 100_000 })),
          bandwidthMbps: opt(fc.integer({ min: 1, max: 400_000 })),
          // Gateways stay below .11 so they never meet an allocated (.11+) or explicit (.100+) address.
          gatewayHost: opt(fc.integer({ min: 1, max: 10 })),
        }),
      ),
    ),
  );

const clusterArb = segmentsArb.chain((segments) =>
  fc.record({
    segments: fc.constant(segments),
    seed: opt(fc.integer({ min: 0, max: 2 ** 31 })),
    backend: opt(fc.constantFrom('vxlan', 'host-gw', 'vxlan-directrouting', 'udp')),
    nodes: fc.array(
      fc.record({
        segment: fc.integer({ min: 0, max: segments.length - 1 }),
        explicit: fc.boolean(),
        role: opt(fc.constantFrom('control-plane' as const, 'worker' as const)),
        labels: fc.dictionary(
          fc.constantFrom('app', 'tier', 'zone', 'disk', '2', '10'),
          fc.stringMatching(/^[a-z0-9]{0,8}$/),
          {
            maxKeys: 4,
          },
        ),
      }),
      { minLength: 1, maxLength: 10 },
    ),
  }),
);

type ClusterIn = {
  segments: SegmentIn[];
  seed: number | undefined;
  backend: string | undefined;
  nodes: NodeIn[];
};

const segName = (i: number): string => `seg${i}`;
const explicitHost = (nodeIndex: number): number => 100 + nodeIndex;

/** Writes the generated cluster as a YAML document, leaving out every field that was not drawn. */
function toYaml(c: ClusterIn): string {
  const defined = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const spec = defined({
    seed: c.seed,
    network: c.backend === undefined ? undefined : { backend: c.backend },
    underlay: c.segments.map((s, i) =>
      defined({
        name: segName(i),
        cidr: `192.168.${s.third}.0/24`,
        mtu: s.mtu,
        latency: s.latencyUs === undefined ? undefined : `${s.latencyUs}us`,
        bandwidth: s.bandwidthMbps === undefined ? undefined : `${s.bandwidthMbps}Mbps`,
        gateway: s.gatewayHost === undefined ? undefined : `192.168.${s.third}.${s.gatewayHost}`,
      }),
    ),
    nodes: c.nodes.map((n, i) => {
      const third = c.segments[n.segment]?.third ?? 0;
      return defined({
        name: `node-${i}`,
        subnet: segName(n.segment),
        ip: n.explicit ? `192.168.${third}.${explicitHost(i)}` : undefined,
        role: n.role,
        labels: Object.keys(n.labels).length === 0 ? undefined : n.labels,
      });
    }),
  });
  return stringify({ apiVersion: 'podwire/v1', kind: 'Cluster', spec });
}

describe('loadTopologyText() properties', () => {
  it('loads every generated valid cluster and keeps its values', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const t = loadOk(toYaml(c));
        expect(t.seed).toBe(c.seed ?? 1);
        expect(t.network.backend).toBe(c.backend ?? 'vxlan');
        expect(t.segments).toEqual(
          c.segments.map((s, i) => ({
            name: segName(i),
            network: (192 * 256 + 168) * 65536 + s.third * 256,
            prefixLen: 24,
            mtu: s.mtu ?? 1500,
            latencyNs: (s.latencyUs ?? 50) * 1000,
            bandwidthBps: (s.bandwidthMbps ?? 10_000) * 1_000_000,
            gateway: (192 * 256 + 168) * 65536 + s.third * 256 + (s.gatewayHost ?? 1),
          })),
        );
        expect(t.routers.length).toBe(c.segments.length >= 2 ? 1 : 0);
        expect(t.routers[0]?.interfaces ?? []).toEqual(
          c.segments.length >= 2 ? t.segments.map((s) => ({ segment: s.name, ip: s.gateway })) : [],
        );
        const lastAllocated = new Map<string, number>();
        t.nodes.forEach((node, i) => {
          const input = c.nodes[i];
          const seg = t.segments[input?.segment ?? -1];
          expect(input).toBeDefined();
          expect(seg).toBeDefined();
          if (input === undefined || seg === undefined) return;
          expect(node.name).toBe(`node-${i}`);
          expect(node.segment).toBe(seg.name);
          expect(node.role).toBe(input.role ?? 'worker');
          expect(Object.fromEntries(node.labels)).toEqual(input.labels);
          expect([...node.labels.keys()]).toEqual(Object.keys(input.labels).sort());
          const host = node.ip - seg.network;
          if (input.explicit) {
            expect(host).toBe(explicitHost(i));
          } else {
            // Allocated from .11 up, in declared order.
            expect(host).toBeGreaterThanOrEqual(11);
            expect(host).toBeGreaterThan(lastAllocated.get(seg.name) ?? 0);
            lastAllocated.set(seg.name, host);
          }
          expect(host).not.toBe(seg.gateway - seg.network);
          expect(host).toBeLessThan(255);
        });
        expect(new Set(t.nodes.map((n) => n.ip)).size).toBe(t.nodes.length);
      }),
      { numRuns: 200 },
    );
  });

  const FULL = yaml(
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'metadata: {name: two-racks}',
    'spec:',
    '  seed: 3',
    '  network: {backend: host-gw, kubeProxyMode: ipvs}',
    '  underlay:',
    '    - {name: rack1, cidr: 192.168.56.0/24, mtu: 9000, latency: 20us}',
    '    - name: rack2',
    '      cidr: 192.168.57.0/24',
    '      bandwidth: 1Gbps',
    '  nodes:',
    '    - name: node1',
    '      subnet: rack1',
    '      labels: {disktype: ssd}',
    '      taints: [{key: dedicated, value: db, effect: NoExecute}]',
    '      sysctls: {net.ipv4.ip_forward: "1"}',
    '    - {name: node2, subnet: rack2, ip: 192.168.57.11, capacity: {cpu: 500m}}',
    '---',
    'apiVersion: podwire/v1',
    'kind: Scenario',
    'spec:',
    '  capture: [node1/eth0, rack1/node1]',
    '  steps:',
    '    - {at: 1s, ping: {from: node/node1, to: node/node2, count: 2, df: false}}',
    '    - {at: 2s, traceroute: {from: node/node1, to: 192.168.57.11, proto: icmp}}',
    '    - {at: 3s, linkDown: {node: node2}}',
    '  expect:',
    '    - {reachable: {from: node/node1, to: router/router}}',
  );

  it('the corruption base file is valid', () => {
    expect(loadOk(FULL).scenario.steps).toHaveLength(3);
  });

  it('never throws on a file with one character changed, inserted or deleted', () => {
    const chars = fc.constantFrom(...':-{}[],&*!|>#"\'% \t\n.?@`/\\0123456789aZx~'.split(''));
    const edit = fc.record({
      at: fc.nat({ max: FULL.length - 1 }),
      op: fc.constantFrom('replace', 'insert', 'delete'),
      ch: fc.oneof(chars, fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })),
    });
    fc.assert(
      fc.property(edit, ({ at, op, ch }) => {
        const text =
          op === 'delete'
            ? FULL.slice(0, at) + FULL.slice(at + 1)
            : FULL.slice(0, at) + ch + FULL.slice(op === 'replace' ? at + 1 : at);
        const result = loadTopologyText(text, 'x.yaml');
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        for (const issue of result.issues) {
          const line = renderIssue(issue, 'x.yaml');
          expect(line).not.toContain('\n');
          expect(line.startsWith(`x.yaml:${issue.line}:${issue.col}: `)).toBe(true);
          expect(issue.line).toBeGreaterThanOrEqual(1);
          expect(issue.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on a generated file with one character changed', () => {
    const corrupted = clusterArb.chain((c) => {
      const text = toYaml(c);
      return fc.tuple(
        fc.constant(text),
        fc.nat({ max: text.length - 1 }),
        fc.string({ minLength: 1, maxLength: 1 }),
      );
    });
    fc.assert(
      fc.property(corrupted, ([text, at, ch]) => {
        const result = loadTopologyText(text.slice(0, at) + ch + text.slice(at + 1), 'x.yaml');
        if (!result.ok)
          expect(result.issues.map((i) => renderIssue(i, 'x.yaml')).join('\n')).toMatch(/^x\.yaml:\d+:\d+: /);
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatIp4()', () => {
  it('writes dotted quads', () => {
    expect(formatIp4(0xc0a8380b)).toBe('192.168.56.11');
    expect(formatIp4(0xffffffff)).toBe('255.255.255.255');
  });
});
