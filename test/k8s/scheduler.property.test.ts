import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchedNode, SchedPod, Taint, Toleration } from '../../src/k8s/index.js';
import { schedule } from '../../src/k8s/index.js';
import { Rng } from '../../src/sim/index.js';

// Independent brute-force reference: the filter and score rules from scheduling.md, written plainly.
const MiB = 1024 * 1024;

function tol(ts: readonly Toleration[], t: Taint): boolean {
  return ts.some(
    (x) =>
      (x.effect === '' || x.effect === t.effect) &&
      (x.key === '' || x.key === t.key) &&
      (x.operator === 'Exists' || x.value === t.value),
  );
}

function refFits(p: SchedPod, n: SchedNode, bound: readonly SchedPod[]): boolean {
  if (
    n.unschedulable &&
    !tol(p.tolerations, { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' })
  )
    return false;
  if (p.nodeName && p.nodeName !== n.name) return false;
  if (n.taints.some((t) => t.effect !== 'PreferNoSchedule' && !tol(p.tolerations, t))) return false;
  for (const [k, v] of p.nodeSelector) if (n.labels.get(k) !== v) return false;
  const req = p.affinity?.nodeAffinity?.required;
  if (
    req &&
    !req.some(
      (term) =>
        term.matchExpressions.length > 0 &&
        term.matchExpressions.every((e) => {
          const v = n.labels.get(e.key);
          if (e.operator === 'In') return v !== undefined && e.values.includes(v);
          if (e.operator === 'NotIn') return v === undefined || !e.values.includes(v);
          if (e.operator === 'Exists') return v !== undefined;
          if (e.operator === 'DoesNotExist') return v === undefined;
          if (v === undefined || !/^-?\d+$/.test(v)) return false;
          return e.operator === 'Gt' ? Number(v) > Number(e.values[0]) : Number(v) < Number(e.values[0]);
        }),
    )
  )
    return false;
  for (const hp of p.hostPorts)
    for (const o of bound)
      for (const u of o.hostPorts)
        if (
          u.protocol === hp.protocol &&
          u.hostPort === hp.hostPort &&
          (u.hostIP === '' || hp.hostIP === '' || u.hostIP === hp.hostIP)
        )
          return false;
  if (bound.length + 1 > n.allocatable.pods) return false;
  const cpu = bound.reduce((a, b) => a + (b.requests.cpuMilli ?? 0), 0);
  const mem = bound.reduce((a, b) => a + (b.requests.memoryBytes ?? 0), 0);
  const pc = p.requests.cpuMilli ?? 0;
  const pm = p.requests.memoryBytes ?? 0;
  if (pc > 0 && cpu + pc > n.allocatable.cpuMilli) return false;
  if (pm > 0 && mem + pm > n.allocatable.memoryBytes) return false;
  return true;
}

function refTotals(
  p: SchedPod,
  nodes: readonly SchedNode[],
  bound: ReadonlyMap<string, SchedPod[]>,
): number[] {
  const preferTols = p.tolerations.filter((t) => t.effect === '' || t.effect === 'PreferNoSchedule');
  const taintRaw = nodes.map(
    (n) => n.taints.filter((t) => t.effect === 'PreferNoSchedule' && !tol(preferTols, t)).length,
  );
  const affRaw = nodes.map((n) =>
    (p.affinity?.nodeAffinity?.preferred ?? [])
      .filter(
        (pt) =>
          pt.preference.matchExpressions.every(
            (e) => e.operator === 'In' && e.values.includes(n.labels.get(e.key) ?? '\0'),
          ) && pt.preference.matchExpressions.length > 0,
      )
      .reduce((a, pt) => a + pt.weight, 0),
  );
  const tMax = Math.max(0, ...taintRaw);
  const aMax = Math.max(0, ...affRaw);
  return nodes.map((n, i) => {
    const b = bound.get(n.name) ?? [];
    const all = [...b, p];
    const nzC = all.reduce((a, x) => a + (x.requests.cpuMilli ?? 100), 0);
    const nzM = all.reduce((a, x) => a + (x.requests.memoryBytes ?? 200 * MiB), 0);
    const least = (r: number, c: number) => (r > c || c === 0 ? 0 : Math.floor(((c - r) * 100) / c));
    const fit = Math.floor((least(nzC, n.allocatable.cpuMilli) + least(nzM, n.allocatable.memoryBytes)) / 2);
    const fc1 = Math.min(1, all.reduce((a, x) => a + (x.requests.cpuMilli ?? 0), 0) / n.allocatable.cpuMilli);
    const fm = Math.min(
      1,
      all.reduce((a, x) => a + (x.requests.memoryBytes ?? 0), 0) / n.allocatable.memoryBytes,
    );
    const bal = Math.trunc((1 - Math.abs(fc1 - fm) / 2) * 100);
    const taint = tMax === 0 ? 100 : 100 - Math.trunc((100 * (taintRaw[i] ?? 0)) / tMax);
    const aff = aMax === 0 ? 0 : Math.trunc((100 * (affRaw[i] ?? 0)) / aMax);
    return 3 * taint + 2 * aff + fit + bal;
  });
}

const keys = ['a', 'b'];
const taintArb = fc.record({
  key: fc.constantFrom(...keys),
  value: fc.constantFrom('', 'x'),
  effect: fc.constantFrom('NoSchedule' as const, 'PreferNoSchedule' as const, 'NoExecute' as const),
});
const tolArb = fc
  .record({
    key: fc.constantFrom('', ...keys),
    operator: fc.constantFrom('Equal' as const, 'Exists' as const),
    value: fc.constantFrom('', 'x'),
    effect: fc.constantFrom(
      '' as const,
      'NoSchedule' as const,
      'PreferNoSchedule' as const,
      'NoExecute' as const,
    ),
  })
  .filter((t) => t.key !== '' || t.operator === 'Exists');
const reqArb = fc.record(
  {
    cpuMilli: fc.integer({ min: 0, max: 1500 }),
    memoryBytes: fc.integer({ min: 0, max: 3000 }).map((m) => m * MiB),
  },
  { requiredKeys: [] },
);
const portArb = fc.record({
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
  hostIP: fc.constantFrom('', '10.0.0.1', '10.0.0.2'),
  hostPort: fc.constantFrom(80, 443),
});
const labelsArb = fc
  .record({ zone: fc.constantFrom('z1', 'z2'), gen: fc.constantFrom('3', '7', 'x') })
  .map((l) => new Map(Object.entries(l)));
const exprArb = fc.record({
  key: fc.constantFrom('zone', 'gen', 'nope'),
  operator: fc.constantFrom(
    'In' as const,
    'NotIn' as const,
    'Exists' as const,
    'DoesNotExist' as const,
    'Gt' as const,
    'Lt' as const,
  ),
  values: fc.constantFrom(['z1'], ['5'], ['7'], ['z2', '3']),
});
function podArb(name: string) {
  return fc.record({
    namespace: fc.constant('default'),
    name: fc.constant(name),
    labels: fc.constant(new Map<string, string>()),
    nodeSelector: fc.constantFrom(new Map<string, string>(), new Map([['zone', 'z1']])),
    tolerations: fc.array(tolArb, { maxLength: 2 }),
    requests: reqArb,
    hostPorts: fc.array(portArb, { maxLength: 1 }),
    affinity: fc.record({
      nodeAffinity: fc.record(
        {
          required: fc.array(fc.record({ matchExpressions: fc.array(exprArb, { maxLength: 2 }) }), {
            minLength: 1,
            maxLength: 2,
          }),
          preferred: fc.array(
            fc.record({
              weight: fc.integer({ min: 1, max: 100 }),
              preference: fc.record({
                matchExpressions: fc.array(
                  exprArb.map((e) => ({ ...e, operator: 'In' as const })),
                  { minLength: 1, maxLength: 1 },
                ),
              }),
            }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
    }),
  }) as fc.Arbitrary<SchedPod>;
}
const clusterArb = fc
  .array(
    fc.record({
      labels: labelsArb,
      taints: fc.array(taintArb, { maxLength: 2 }),
      unschedulable: fc.constantFrom(false, false, true),
      allocatable: fc.record({
        cpuMilli: fc.constantFrom(1000, 2000, 4000),
        memoryBytes: fc.constantFrom(2048 * MiB, 4096 * MiB),
        pods: fc.integer({ min: 1, max: 4 }),
      }),
      bound: fc.array(podArb('b'), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((ns) => {
    const nodes: SchedNode[] = ns.map((n, i) => ({
      name: `n${i}`,
      labels: n.labels,
      taints: n.taints,
      unschedulable: n.unschedulable,
      allocatable: n.allocatable,
    }));
    const bound = new Map(
      ns.map((n, i) => [`n${i}`, n.bound.map((b, j) => ({ ...b, name: `b${i}-${j}`, nodeName: `n${i}` }))]),
    );
    return { nodes, bound };
  });

describe('schedule vs brute-force reference', () => {
  it('the generator reaches unschedulable, single-node and scored outcomes', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(clusterArb, podArb('p'), ({ nodes, bound }, p) => {
        const r = schedule(p, nodes, bound, new Rng(1, 'sched'));
        kinds.add('unschedulable' in r ? 'none' : r.scores.length === 0 ? 'one' : 'scored');
      }),
      { numRuns: 500, seed: 42 },
    );
    expect([...kinds].sort()).toEqual(['none', 'one', 'scored']);
  });

  it('never places a pod on a node a filter rejects, and picks a top-scoring node', () => {
    fc.assert(
      fc.property(clusterArb, podArb('p'), fc.integer(), ({ nodes, bound }, p, seed) => {
        const r = schedule(p, nodes, bound, new Rng(seed, 'sched'));
        const feasible = nodes.filter((n) => refFits(p, n, bound.get(n.name) ?? []));
        if (feasible.length === 0) {
          expect(r).toHaveProperty('unschedulable');
          if ('unschedulable' in r) {
            expect(r.unschedulable.startsWith(`0/${nodes.length} nodes are available: `)).toBe(true);
            expect(r.reasons.size).toBe(nodes.length);
          }
          return;
        }
        if (!('node' in r))
          throw new Error(`reference found ${feasible.length} feasible nodes: ${r.unschedulable}`);
        expect(feasible.map((n) => n.name)).toContain(r.node);
        if (feasible.length === 1) return;
        const totals = refTotals(p, feasible, bound);
        const best = Math.max(...totals);
        const winners = feasible.filter((_, i) => totals[i] === best).map((n) => n.name);
        expect(winners).toContain(r.node);
        expect(r.scores.map((s) => s.total)).toEqual(totals);
        // The totals-only cycle (the scheduler controller's) draws the same ties: the same node.
        const quick = schedule(p, nodes, bound, new Rng(seed, 'sched'), { breakdown: false });
        expect('node' in quick && quick.node).toBe(r.node);
        expect('node' in quick && quick.scores).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('ties are broken by the seeded Rng: same seed same node; every tied node reachable', () => {
    const nodes: SchedNode[] = ['a', 'b', 'c'].map((name) => ({
      name,
      labels: new Map(),
      taints: [],
      unschedulable: false,
      allocatable: { cpuMilli: 1000, memoryBytes: 1024 * MiB, pods: 10 },
    }));
    const p: SchedPod = {
      namespace: 'd',
      name: 'p',
      labels: new Map(),
      nodeSelector: new Map(),
      tolerations: [],
      requests: {},
      hostPorts: [],
    };
    const pick = (seed: number) => {
      const r = schedule(p, nodes, new Map(), new Rng(seed, 'sched'));
      return 'node' in r ? r.node : '';
    };
    const seen = new Set<string>();
    for (let s = 0; s < 60; s++) {
      expect(pick(s)).toBe(pick(s));
      seen.add(pick(s));
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });
});
