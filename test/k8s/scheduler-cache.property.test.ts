import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundPodCache } from '../../src/k8s/scheduler/bound-cache.js';
import { filterWithCache, totalsWithCache } from '../../src/k8s/scheduler/cache-cycle.js';
import {
  LABEL_HOSTNAME,
  LABEL_ZONE,
  type SchedLabelSelector,
  type SchedNode,
  type SchedPod,
  schedule,
  type Taint,
} from '../../src/k8s/scheduler/index.js';
import { interPodPreFilter } from '../../src/k8s/scheduler/inter-pod-affinity.js';
import { requested } from '../../src/k8s/scheduler/resources.js';
import { spreadPreFilter } from '../../src/k8s/scheduler/topology-spread.js';
import { Rng } from '../../src/sim/index.js';

// The scheduler cache's fast cycle (NodeInfo records aligned with the node list, plugins skipped when
// they have nothing to say) against the general path over a plain Map of the same pods.

const APPS = ['a', 'b', 'c'] as const;
const TAINTS: Taint[] = [
  { key: 'gpu', value: 'yes', effect: 'NoSchedule' },
  { key: 'old', value: '', effect: 'PreferNoSchedule' },
  { key: 'node.kubernetes.io/not-ready', value: '', effect: 'NoExecute' },
];

const nodeArb = (i: number) =>
  fc.record({
    hostname: fc.integer({ min: 0, max: 9 }).map((x) => x > 0 || i === 0),
    zone: fc.constantFrom(null, null, 'z1', 'z2'),
    disk: fc.constantFrom(null, 'ssd', 'hdd'),
    taints: fc.subarray(TAINTS, { maxLength: 2 }),
    unschedulable: fc.boolean().map((b) => b && i % 3 === 0),
    pods: fc.integer({ min: 1, max: 9 }),
    cpuMilli: fc.constantFrom(0, 1000, 1000, 4000),
  });

/** `zoned`: whether the cluster has zone labels at all (without, the zone default constraint scores nothing). */
function toNode(i: number, r: NodeGen, zoned: boolean, name = `n${i}`): SchedNode {
  const labels = new Map<string, string>();
  if (r.hostname) labels.set(LABEL_HOSTNAME, name);
  if (zoned && r.zone !== null) labels.set(LABEL_ZONE, r.zone);
  if (r.disk !== null) labels.set('disk', r.disk);
  return {
    name,
    labels,
    taints: r.taints,
    unschedulable: r.unschedulable,
    allocatable: { cpuMilli: r.cpuMilli, memoryBytes: 4 << 30, pods: r.pods },
  };
}
type NodeGen = ReturnType<typeof nodeArb> extends fc.Arbitrary<infer T> ? T : never;

const appSel = (app: string): SchedLabelSelector => ({ matchLabels: new Map([['app', app]]) });

const podArb = fc.record({
  app: fc.constantFrom(...APPS),
  ns: fc.constantFrom('default', 'default', 'other'),
  cpu: fc.constantFrom(null, null, 100, 600, 2000),
  mem: fc.constantFrom(null, null, null, 64 << 20, 3 << 30),
  tolerateAll: fc.boolean(),
  hostPort: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  selector: fc.constantFrom(null, null, null, null, 'ssd', 'hdd'),
  preferDisk: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  antiAffinity: fc.constantFrom(null, null, null, null, null, LABEL_HOSTNAME, LABEL_ZONE),
  preferAffinity: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  spread: fc.constantFrom(
    'none',
    'defaults',
    'defaults',
    'defaults',
    'defaults-expr',
    'own-hard',
    'own-soft',
  ),
  terminating: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  priority: fc.integer({ min: 0, max: 2 }),
});

function toPod(name: string, r: typeof podArb extends fc.Arbitrary<infer T> ? T : never): SchedPod {
  const affinity: NonNullable<SchedPod['affinity']> = {
    ...(r.preferDisk || r.selector === 'hdd'
      ? {
          nodeAffinity: {
            ...(r.selector === 'hdd' && r.preferDisk
              ? { required: [{ matchExpressions: [{ key: 'disk', operator: 'Exists', values: [] }] }] }
              : {}),
            preferred: r.preferDisk
              ? [
                  {
                    weight: 7,
                    preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
                  },
                ]
              : [],
          },
        }
      : {}),
    ...(r.antiAffinity === null
      ? {}
      : { podAntiAffinity: { required: [{ labelSelector: appSel(r.app), topologyKey: r.antiAffinity }] } }),
    ...(r.preferAffinity
      ? {
          podAffinity: {
            preferred: [{ weight: 5, term: { labelSelector: appSel('a'), topologyKey: LABEL_ZONE } }],
          },
        }
      : {}),
  };
  const sel: SchedLabelSelector =
    r.spread === 'defaults-expr'
      ? { matchLabels: new Map(), matchExpressions: [{ key: 'app', operator: 'In', values: [r.app] }] }
      : appSel(r.app);
  return {
    namespace: r.ns,
    name,
    labels: new Map([['app', r.app]]),
    nodeSelector: r.selector === 'ssd' ? new Map([['disk', 'ssd']]) : new Map(),
    tolerations: r.tolerateAll ? [{ key: '', operator: 'Exists', value: '', effect: '' }] : [],
    requests: {
      ...(r.cpu === null ? {} : { cpuMilli: r.cpu }),
      ...(r.mem === null ? {} : { memoryBytes: r.mem }),
    },
    hostPorts: r.hostPort ? [{ protocol: 'TCP', hostIP: '', hostPort: 8080 }] : [],
    priority: r.priority,
    ...(Object.keys(affinity).length > 0 ? { affinity } : {}),
    ...(r.spread === 'defaults' || r.spread === 'defaults-expr' ? { defaultSpreadSelector: sel } : {}),
    ...(r.spread === 'own-hard' || r.spread === 'own-soft'
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: r.spread === 'own-hard' ? LABEL_HOSTNAME : LABEL_ZONE,
              whenUnsatisfiable: r.spread === 'own-hard' ? 'DoNotSchedule' : 'ScheduleAnyway',
              labelSelector: sel,
            },
          ],
        }
      : {}),
    ...(r.terminating ? { terminating: true } : {}),
  };
}

const stepArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('schedule' as const),
      pod: podArb,
      start: fc.nat(),
      want: fc.integer({ min: 1, max: 14 }),
      seed: fc.integer(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), k: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('renode' as const), k: fc.nat(), node: nodeArb(0) }),
  },
  // Node added to / removed from the list between cycles (the Snapshot rebuilds its slots). (Names stay
  // unique, as in the scheduler's node list; a name listed twice is Snapshot's own property test.)
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('addNode' as const), node: nodeArb(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropNode' as const), k: fc.nat() }) },
);

type StepGen = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Runs one sequence of steps over a cluster twice — over the cache and over a plain Map of the same
 * pods — and checks after each that both cycles (and the full breakdown) agree and the records' sums hold.
 */
function runSteps(zoned: boolean, gens: readonly NodeGen[], steps: readonly StepGen[]): void {
  const nodes = gens.map((g, i) => toNode(i, g, zoned));
  const cache = new BoundPodCache();
  const plain = new Map<string, readonly SchedPod[]>();
  for (const n of nodes) {
    cache.set(n.name, []);
    plain.set(n.name, []);
  }
  const placed: [string, SchedPod][] = [];
  let names = nodes.length;
  steps.forEach((s, i) => {
    if (s.kind === 'addNode') {
      const n = toNode(names++, s.node, zoned);
      nodes.push(n);
      cache.set(n.name, []);
      plain.set(n.name, []);
      return;
    }
    if (s.kind === 'dropNode') {
      // A deleted Node leaves the list; its pods stay in the cache until their own deletes arrive.
      if (nodes.length > 1) nodes.splice(s.k % nodes.length, 1);
      return;
    }
    if (s.kind === 'remove') {
      if (placed.length === 0) return;
      const [node, pod] = placed.splice(s.k % placed.length, 1)[0]!;
      cache.remove(node, pod);
      plain.set(
        node,
        (plain.get(node) ?? []).filter((p) => p !== pod),
      );
      return;
    }
    if (s.kind === 'renode') {
      // A Node update: a new object in place in the same list (the cache realigns its record).
      const k = s.k % nodes.length;
      nodes[k] = toNode(k, s.node, zoned, nodes[k]?.name);
      return;
    }
    const pod = toPod(`p${i}`, s.pod);
    const scan = { startIndex: s.start, numNodesToFind: s.want };
    const fast = schedule(pod, nodes, cache, new Rng(s.seed, 's'), { ...scan, breakdown: false });
    const slow = schedule(pod, nodes, plain, new Rng(s.seed, 's'), { ...scan, breakdown: false });
    const full = schedule(pod, nodes, plain, new Rng(s.seed, 's'), scan);
    expect(fast).toEqual(slow);
    if ('node' in full && 'node' in fast) expect(fast.node).toBe(full.node);
    else expect('node' in fast).toBe('node' in full);
    if ('node' in full && full.scores.length > 1) {
      const st = filterWithCache(
        pod,
        nodes,
        cache,
        interPodPreFilter(pod, nodes, cache),
        spreadPreFilter(pod, nodes, cache),
        s.start % nodes.length,
        s.want,
      );
      expect(st.feasible.map((n) => n.name)).toEqual(full.scores.map((x) => x.node));
      expect(totalsWithCache(pod, st.feasible, st.slots, cache, nodes)).toEqual(
        full.scores.map((x) => x.total),
      );
    }
    if ('node' in fast) {
      const bound = { ...pod, nodeName: fast.node };
      cache.add(fast.node, bound);
      plain.set(fast.node, [...(plain.get(fast.node) ?? []), bound]);
      placed.push([fast.node, bound]);
    }
    // NodeInfo's running sums equal the sums of the node's pod list (NodeInfo.Requested).
    for (const n of nodes) {
      const info = cache.infoOf(n.name);
      expect(info.pods).toBe(cache.get(n.name));
      const { cpu, mem, nonZeroCpu, nonZeroMem } = requested(info.pods);
      expect([info.cpu, info.mem, info.nonZeroCpu, info.nonZeroMem]).toEqual([
        cpu,
        mem,
        nonZeroCpu,
        nonZeroMem,
      ]);
    }
  });
}

describe('scheduler cache cycle', () => {
  it('picks the node the plain-Map cycle picks, with the same feasible set and totals', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc
          .integer({ min: 1, max: 12 })
          .chain((n) =>
            fc.tuple(
              fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i))),
              fc.array(stepArb, { maxLength: 25 }),
            ),
          ),
        (zoned, [gens, steps]) => runSteps(zoned, gens, steps),
      ),
      { numRuns: 300 },
    );
  });
});

// The property's shrunk counterexamples, pinned. Each replaces a node object in place in the node list
// after the list has been used, then schedules a pod whose cycle reads that node's labels only through
// the cache's index of nodes holding pods with affinity terms (the incoming pod has no preferred terms of
// its own, or no required terms): the index of the list by name remembered the replaced object, so
// the fast cycle scored (or filtered) the node with its old labels while the plain-Map cycle read the new.
type PodGen = StepGen & { kind: 'schedule' } extends { pod: infer P } ? P : never;
const node = (over: Partial<NodeGen> = {}): NodeGen => ({
  hostname: false,
  zone: null,
  disk: null,
  taints: [],
  unschedulable: false,
  pods: 1,
  cpuMilli: 0,
  ...over,
});
const pod = (over: Partial<PodGen> = {}): PodGen => ({
  app: 'a',
  ns: 'default',
  cpu: null,
  mem: null,
  tolerateAll: false,
  hostPort: false,
  selector: null,
  preferDisk: false,
  antiAffinity: null,
  preferAffinity: false,
  spread: 'none',
  terminating: false,
  priority: 0,
  ...over,
});
const scheduleStep = (p: PodGen, start: number, want: number, seed: number): StepGen => ({
  kind: 'schedule',
  pod: p,
  start,
  want,
  seed,
});
const renode = (k: number, n: NodeGen): StepGen => ({ kind: 'renode', k, node: n });

describe('scheduler cache cycle after a node object is replaced in the list', () => {
  it('scores the new zone of a replaced node for an existing pod’s preferred affinity (InterPodAffinity Score)', () => {
    // p0 (preferred affinity to app=a per zone) lands on n0 or n1; n1 becomes a 2-pod node in zone z1.
    // p2 (app=a, no terms of its own) then scores n1 above n0 for p0's term only if n1's new zone is read.
    runSteps(
      true,
      [node({ hostname: true }), node(), node(), node(), node(), node()],
      [
        scheduleStep(
          pod({ hostPort: true, preferDisk: true, preferAffinity: true, terminating: true }),
          0,
          2,
          484120454,
        ),
        renode(263619391, node({ hostname: true, zone: 'z1', pods: 2 })),
        scheduleStep(pod({ preferDisk: true, terminating: true }), 0, 2, 0),
      ],
    );
  });

  it('filters by the new hostname label of a replaced node for an existing pod’s anti-affinity', () => {
    runSteps(
      false,
      [node({ hostname: true }), node(), node(), node({ cpuMilli: 1000 }), node(), node()],
      [
        scheduleStep(
          pod({
            app: 'c',
            ns: 'other',
            hostPort: true,
            preferDisk: true,
            antiAffinity: 'kubernetes.io/hostname',
            preferAffinity: true,
            terminating: true,
          }),
          0,
          4,
          0,
        ),
        scheduleStep(pod({ hostPort: true, preferAffinity: true, terminating: true }), 0, 1, 0),
        renode(465777495, node({ hostname: true, pods: 2 })),
        scheduleStep(
          pod({ app: 'c', ns: 'other', preferAffinity: true, terminating: true }),
          777492830,
          2,
          0,
        ),
      ],
    );
  });

  it('reads a node replaced twice, before and after the list was first scheduled over', () => {
    runSteps(
      true,
      [node({ hostname: true }), node(), node()],
      [
        renode(921165259, node({ hostname: true, zone: 'z1' })),
        scheduleStep(
          pod({ hostPort: true, preferDisk: true, preferAffinity: true, terminating: true }),
          1804617178,
          3,
          92980363,
        ),
        renode(0, node({ hostname: true, zone: 'z1' })),
        scheduleStep(pod({ hostPort: true, terminating: true }), 0, 2, 0),
      ],
    );
  });
});
