import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PodAffinityTerm, type SchedNode, type SchedPod, schedule } from '../../src/k8s/index.js';
import { Rng } from '../../src/sim/index.js';

const GiB = 1024 ** 3;
const ZONES = ['z1', 'z1', 'z2'];

function node(i: number): SchedNode {
  return {
    name: `n${i}`,
    labels: new Map([
      ['kubernetes.io/hostname', `n${i}`],
      ['topology.kubernetes.io/zone', ZONES[i % ZONES.length] ?? 'z1'],
    ]),
    taints: [],
    unschedulable: false,
    allocatable: { cpuMilli: 2000, memoryBytes: 4 * GiB, pods: 110 },
  };
}

function pod(name: string, app: string, over: Partial<SchedPod> = {}): SchedPod {
  return {
    namespace: 'default',
    name,
    labels: new Map([['app', app]]),
    nodeSelector: new Map(),
    tolerations: [],
    requests: {},
    hostPorts: [],
    ...over,
  };
}

const term = (app: string, topologyKey: string, namespaces?: string[]): PodAffinityTerm => ({
  labelSelector: { matchLabels: new Map([['app', app]]) },
  topologyKey,
  ...(namespaces ? { namespaces } : {}),
});
const nodes = [node(0), node(1), node(2)];
const run = (p: SchedPod, bound: Map<string, SchedPod[]>) => schedule(p, nodes, bound, new Rng(3, 'sched'));

describe('InterPodAffinity filter', () => {
  it('required anti-affinity by zone leaves only the other zone', () => {
    const p = pod('p', 'web', {
      affinity: { podAntiAffinity: { required: [term('web', 'topology.kubernetes.io/zone')] } },
    });
    expect(run(p, new Map([['n0', [pod('w0', 'web')]]]))).toMatchObject({ node: 'n2' });
    expect(
      run(
        p,
        new Map([
          ['n0', [pod('w0', 'web')]],
          ['n2', [pod('w2', 'web')]],
        ]),
      ),
    ).toMatchObject({
      unschedulable:
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. " +
        'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', // equal priority: no victims
    });
  });

  it('required affinity with no matching pod is unresolvable; a self-matching first pod is admitted', () => {
    const p = pod('p', 'web', {
      affinity: { podAffinity: { required: [term('db', 'kubernetes.io/hostname')] } },
    });
    expect(run(p, new Map())).toMatchObject({
      unschedulable:
        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. " +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    });
    expect(run(p, new Map([['n1', [pod('d', 'db')]]]))).toMatchObject({ node: 'n1' });
    const first = pod('db0', 'db', {
      affinity: { podAffinity: { required: [term('db', 'kubernetes.io/hostname')] } },
    });
    expect(run(first, new Map())).toHaveProperty('node');
  });

  it("an existing pod's anti-affinity keeps matching pods away (symmetry)", () => {
    const guard = pod('g', 'guard', {
      affinity: { podAntiAffinity: { required: [term('web', 'topology.kubernetes.io/zone')] } },
    });
    const r = run(pod('p', 'web'), new Map([['n2', [guard]]]));
    expect(r).toHaveProperty('node');
    if ('node' in r) expect(r.node).not.toBe('n2');
    const both = run(
      pod('p', 'web'),
      new Map([
        ['n2', [guard]],
        ['n0', [{ ...guard, name: 'g0' }]],
      ]),
    );
    expect(both).toMatchObject({
      unschedulable: expect.stringMatching(
        /^0\/3 nodes are available: 3 node\(s\) didn't satisfy existing pods anti-affinity rules\. /,
      ),
    });
  });

  it('terms look only in their namespaces (default: the owning pod’s)', () => {
    const p = pod('p', 'web', {
      affinity: { podAntiAffinity: { required: [term('web', 'kubernetes.io/hostname')] } },
    });
    const other = { ...pod('w', 'web'), namespace: 'other' };
    expect(
      run(
        p,
        new Map([
          ['n0', [other]],
          ['n1', [other]],
          ['n2', [other]],
        ]),
      ),
    ).toHaveProperty('node');
    const q = pod('q', 'web', {
      affinity: { podAntiAffinity: { required: [term('web', 'kubernetes.io/hostname', ['other'])] } },
    });
    expect(
      run(
        q,
        new Map([
          ['n0', [other]],
          ['n1', [other]],
          ['n2', [other]],
        ]),
      ),
    ).toHaveProperty('unschedulable');
  });

  it('property: a placed pod never shares an anti-affinity domain with a matching pod, either direction', () => {
    const key = fc.constantFrom('kubernetes.io/hostname', 'topology.kubernetes.io/zone');
    const app = fc.constantFrom('a', 'b');
    const podArb = (name: string) =>
      fc
        .record({ app, anti: fc.option(fc.record({ app, key }), { nil: undefined }) })
        .map(({ app: a, anti }) =>
          pod(
            name,
            a,
            anti ? { affinity: { podAntiAffinity: { required: [term(anti.app, anti.key)] } } } : {},
          ),
        );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), podArb('e')), { maxLength: 4 }),
        podArb('p'),
        (placed, p) => {
          const bound = new Map<string, SchedPod[]>();
          for (const [j, [i, e]] of placed.entries()) {
            bound.set(`n${i}`, [...(bound.get(`n${i}`) ?? []), { ...e, name: `e${j}` }]);
          }
          const r = run(p, bound);
          if (!('node' in r)) return;
          const at = nodes.find((n) => n.name === r.node)!;
          for (const [i, e] of placed) {
            const there = nodes[i]!;
            const same = (k: string) => there.labels.get(k) === at.labels.get(k);
            for (const t of p.affinity?.podAntiAffinity?.required ?? []) {
              expect(
                e.labels.get('app') === t.labelSelector.matchLabels?.get('app') && same(t.topologyKey),
              ).toBe(false);
            }
            for (const t of e.affinity?.podAntiAffinity?.required ?? []) {
              expect(
                p.labels.get('app') === t.labelSelector.matchLabels?.get('app') && same(t.topologyKey),
              ).toBe(false);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
