/**
 * The scheduling seed topologies (issue 6, item 8): taints.yaml, affinity.yaml and anti-affinity.yaml.
 * Placements are checked against the rules each file declares (taints and tolerations, required and
 * preferred node affinity, required pod anti-affinity), the Pending pods against kube-scheduler's
 * FitError message, and the kubectl tables against the store and the kubelets' records.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { api, Deployment, Pod } from '../../src/k8s/index.js';
import { type RunReport, runScenario, type TaintSpec } from '../../src/topology/index.js';
import { formatIp4 } from '../../src/wire/index.js';
import { cli } from '../cli/helpers.js';
import {
  buildSeed,
  inPodCidr,
  kubectl,
  loadSeed,
  podsWithPrefix,
  readTable,
  requestsOf,
  row,
  SECOND,
  type Snapshot,
  seedPath,
  snapshot,
  snapshotAt,
} from './seed-topologies-helpers.js';

/** printers.go podColumnDefinitions: the table and its -o wide (priority 1) columns. */
const POD_WIDE_HEADER = [
  'NAME',
  'READY',
  'STATUS',
  'RESTARTS',
  'AGE',
  'IP',
  'NODE',
  'NOMINATED NODE',
  'READINESS GATES',
];

/** v1.Toleration.ToleratesTaint: effect empty or equal; key empty (with Exists) or equal; Exists or value equal. */
function tolerates(tolerations: readonly api.Toleration[], taint: TaintSpec): boolean {
  return tolerations.some((t) => {
    if (t.effect !== undefined && t.effect !== taint.effect) return false;
    if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
    if (t.operator === 'Exists') return true;
    return (t.value ?? '') === taint.value;
  });
}

function podScheduled(p: Pod): { status?: string; reason?: string; message?: string } | undefined {
  return p.status?.conditions?.find((c) => c.type === 'PodScheduled');
}

/** The node of every bound pod must agree between the store, the kubelet's records and kubectl -o wide. */
function expectViewsAgree(
  s: Snapshot,
  records: ReadonlyMap<string, { node: string; status: { podIP?: number } }>,
) {
  const wide = kubectl(s, 'pods', true);
  expect(wide.header).toEqual(POD_WIDE_HEADER);
  for (const p of s.pods) {
    const r = row(wide, p.metadata.name);
    const node = p.spec.nodeName;
    if (node === undefined) {
      expect(r).toMatchObject({ NODE: '<none>', IP: '<none>', STATUS: 'Pending', READY: '0/1' });
      continue;
    }
    const rec = records.get(`default/${p.metadata.name}`);
    expect(rec?.node).toBe(node);
    const ip = rec?.status.podIP;
    expect(r['NODE']).toBe(node);
    expect(r['IP']).toBe(ip === undefined ? '<none>' : formatIp4(ip));
    expect(r['IP']).toBe(p.status?.podIP);
    const nodeObj = s.nodes.find((n) => n.metadata.name === node);
    expect(nodeObj && inPodCidr(nodeObj, r['IP'] ?? ''), `${p.metadata.name} ${r['IP']} in ${node}`).toBe(
      true,
    );
  }
}

describe('topologies/taints.yaml: only pods tolerating a node taint schedule there', () => {
  const topology = loadSeed('taints');
  const taintsOf = new Map(topology.nodes.map((n) => [n.name, n.taints]));
  let before: Snapshot;
  let end: Snapshot;
  let report: RunReport;
  let records: ReadonlyMap<string, { node: string; status: { podIP?: number } }>;

  beforeAll(() => {
    const cluster = buildSeed('taints');
    // Before the step at 5s deletes `plain`.
    const at3 = snapshotAt(cluster, 3 * SECOND);
    report = runScenario(cluster);
    before = at3.get();
    end = snapshot(cluster);
    records = cluster.pods;
  });

  it('every node is tainted NoSchedule, so the scheduler may place a pod only where it tolerates all taints', () => {
    for (const n of topology.nodes) expect(n.taints.map((t) => t.effect)).toContain('NoSchedule');
    for (const s of [before, end])
      for (const p of s.pods) {
        const node = p.spec.nodeName;
        if (node === undefined) continue;
        for (const taint of taintsOf.get(node) ?? [])
          expect(tolerates(p.spec.tolerations ?? [], taint), `${p.metadata.name} on ${node}`).toBe(true);
      }
  });

  it('spreads the three web replicas over node1 and node2, never the control-plane node', () => {
    const web = podsWithPrefix(before, 'web-');
    expect(web).toHaveLength(3);
    expect(web.every((p) => p.status?.phase === 'Running')).toBe(true);
    expect(new Set(web.map((p) => p.spec.nodeName))).toEqual(new Set(['node1', 'node2']));
  });

  it("leaves plain Pending with kube-scheduler's FitError message, one reason per untolerated taint", () => {
    const plain = before.pods.find((p) => p.metadata.name === 'plain');
    expect(plain?.spec.nodeName).toBeUndefined();
    expect(plain?.status?.phase).toBe('Pending');
    // tainttoleration.go: "node(s) had untolerated taint {KEY: VALUE}", counted per reason and sorted.
    const counts = new Map<string, number>();
    for (const n of topology.nodes) {
      const t = n.taints.find((x) => !tolerates(plain?.spec.tolerations ?? [], x));
      if (t === undefined) continue;
      const reason = `node(s) had untolerated taint {${t.key}: ${t.value}}`;
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    const reasons = [...counts].map(([r, c]) => `${c} ${r}`).sort();
    const n = topology.nodes.length;
    const message = `0/${n} nodes are available: ${reasons.join(', ')}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;
    expect(message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
        '2 node(s) had untolerated taint {dedicated: web}. preemption: 0/3 nodes are available: ' +
        '3 Preemption is not helpful for scheduling.',
    );
    expect(podScheduled(plain as Pod)).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
  });

  it('prints the same placements in kubectl get pods -o wide as the store and the kubelets hold', () => {
    expectViewsAgree(before, records);
    expectViewsAgree(end, records);
  });

  it('podwire get FILE pods -o wide --at 3s shows plain Pending and web Running on the dedicated nodes', async () => {
    const r = await cli('get', seedPath('taints'), 'pods', '-o', 'wide', '--at', '3s');
    expect(r.code).toBe(0);
    const t = readTable({ stdout: r.out, stderr: r.err });
    expect(t.header).toEqual(POD_WIDE_HEADER);
    expect(row(t, 'plain')).toMatchObject({ READY: '0/1', STATUS: 'Pending', IP: '<none>', NODE: '<none>' });
    const web = t.rows.filter((x) => x['NAME']?.startsWith('web-'));
    expect(web.map((x) => x['NAME'])).toEqual(podsWithPrefix(before, 'web-').map((p) => p.metadata.name));
    for (const w of web) expect(w).toMatchObject({ READY: '1/1', STATUS: 'Running', AGE: '3s' });
    expect(web.every((w) => w['NODE'] === 'node1' || w['NODE'] === 'node2')).toBe(true);
  });

  it('shows master with ROLES control-plane in get nodes, every node Ready', () => {
    const t = kubectl(end, 'nodes');
    expect(t.header).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(t.rows.map((r) => [r['NAME'], r['STATUS'], r['ROLES']])).toEqual([
      ['master', 'Ready', 'control-plane'],
      ['node1', 'Ready', '<none>'],
      ['node2', 'Ready', '<none>'],
    ]);
  });

  it('schedules plain once it is applied again tolerating dedicated (any effect), and it reaches web', () => {
    const plain = end.pods.find((p) => p.metadata.name === 'plain');
    expect(plain?.status?.phase).toBe('Running');
    expect(['node1', 'node2']).toContain(plain?.spec.nodeName);
    const apply = report.steps.find((s) => s.step.action === 'apply');
    expect(apply?.lines.map((l) => l.text)).toEqual(['pod/plain created']);
    const webNames = new Set(podsWithPrefix(end, 'web-').map((p) => p.metadata.name));
    const requests = requestsOf(report, 'http');
    expect(requests).toHaveLength(6 + 3);
    for (const q of requests) expect(q.ok && webNames.has(q.answer.pod)).toBe(true);
    expect(report.expectations.every((e) => e.held)).toBe(true);
  });

  it('keeps the placement rules for any scheduler seed (ties broken by another PRNG stream)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const cluster = buildSeed('taints', seed);
        runScenario(cluster, { untilNs: 3 * SECOND, expectations: false });
        const s = snapshot(cluster);
        const web = podsWithPrefix(s, 'web-');
        expect(web).toHaveLength(3);
        for (const p of web) {
          expect(p.status?.phase).toBe('Running');
          expect(['node1', 'node2']).toContain(p.spec.nodeName);
        }
        const plain = s.pods.find((p) => p.metadata.name === 'plain') as Pod;
        expect(plain.spec.nodeName).toBeUndefined();
        expect(podScheduled(plain)?.reason).toBe('Unschedulable');
      }),
      { numRuns: 10 },
    );
  });
});

describe('topologies/affinity.yaml: required NotIn hostnames, preferred disktype', () => {
  const topology = loadSeed('affinity');
  const db = topology.objects.find((o) => o.kind === 'Deployment') as unknown as Deployment;
  const affinity = db.spec.template.spec.affinity?.nodeAffinity;
  const required = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]
    ?.matchExpressions?.[0] as api.NodeSelectorRequirement;
  const preferred = affinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.preference
    .matchExpressions?.[0] as api.NodeSelectorRequirement;
  /** The nodes the required term lets through (hostname label = node name), then those the preference favours. */
  const feasible = topology.nodes.filter((n) => !(required.values ?? []).includes(n.name));
  const favoured = feasible.filter((n) =>
    (preferred.values ?? []).includes(n.labels.get(preferred.key) ?? ''),
  );

  it('reads the rules the file states: NotIn node1/node2, preferring disktype=ssd, which only node4 offers', () => {
    expect(required).toMatchObject({ key: 'kubernetes.io/hostname', operator: 'NotIn' });
    expect(preferred).toMatchObject({ key: 'disktype', operator: 'In', values: ['ssd'] });
    expect(feasible.map((n) => n.name)).toEqual(['node3', 'node4']);
    expect(favoured.map((n) => n.name)).toEqual(['node4']);
  });

  let end: Snapshot;
  let report: RunReport;
  let records: ReadonlyMap<string, { node: string; status: { podIP?: number } }>;
  beforeAll(() => {
    const cluster = buildSeed('affinity');
    report = runScenario(cluster);
    end = snapshot(cluster);
    records = cluster.pods;
  });

  it('places no db pod on a NotIn host and both on the favoured ssd node', () => {
    const pods = podsWithPrefix(end, 'db-');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.status?.phase).toBe('Running');
      expect(required.values).not.toContain(p.spec.nodeName);
      expect(favoured.map((n) => n.name)).toContain(p.spec.nodeName);
    }
  });

  it('runs cache (no affinity) too, and kubectl -o wide agrees with the store and the kubelets', () => {
    const cache = end.pods.find((p) => p.metadata.name === 'cache');
    expect(cache?.status?.phase).toBe('Running');
    expectViewsAgree(end, records);
    for (const r of kubectl(end, 'pods', true).rows)
      expect(r).toMatchObject({ READY: '1/1', STATUS: 'Running' });
  });

  it('connects cache to a db pod address on port 5432, answered by that db pod', () => {
    const step = report.steps.find((s) => s.step.action === 'tcp');
    const ips = new Map(podsWithPrefix(end, 'db-').map((p) => [p.status?.podIP, p.metadata.name]));
    const target = /^for i in \$\(seq 2\); do nc (\S+) 5432; done$/.exec(step?.command ?? '')?.[1];
    expect(ips.has(target)).toBe(true);
    const requests = step?.requests ?? [];
    expect(requests).toHaveLength(2);
    for (const q of requests) expect(q.ok && q.answer.pod).toBe(ips.get(target));
    expect(report.expectations.every((e) => e.held)).toBe(true);
  });

  it('honours the preference for any scheduler seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const cluster = buildSeed('affinity', seed);
        runScenario(cluster, { untilNs: SECOND, expectations: false });
        const nodes = podsWithPrefix(snapshot(cluster), 'db-').map((p) => p.spec.nodeName);
        expect(nodes).toEqual(favoured.map((n) => n.name).flatMap((n) => [n, n]));
      }),
      { numRuns: 10 },
    );
  });
});

describe('topologies/anti-affinity.yaml: one web replica per node', () => {
  const antiAffinityMessage =
    "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are " +
    'available: 3 No preemption victims found for incoming pod.';
  let mid: Snapshot;
  let end: Snapshot;
  let report: RunReport;

  beforeAll(() => {
    const cluster = buildSeed('anti-affinity');
    // Before the scale step at 10s.
    const at5 = snapshotAt(cluster, 5 * SECOND);
    report = runScenario(cluster);
    mid = at5.get();
    end = snapshot(cluster);
  });

  function placement(s: Snapshot) {
    const web = podsWithPrefix(s, 'web-');
    return {
      running: web.filter((p) => p.spec.nodeName !== undefined),
      pending: web.filter((p) => p.spec.nodeName === undefined),
    };
  }

  it('runs three replicas on three distinct nodes and leaves the fourth Pending with the anti-affinity message', () => {
    const { running, pending } = placement(mid);
    expect(running).toHaveLength(3);
    expect(new Set(running.map((p) => p.spec.nodeName))).toEqual(new Set(['node1', 'node2', 'node3']));
    for (const p of running) expect(p.status?.phase).toBe('Running');
    expect(pending).toHaveLength(1);
    expect(pending[0]?.status?.phase).toBe('Pending');
    expect(podScheduled(pending[0] as Pod)).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: antiAffinityMessage,
    });
  });

  it('prints READY 3/4 for the Deployment while one replica cannot be placed', () => {
    const d = kubectl(mid, 'deployments', true);
    expect(d.header).toEqual([
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
      'CONTAINERS',
      'IMAGES',
      'SELECTOR',
    ]);
    expect(row(d, 'web')).toMatchObject({
      READY: '3/4',
      'UP-TO-DATE': '4',
      AVAILABLE: '3',
      SELECTOR: 'app=web',
    });
    const pending = placement(mid).pending[0] as Pod;
    expect(row(kubectl(mid, 'pods', true), pending.metadata.name)).toMatchObject({
      READY: '0/1',
      STATUS: 'Pending',
      NODE: '<none>',
    });
  });

  it('answers the client only from the running replicas', () => {
    const names = new Set(placement(mid).running.map((p) => p.metadata.name));
    const requests = requestsOf(report, 'http');
    expect(requests).toHaveLength(9);
    for (const q of requests) expect(q.ok && names.has(q.answer.pod)).toBe(true);
  });

  it('scales to 3 by deleting the Pending replica first, keeping the three running ones', () => {
    const scale = report.steps.find((s) => s.step.action === 'scale');
    expect(scale?.lines.map((l) => l.text)).toEqual(['deployment.apps/web scaled']);
    const { running, pending } = placement(end);
    expect(pending).toEqual([]);
    expect(running.map((p) => p.metadata.name)).toEqual(placement(mid).running.map((p) => p.metadata.name));
    expect(row(kubectl(end, 'deployments'), 'web')).toMatchObject({
      READY: '3/3',
      'UP-TO-DATE': '3',
      AVAILABLE: '3',
    });
    const rs = kubectl(end, 'replicasets');
    expect(rs.rows).toHaveLength(1);
    expect(rs.rows[0]).toMatchObject({ DESIRED: '3', CURRENT: '3', READY: '3' });
  });

  it('spreads one replica per node for any scheduler seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const cluster = buildSeed('anti-affinity', seed);
        runScenario(cluster, { untilNs: 5 * SECOND, expectations: false });
        const { running, pending } = placement(snapshot(cluster));
        expect(new Set(running.map((p) => p.spec.nodeName)).size).toBe(3);
        expect(running).toHaveLength(3);
        expect(pending).toHaveLength(1);
      }),
      { numRuns: 10 },
    );
  });
});
