import { describe, expect, it } from 'vitest';
import type { api } from '../../src/k8s/index.js';
import {
  ApiStore,
  ControlPlaneContext,
  type Node,
  type Pod,
  SchedulerController,
} from '../../src/k8s/index.js';
import { Sim } from '../../src/sim/index.js';

const S = 1_000_000_000;

function cluster(seed = 1) {
  const sim = new Sim({ seed });
  const store = new ApiStore(sim);
  const ctx = new ControlPlaneContext(sim, store);
  ctx.settling = false;
  return { sim, store, ctx };
}

function addNode(
  store: ApiStore,
  name: string,
  spec: Node['spec'] = {},
  labels: Record<string, string> = {},
) {
  store.create({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec,
    status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } },
  });
}

function addPod(
  store: ApiStore,
  name: string,
  spec: Partial<api.PodSpec> = {},
  labels: Record<string, string> = {},
) {
  store.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '500m', memory: '128Mi' } } }],
      ...spec,
    },
  });
}

const pod = (store: ApiStore, name: string) => store.get<Pod>('Pod', 'default', name);
const scheduledCond = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');

const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const };

describe('SchedulerController', () => {
  it('binds pending pods, sets PodScheduled and logs kube-scheduler events', () => {
    const { sim, store, ctx } = cluster();
    for (const n of ['node1', 'node2']) addNode(store, n);
    addPod(store, 'web-abc');
    addPod(store, 'web-def');
    const sc = new SchedulerController(ctx).start();
    sim.run();
    for (const name of ['web-abc', 'web-def']) {
      const p = pod(store, name);
      expect(['node1', 'node2']).toContain(p.spec.nodeName);
      expect(scheduledCond(p)).toMatchObject({ status: 'True' });
      expect(sc.events).toContainEqual(
        expect.objectContaining({
          pod: `default/${name}`,
          reason: 'Scheduled',
          message: `Successfully assigned default/${name} to ${p.spec.nodeName}`,
        }),
      );
    }
    // Both were scheduled at the same instant, before any watch came back: the assumed first pod makes
    // LeastAllocated prefer the other node for the second.
    expect(pod(store, 'web-abc').spec.nodeName).not.toBe(pod(store, 'web-def').spec.nodeName);
  });

  it('binds in one write: a watcher never sees the pod bound without PodScheduled=True', () => {
    const { sim, store, ctx } = cluster();
    addNode(store, 'node1');
    addPod(store, 'web');
    const seen: string[] = [];
    store.watch<Pod>('Pod', {}, (e) => {
      const cond = scheduledCond(e.object)?.status ?? '-';
      seen.push(`${e.type} ${e.object.spec.nodeName ?? '-'} ${cond}`);
    });
    new SchedulerController(ctx).start();
    sim.run();
    // pods/binding (BindingREST.setPodNodeAndMetadata) sets both in one GuaranteedUpdate.
    expect(seen).toEqual(['ADDED - -', 'MODIFIED node1 True']);
  });

  it('leaves an unschedulable pod Pending with the FailedScheduling text; uncordon schedules it', () => {
    const { sim, store, ctx } = cluster();
    addNode(store, 'master', { taints: [CP_TAINT] });
    addNode(store, 'node1', { unschedulable: true });
    addNode(store, 'node2', { unschedulable: true });
    addPod(store, 'p');
    const sc = new SchedulerController(ctx).start();
    sim.run({ until: 2 * S });
    const msg =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
      '2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    expect(pod(store, 'p').spec.nodeName).toBeUndefined();
    expect(scheduledCond(pod(store, 'p'))).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: msg,
    });
    expect(sc.events.at(-1)).toMatchObject({ reason: 'FailedScheduling', message: msg, pod: 'default/p' });
    expect(sc.pendingUnschedulable).toEqual(['default/p']);
    // kubectl uncordon node2
    const n2 = store.get<Node>('Node', undefined, 'node2');
    store.update({ ...n2, spec: { ...n2.spec, unschedulable: false } });
    sim.run({ until: 20 * S });
    expect(pod(store, 'p').spec.nodeName).toBe('node2');
    expect(scheduledCond(pod(store, 'p'))).toMatchObject({ status: 'True' });
    expect(sc.pendingUnschedulable).toEqual([]);
  });

  it('three tainted nodes: only the tolerating pod schedules', () => {
    const { sim, store, ctx } = cluster();
    for (const n of ['a', 'b', 'c'])
      addNode(store, n, { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    addPod(store, 'plain');
    addPod(store, 'tolerant', {
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    });
    new SchedulerController(ctx).start();
    sim.run({ until: 5 * S });
    expect(pod(store, 'tolerant').spec.nodeName).toMatch(/^[abc]$/);
    expect(pod(store, 'plain').spec.nodeName).toBeUndefined();
    expect(scheduledCond(pod(store, 'plain'))?.message).toBe(
      '0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}. ' +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  it('required podAntiAffinity on hostname: one replica per node, the 4th Pending', () => {
    const { sim, store, ctx } = cluster();
    for (const n of ['n1', 'n2', 'n3']) addNode(store, n);
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
          ],
        },
      },
    };
    for (const i of [0, 1, 2, 3]) addPod(store, `web-${i}`, anti, { app: 'web' });
    new SchedulerController(ctx).start();
    sim.run({ until: 5 * S });
    const nodes = [0, 1, 2, 3].map((i) => pod(store, `web-${i}`).spec.nodeName);
    expect(nodes.filter((n) => n !== undefined).sort()).toEqual(['n1', 'n2', 'n3']);
    const pending = [0, 1, 2, 3].find((i) => nodes[i] === undefined)!;
    expect(scheduledCond(pod(store, `web-${pending}`))?.message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. " +
        'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    );
  });

  it('nodeAffinity NotIn hostnames + preferred disktype=ssd picks the ssd node', () => {
    const { sim, store, ctx } = cluster();
    addNode(store, 'n1', {}, { disktype: 'ssd' });
    addNode(store, 'n2', {}, { disktype: 'hdd' });
    addNode(store, 'n3', {}, { disktype: 'ssd' });
    addPod(store, 'p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n1'] }] },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 1,
              preference: { matchExpressions: [{ key: 'disktype', operator: 'In', values: ['ssd'] }] },
            },
          ],
        },
      },
    });
    new SchedulerController(ctx).start();
    sim.run();
    expect(pod(store, 'p').spec.nodeName).toBe('n3');
  });

  it('higher priority is scheduled first; a pod of another scheduler is left alone', () => {
    const { sim, store, ctx } = cluster();
    addNode(store, 'only');
    const big = { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1500m' } } }] };
    addPod(store, 'low', { ...big, priority: 0 });
    addPod(store, 'high', { ...big, priority: 1000 });
    addPod(store, 'other', { schedulerName: 'my-scheduler' });
    const sc = new SchedulerController(ctx).start();
    sim.run({ until: 3 * S });
    expect(pod(store, 'high').spec.nodeName).toBe('only');
    expect(pod(store, 'low').spec.nodeName).toBeUndefined();
    expect(pod(store, 'other').spec.nodeName).toBeUndefined();
    // high binds first; low fails, and fails again after the AssignedPodAdd of high moved it (backoff 1 s).
    expect(sc.events.slice(0, 2).map((e) => [e.pod, e.reason])).toEqual([
      ['default/high', 'Scheduled'],
      ['default/low', 'FailedScheduling'],
    ]);
    expect(sc.events.slice(2).every((e) => e.pod === 'default/low' && e.reason === 'FailedScheduling')).toBe(
      true,
    );
    // Deleting the high-priority pod frees the node: the low one is retried after its backoff.
    store.delete('Pod', 'default', 'high');
    sim.run({ until: 20 * S });
    expect(pod(store, 'low').spec.nodeName).toBe('only');
  });

  it('an unschedulable pod is retried at the latest after 5 minutes without any event', () => {
    const { sim, store, ctx } = cluster();
    addNode(store, 'n', {}, {});
    addPod(store, 'p', { nodeSelector: { disk: 'ssd' } });
    const sc = new SchedulerController(ctx).start();
    sim.run({ until: 10 * S });
    expect(sc.events.filter((e) => e.reason === 'FailedScheduling')).toHaveLength(1);
    sim.run({ until: 400 * S });
    const fails = sc.events.filter((e) => e.reason === 'FailedScheduling');
    expect(fails).toHaveLength(2);
    // flushUnschedulablePodsLeftover runs every 30 s and moves pods unschedulable for ≥ 5 min.
    expect(fails[1]!.atNs - fails[0]!.atNs).toBeGreaterThanOrEqual(300 * S);
    expect(fails[1]!.atNs - fails[0]!.atNs).toBeLessThanOrEqual(330 * S);
  });
});
