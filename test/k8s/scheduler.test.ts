import { describe, expect, it } from 'vitest';
import { type NodeSelectorTerm, type SchedNode, type SchedPod, schedule } from '../../src/k8s/index.js';
import { Rng } from '../../src/sim/index.js';

const GiB = 1024 ** 3;

function node(name: string, over: Partial<SchedNode> = {}): SchedNode {
  return {
    name,
    labels: new Map([['kubernetes.io/hostname', name]]),
    taints: [],
    unschedulable: false,
    allocatable: { cpuMilli: 2000, memoryBytes: 4 * GiB, pods: 110 },
    ...over,
  };
}

function pod(name: string, over: Partial<SchedPod> = {}): SchedPod {
  return {
    namespace: 'default',
    name,
    labels: new Map(),
    nodeSelector: new Map(),
    tolerations: [],
    requests: {},
    hostPorts: [],
    ...over,
  };
}

const rng = () => new Rng(1, 'sched');

function failure(p: SchedPod, nodes: SchedNode[], bound = new Map<string, SchedPod[]>()): string {
  const r = schedule(p, nodes, bound, rng());
  if (!('unschedulable' in r)) throw new Error(`scheduled on ${r.node}`);
  return r.unschedulable;
}

describe('schedule: FailedScheduling messages', () => {
  it('taint + insufficient cpu, as kube-scheduler prints it', () => {
    const nodes = [
      node('a', { taints: [{ key: 'machine-check-exception', value: 'memory', effect: 'NoSchedule' }] }),
      node('b'),
      node('c'),
    ];
    expect(failure(pod('p', { requests: { cpuMilli: 3000 } }), nodes)).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {machine-check-exception: memory}, ' +
        '2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, ' +
        '2 No preemption victims found for incoming pod.',
    );
  });

  it('taints with empty value, all unresolvable', () => {
    const nodes = [
      node('cp', {
        taints: [{ key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' }],
      }),
      node('w', { taints: [{ key: 'node.kubernetes.io/unreachable', value: '', effect: 'NoExecute' }] }),
    ];
    expect(failure(pod('p'), nodes)).toBe(
      '0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
        '1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. ' +
        'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
  });

  it('nodeSelector, cordon, nodeName', () => {
    const sel = pod('p', { nodeSelector: new Map([['disk', 'ssd']]) });
    expect(failure(sel, [node('a'), node('b'), node('c')])).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    expect(failure(pod('p'), [node('a', { unschedulable: true })])).toBe(
      '0/1 nodes are available: 1 node(s) were unschedulable. ' +
        'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
    );
    expect(failure(pod('p', { nodeName: 'zz' }), [node('a')])).toContain(
      "1 node(s) didn't match the requested node name.",
    );
  });

  it('a cordoned node admits a pod tolerating the unschedulable taint', () => {
    const p = pod('p', {
      tolerations: [
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', value: '', effect: 'NoSchedule' },
      ],
    });
    expect(schedule(p, [node('a', { unschedulable: true })], new Map(), rng())).toMatchObject({ node: 'a' });
  });

  it('host ports, too many pods and memory; several reasons from one node', () => {
    const used = pod('u', { hostPorts: [{ protocol: 'TCP', hostIP: '10.0.0.1', hostPort: 80 }] });
    const p = pod('p', { hostPorts: [{ protocol: 'TCP', hostIP: '', hostPort: 80 }] });
    expect(failure(p, [node('a')], new Map([['a', [used]]]))).toBe(
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. " +
        'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
    const udp = pod('p', { hostPorts: [{ protocol: 'UDP', hostIP: '', hostPort: 80 }] });
    expect(schedule(udp, [node('a')], new Map([['a', [used]]]), rng())).toMatchObject({ node: 'a' });
    const full = node('a', { allocatable: { cpuMilli: 1000, memoryBytes: GiB, pods: 1 } });
    const big = pod('p', { requests: { cpuMilli: 2000, memoryBytes: 2 * GiB } });
    expect(failure(big, [full], new Map([['a', [pod('x')]]]))).toBe(
      '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods. ' +
        'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
  });

  it('histogram sorts bytewise, as Go sort.Strings: "10 …" before "2 …"', () => {
    const nodes = [
      ...Array.from({ length: 10 }, (_, i) => node(`t${i}`, { unschedulable: true })),
      node('x', { allocatable: { cpuMilli: 10, memoryBytes: GiB, pods: 110 } }),
      node('y', { allocatable: { cpuMilli: 10, memoryBytes: GiB, pods: 110 } }),
    ];
    expect(failure(pod('p', { requests: { cpuMilli: 100 } }), nodes)).toMatch(
      /^0\/12 nodes are available: 10 node\(s\) were unschedulable, 2 Insufficient cpu\. /,
    );
  });

  it('victims exist but evicting them is not enough: the preemption part repeats the filter reason', () => {
    const low = pod('low', { requests: { cpuMilli: 500 }, priority: 0 });
    const r = schedule(
      pod('hi', { requests: { cpuMilli: 3000 }, priority: 100 }),
      [node('a')],
      new Map([['a', [low]]]),
      rng(),
    );
    expect(r).toMatchObject({
      unschedulable:
        '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.',
      preemptionCandidates: [],
    });
  });

  it('lower-priority pods make the node a preemption candidate and drop the preemption clause', () => {
    const low = pod('low', { requests: { cpuMilli: 1500 }, priority: 0 });
    const r = schedule(
      pod('hi', { requests: { cpuMilli: 1000 }, priority: 100 }),
      [node('a')],
      new Map([['a', [low]]]),
      rng(),
    );
    expect(r).toMatchObject({
      unschedulable: '0/1 nodes are available: 1 Insufficient cpu.',
      preemptionCandidates: ['a'],
    });
  });
});

describe('node affinity operators', () => {
  const n = node('a', {
    labels: new Map([
      ['zone', 'z1'],
      ['gen', '7'],
    ]),
  });
  const fits = (
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt',
    key: string,
    values: string[],
  ) =>
    'node' in
    schedule(
      pod('p', {
        affinity: { nodeAffinity: { required: [{ matchExpressions: [{ key, operator, values }] }] } },
      }),
      [n],
      new Map(),
      rng(),
    );
  it('In / NotIn / Exists / DoesNotExist / Gt / Lt', () => {
    expect(fits('In', 'zone', ['z1', 'z2'])).toBe(true);
    expect(fits('In', 'zone', ['z2'])).toBe(false);
    expect(fits('NotIn', 'zone', ['z1'])).toBe(false);
    expect(fits('NotIn', 'absent', ['z1'])).toBe(true);
    expect(fits('Exists', 'gen', [])).toBe(true);
    expect(fits('DoesNotExist', 'gen', [])).toBe(false);
    expect(fits('Gt', 'gen', ['6'])).toBe(true);
    expect(fits('Gt', 'gen', ['7'])).toBe(false);
    expect(fits('Lt', 'gen', ['8'])).toBe(true);
    expect(fits('Gt', 'zone', ['1'])).toBe(false);
    expect(fits('Lt', 'absent', ['8'])).toBe(false);
  });
  it('terms are ORed, expressions ANDed, an empty term matches nothing', () => {
    const mk = (required: readonly NodeSelectorTerm[]) =>
      'node' in schedule(pod('p', { affinity: { nodeAffinity: { required } } }), [n], new Map(), rng());
    const zone = { key: 'zone', operator: 'In' as const, values: ['z1'] };
    const bad = { key: 'gen', operator: 'In' as const, values: ['8'] };
    expect(mk([{ matchExpressions: [zone, bad] }])).toBe(false);
    expect(mk([{ matchExpressions: [bad] }, { matchExpressions: [zone] }])).toBe(true);
    expect(mk([{ matchExpressions: [] }])).toBe(false);
    expect(
      mk([{ matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }]),
    ).toBe(true);
  });
});

describe('scoring', () => {
  it('LeastAllocated + BalancedAllocation prefer the emptier node; weights as default_plugins.go', () => {
    const busy = pod('b', { requests: { cpuMilli: 1000, memoryBytes: 2 * GiB } });
    const r = schedule(
      pod('p', { requests: { cpuMilli: 500, memoryBytes: GiB } }),
      [node('a'), node('b')],
      new Map([['a', [busy]]]),
      rng(),
    );
    if (!('node' in r)) throw new Error('unschedulable');
    expect(r.node).toBe('b');
    const a = r.scores.find((s) => s.node === 'a')!;
    // a: cpu (2000-1500)*100/2000 = 25, mem (4-3)/4 = 25 → 25; fractions .75/.75 → balanced 100.
    expect(a.plugins).toEqual({
      TaintToleration: 100,
      NodeAffinity: 0,
      NodeResourcesFit: 25,
      PodTopologySpread: 0,
      InterPodAffinity: 0,
      NodeResourcesBalancedAllocation: 100,
    });
    expect(a.total).toBe(300 + 25 + 100);
  });

  it('PreferNoSchedule taints and preferred affinity are normalised', () => {
    const nodes = [
      node('a', { taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }] }),
      node('b', { labels: new Map([['zone', 'z1']]) }),
    ];
    const p = pod('p', {
      affinity: {
        nodeAffinity: {
          preferred: [
            {
              weight: 30,
              preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] },
            },
          ],
        },
      },
    });
    const r = schedule(p, nodes, new Map(), rng());
    if (!('node' in r)) throw new Error('unschedulable');
    expect(r.node).toBe('b');
    expect(r.scores.map((s) => [s.plugins.TaintToleration, s.plugins.NodeAffinity])).toEqual([
      [0, 0],
      [100, 100],
    ]);
  });
});
