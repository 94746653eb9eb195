import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  numFeasibleNodesToFind,
  parseCpuMilli,
  parseQuantity,
  type SchedNode,
  type SchedPod,
  Scheduler,
  schedPodFromApi,
  schedule,
} from '../../src/k8s/index.js';
import { BoundPodCache } from '../../src/k8s/scheduler/bound-cache.js';
import { Rng } from '../../src/sim/index.js';

// Brute-force reference of PodTopologySpread (filter + score) and InterPodAffinity preferred scoring,
// written from scheduling.md §3 and the plugin sources, over hostname/zone clusters.
const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
type Bound = Map<string, SchedPod[]>;

const sel = (app: string) => ({ matchLabels: new Map([['app', app]]) });
const matches = (s: { matchLabels?: ReadonlyMap<string, string> } | undefined, p: SchedPod) =>
  s !== undefined && [...(s.matchLabels ?? [])].every(([k, v]) => p.labels.get(k) === v);

function countIn(
  nodes: SchedNode[],
  bound: Bound,
  key: string,
  value: string,
  s: SchedPod['topologySpreadConstraints'] extends readonly (infer C)[] | undefined ? C : never,
) {
  let n = 0;
  for (const node of nodes) {
    if (node.labels.get(key) !== value) continue;
    for (const p of bound.get(node.name) ?? []) if (matches(s.labelSelector, p)) n++;
  }
  return n;
}

function refSpreadFits(p: SchedPod, node: SchedNode, nodes: SchedNode[], bound: Bound): boolean {
  for (const c of (p.topologySpreadConstraints ?? []).filter(
    (c) => c.whenUnsatisfiable === 'DoNotSchedule',
  )) {
    const v = node.labels.get(c.topologyKey);
    if (v === undefined) return false;
    const domains = [
      ...new Set(nodes.map((n) => n.labels.get(c.topologyKey)).filter((x) => x !== undefined)),
    ];
    const min = Math.min(...domains.map((d) => countIn(nodes, bound, c.topologyKey, d as string, c)));
    const skew = countIn(nodes, bound, c.topologyKey, v, c) + (matches(c.labelSelector, p) ? 1 : 0) - min;
    if (skew > c.maxSkew) return false;
  }
  return true;
}

function refSpreadScores(p: SchedPod, feasible: SchedNode[], nodes: SchedNode[], bound: Bound): number[] {
  const cs = (p.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
  if (cs.length === 0) return feasible.map(() => 0);
  const raw = feasible.map((n) => {
    let s = 0;
    for (const c of cs) {
      const size =
        c.topologyKey === HOST
          ? feasible.length
          : new Set(feasible.map((f) => f.labels.get(c.topologyKey))).size;
      const cnt =
        c.topologyKey === HOST
          ? (bound.get(n.name) ?? []).filter((x) => matches(c.labelSelector, x)).length
          : countIn(nodes, bound, c.topologyKey, n.labels.get(c.topologyKey) as string, c);
      s += cnt * Math.log(size + 2) + (c.maxSkew - 1);
    }
    return Math.round(s);
  });
  const max = Math.max(...raw);
  const min = Math.min(...raw);
  return raw.map((r) => (max === 0 ? 100 : Math.floor((100 * (max + min - r)) / max)));
}

function refInterPodScores(p: SchedPod, feasible: SchedNode[], nodes: SchedNode[], bound: Bound): number[] {
  const raw = feasible.map((n) => {
    let s = 0;
    for (const m of nodes) {
      for (const e of bound.get(m.name) ?? []) {
        const same = (key: string) => m.labels.get(key) === n.labels.get(key);
        for (const t of p.affinity?.podAffinity?.preferred ?? [])
          if (matches(t.term.labelSelector, e) && same(t.term.topologyKey)) s += t.weight;
        for (const t of p.affinity?.podAntiAffinity?.preferred ?? [])
          if (matches(t.term.labelSelector, e) && same(t.term.topologyKey)) s -= t.weight;
        for (const t of e.affinity?.podAffinity?.required ?? [])
          if (matches(t.labelSelector, p) && same(t.topologyKey)) s += 1;
        for (const t of e.affinity?.podAffinity?.preferred ?? [])
          if (matches(t.term.labelSelector, p) && same(t.term.topologyKey)) s += t.weight;
        for (const t of e.affinity?.podAntiAffinity?.preferred ?? [])
          if (matches(t.term.labelSelector, p) && same(t.term.topologyKey)) s -= t.weight;
      }
    }
    return s;
  });
  const min = Math.min(...raw);
  const d = Math.max(...raw) - min;
  return raw.map((r) => (d > 0 ? Math.trunc(100 * ((r - min) / d)) : 0));
}

const app = fc.constantFrom('a', 'b');
const key = fc.constantFrom(HOST, ZONE);
const wterm = fc.record({
  weight: fc.integer({ min: 1, max: 100 }),
  term: fc.record({ labelSelector: app.map(sel), topologyKey: key }),
});
function podArb(name: string) {
  return fc
    .record({
      app,
      // Distinct keys: with two constraints on one key kube-scheduler keeps only the last count per node.
      spread: fc.uniqueArray(
        fc.record({
          maxSkew: fc.integer({ min: 1, max: 2 }),
          topologyKey: key,
          whenUnsatisfiable: fc.constantFrom('DoNotSchedule' as const, 'ScheduleAnyway' as const),
          labelSelector: app.map(sel),
        }),
        { maxLength: 2, selector: (c) => c.topologyKey },
      ),
      prefAff: fc.array(wterm, { maxLength: 1 }),
      prefAnti: fc.array(wterm, { maxLength: 1 }),
      reqAff: fc.array(fc.record({ labelSelector: app.map(sel), topologyKey: key }), { maxLength: 1 }),
    })
    .map(
      (r): SchedPod => ({
        namespace: 'default',
        name,
        labels: new Map([['app', r.app]]),
        nodeSelector: new Map(),
        tolerations: [],
        requests: {},
        hostPorts: [],
        topologySpreadConstraints: r.spread,
        affinity: {
          podAffinity: { preferred: r.prefAff, ...(name === 'p' ? {} : { required: r.reqAff }) },
          podAntiAffinity: { preferred: r.prefAnti },
        },
      }),
    );
}
const clusterArb = fc
  .array(
    fc.record({ zone: fc.constantFrom('z1', 'z2', 'z3'), pods: fc.array(podArb('e'), { maxLength: 3 }) }),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((ns) => {
    const nodes: SchedNode[] = ns.map((n, i) => ({
      name: `n${i}`,
      labels: new Map([
        [HOST, `n${i}`],
        [ZONE, n.zone],
      ]),
      taints: [],
      unschedulable: false,
      allocatable: { cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, pods: 110 },
    }));
    const bound: Bound = new Map(
      ns.map((n, i) => [`n${i}`, n.pods.map((p, j) => ({ ...p, name: `e${i}-${j}` }))]),
    );
    return { nodes, bound };
  });

describe('PodTopologySpread and InterPodAffinity vs brute force', () => {
  it('feasible set, spread and inter-pod scores equal the reference', () => {
    fc.assert(
      fc.property(clusterArb, podArb('p'), fc.integer(), ({ nodes, bound }, p, seed) => {
        const r = schedule(p, nodes, bound, new Rng(seed, 't'));
        const feasible = nodes.filter((n) => refSpreadFits(p, n, nodes, bound));
        if (feasible.length === 0) {
          expect(r).toHaveProperty('unschedulable');
          return;
        }
        if (!('node' in r)) throw new Error(`reference: ${feasible.length} feasible; got ${r.unschedulable}`);
        expect(feasible.map((n) => n.name)).toContain(r.node);
        if (feasible.length === 1) return;
        expect(r.scores.map((s) => s.node)).toEqual(feasible.map((n) => n.name));
        expect(r.scores.map((s) => s.plugins.PodTopologySpread)).toEqual(
          refSpreadScores(p, feasible, nodes, bound),
        );
        expect(r.scores.map((s) => s.plugins.InterPodAffinity)).toEqual(
          refInterPodScores(p, feasible, nodes, bound),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('the scheduler cache’s label and affinity indexes change nothing: same node, same scores', () => {
    fc.assert(
      fc.property(clusterArb, podArb('p'), fc.integer(), ({ nodes, bound }, p, seed) => {
        const cache = new BoundPodCache();
        for (const [node, pods] of bound) {
          cache.set(node, []);
          for (const pod of pods) cache.add(node, pod);
        }
        // A pod added and removed again leaves no trace in the indexes.
        const first = bound.get('n0')?.[0];
        if (first !== undefined) {
          cache.remove('n0', first);
          cache.add('n0', first);
        }
        const plain = schedule(p, nodes, bound, new Rng(seed, 't'));
        const indexed = schedule(p, nodes, cache, new Rng(seed, 't'));
        if ('node' in plain && 'node' in indexed) {
          expect(indexed.node).toBe(plain.node);
          expect(indexed.scores).toEqual(plain.scores);
        } else expect(indexed).toEqual(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('the spread filter rejects with kube-scheduler reasons', () => {
    const nodes: SchedNode[] = ['a', 'b'].map((n) => ({
      name: n,
      labels: new Map([[HOST, n]]),
      taints: [],
      unschedulable: false,
      allocatable: { cpuMilli: 1000, memoryBytes: 1 << 30, pods: 10 },
    }));
    nodes.push({ ...nodes[0]!, name: 'nolabel', labels: new Map() });
    const web = (name: string): SchedPod => ({
      namespace: 'default',
      name,
      labels: new Map([['app', 'web']]),
      nodeSelector: new Map(),
      tolerations: [],
      requests: {},
      hostPorts: [],
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: sel('web') },
      ],
    });
    const r = schedule(
      web('p'),
      nodes,
      new Map([
        ['a', [web('w1')]],
        ['b', [web('w2')]],
        ['nolabel', []],
      ]),
      new Rng(1, 't'),
    );
    expect(r).toHaveProperty('node');
    const full = schedule(
      web('p'),
      nodes.slice(0, 2).concat(nodes[2]!),
      new Map([
        ['a', [web('w1'), web('w3')]],
        ['b', [web('w2')]],
      ]),
      new Rng(1, 't'),
    );
    expect(full).toMatchObject({ node: 'b' });
    const r2 = schedule(web('p'), [nodes[0]!, nodes[2]!], new Map([['a', [web('w1')]]]), new Rng(1, 't'));
    // a: 1 + 1 − min(1) = 1 ≤ 1 fits; the unlabeled node is unresolvable.
    expect(r2).toMatchObject({ node: 'a' });
    const r3 = schedule(
      web('p'),
      [nodes[0]!, nodes[1]!, nodes[2]!],
      new Map([['a', [web('w1'), web('w2')]]]),
      new Rng(1, 't'),
    );
    expect(r3).toMatchObject({ node: 'b' });
    const none = schedule(
      { ...web('p'), nodeSelector: new Map([['x', 'y']]) },
      [nodes[2]!],
      new Map(),
      new Rng(1, 't'),
    );
    expect(none).toHaveProperty('unschedulable');
    const only = schedule(web('p'), [nodes[2]!], new Map(), new Rng(1, 't'));
    expect(only).toMatchObject({
      unschedulable:
        "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label). " +
        'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
    });
    const skewed = schedule(
      web('p'),
      [nodes[0]!, nodes[1]!],
      new Map([
        ['a', [web('w1'), web('w2')]],
        ['b', [web('w3')]],
      ]),
      new Rng(1, 't'),
    );
    expect(skewed).toMatchObject({ node: 'b' });
  });
});

describe('numFeasibleNodesToFind and the rotating start', () => {
  it('follows schedule_one.go', () => {
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(99)).toBe(99);
    expect(numFeasibleNodesToFind(100)).toBe(100);
    expect(numFeasibleNodesToFind(500)).toBe(230);
    expect(numFeasibleNodesToFind(1000)).toBe(420);
    expect(numFeasibleNodesToFind(5000)).toBe(500);
    expect(numFeasibleNodesToFind(10000)).toBe(500);
    expect(numFeasibleNodesToFind(1000, 30)).toBe(300);
    expect(numFeasibleNodesToFind(200, 10)).toBe(100);
  });

  it('scans from nextStartNodeIndex and advances it by the nodes processed', () => {
    const nodes: SchedNode[] = Array.from({ length: 500 }, (_, i) => ({
      name: `n${i}`,
      labels: new Map(),
      taints: [],
      unschedulable: false,
      allocatable: { cpuMilli: 1000, memoryBytes: 1 << 30, pods: 10 },
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
    const s = new Scheduler();
    const r1 = s.schedule(p, nodes, new Map(), new Rng(1, 't'));
    expect(r1.processed).toBe(230);
    if ('node' in r1) expect(r1.scores[0]?.node).toBe('n0');
    expect(s.nextStartNodeIndex).toBe(230);
    const r2 = s.schedule(p, nodes, new Map(), new Rng(1, 't'));
    if ('node' in r2) expect(r2.scores[0]?.node).toBe('n230');
    expect(s.nextStartNodeIndex).toBe(460);
    s.schedule(p, nodes, new Map(), new Rng(1, 't'));
    expect(s.nextStartNodeIndex).toBe(190);
  });
});

describe('from-api', () => {
  it('parses quantities as resource.Quantity does', () => {
    expect(parseCpuMilli('500m')).toBe(500);
    expect(parseCpuMilli('1')).toBe(1000);
    expect(parseCpuMilli('0.1')).toBe(100);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('2G')).toBe(2e9);
    expect(parseQuantity('1e3')).toBe(1000);
  });

  it('sums app containers, takes init containers as a floor, fills non-zero defaults per container', () => {
    const p = schedPodFromApi({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'p',
        namespace: 'default',
        uid: 'u',
        resourceVersion: '1',
        generation: 1,
        creationTimestamp: 0,
      },
      spec: {
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '200m' } } },
          {
            name: 'b',
            image: 'x',
            resources: { requests: { cpu: '300m', memory: '64Mi' } },
            ports: [{ containerPort: 80, hostPort: 8080 }],
          },
        ],
        initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '1', memory: '32Mi' } } }],
      },
    });
    expect(p.requests).toEqual({ cpuMilli: 1000, memoryBytes: 64 * 2 ** 20 });
    // a has no memory request: 200 MiB for scoring; the init container's floor is per resource.
    expect(p.nonZeroRequests).toEqual({ cpuMilli: 1000, memoryBytes: 264 * 2 ** 20 });
    expect(p.hostPorts).toEqual([{ protocol: 'TCP', hostIP: '', hostPort: 8080 }]);
  });
});
