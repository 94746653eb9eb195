import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../src/k8s/api/index.js';
import { addPod, DEFAULT_TOLERATIONS, makeLab, S } from './lab.js';

const readyOf = (lab: ReturnType<typeof makeLab>, n: string) =>
  lab.node(n).status?.conditions?.find((c) => c.type === 'Ready');
const taintsOf = (lab: ReturnType<typeof makeLab>, n: string) =>
  (lab.node(n).spec.taints ?? []).map((t) => `${t.key}:${t.effect}`);

describe('NodeHeartbeat', () => {
  it('creates the Lease and keeps Ready True with the kubelet reason and message', () => {
    const lab = makeLab(['node1']);
    const lease = lab.ctx.store.get<Lease>('Lease', 'kube-node-lease', 'node1');
    expect(lease.spec).toEqual({ holderIdentity: 'node1', leaseDurationSeconds: 40, renewTime: 0 });
    expect(lease.metadata.ownerReferences?.[0]?.kind).toBe('Node');
    expect(readyOf(lab, 'node1')).toMatchObject({
      status: 'True',
      reason: 'KubeletReady',
      message: 'kubelet is posting ready status',
    });
    lab.sim.run({ until: 35 * S });
    expect(lab.ctx.store.get<Lease>('Lease', 'kube-node-lease', 'node1').spec.renewTime).toBe(30 * S);
    // Status is posted again only after nodeStatusReportFrequency (5 min): the Lease is the heartbeat.
    expect(readyOf(lab, 'node1')?.lastHeartbeatTime).toBe(0);
    lab.sim.run({ until: 301 * S });
    expect(readyOf(lab, 'node1')?.lastHeartbeatTime).toBe(300 * S);
  });
});

describe('NodeLifecycleController', () => {
  it('a silent node turns Unknown after the grace period, not before, then gets the taints', () => {
    const lab = makeLab(['node1', 'node2']);
    addPod(lab, 'web', 'node2', DEFAULT_TOLERATIONS);
    lab.sim.run({ until: 100 * S });
    lab.beats.get('node2')?.stop(); // last renew at 100 s
    // The controller saw the last renewal at its 105 s pass (monitor period 5 s, watch lag 10 ms): the
    // 50 s grace runs from there, so the 155 s pass still finds it in time.
    lab.sim.run({ until: 155 * S });
    expect(readyOf(lab, 'node2')?.status).toBe('True');
    expect(taintsOf(lab, 'node2')).toEqual([]);
    lab.sim.run({ until: 161 * S });
    const ready = readyOf(lab, 'node2');
    expect(ready).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    for (const c of lab.node('node2').status?.conditions ?? []) expect(c.status).toBe('Unknown');
    expect(taintsOf(lab, 'node2')).toEqual(['node.kubernetes.io/unreachable:NoSchedule']);
    expect(lab.pod('web')?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    // MarkPodsNotReady touches only Ready.
    expect(lab.pod('web')?.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status).toBe(
      'True',
    );
    lab.sim.run({ until: 166 * S });
    expect(taintsOf(lab, 'node2')).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    for (const t of lab.node('node2').spec.taints ?? []) expect(t.timeAdded).toBeGreaterThan(150 * S);
    expect(readyOf(lab, 'node1')?.status).toBe('True');
  });

  it('recovery removes the taints', () => {
    const lab = makeLab(['node1', 'node2']);
    lab.beats.get('node2')?.stop();
    lab.sim.run({ until: 120 * S });
    expect(taintsOf(lab, 'node2')).toHaveLength(2);
    lab.beats.get('node2')?.start();
    lab.sim.run({ until: 126 * S });
    expect(readyOf(lab, 'node2')?.status).toBe('True');
    expect(taintsOf(lab, 'node2')).toEqual([]);
  });

  it('cordon (spec.unschedulable) adds and uncordon removes the unschedulable taint', () => {
    const lab = makeLab(['node1']);
    const store = lab.ctx.store;
    store.update({ ...lab.node('node1'), spec: { unschedulable: true } });
    lab.sim.run({ until: 1 * S });
    expect(taintsOf(lab, 'node1')).toEqual(['node.kubernetes.io/unschedulable:NoSchedule']);
    const n = lab.node('node1');
    store.update({ ...n, spec: { ...n.spec, unschedulable: false } });
    lab.sim.run({ until: 2 * S });
    expect(taintsOf(lab, 'node1')).toEqual([]);
  });

  it('when every node is down no NoExecute taint is added (full disruption)', () => {
    const lab = makeLab(['node1', 'node2']);
    lab.beats.get('node1')?.stop();
    lab.beats.get('node2')?.stop();
    lab.sim.run({ until: 200 * S });
    expect(readyOf(lab, 'node1')?.status).toBe('Unknown');
    expect(taintsOf(lab, 'node1')).toEqual(['node.kubernetes.io/unreachable:NoSchedule']);
    expect(lab.lifecycle.zoneState('')).toBe('FullDisruption');
  });

  it('NoExecute tainting is rate limited to 0.1 nodes/s per zone', () => {
    const names = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    const lab = makeLab(names);
    lab.beats.get('n1')?.stop();
    lab.beats.get('n2')?.stop();
    lab.sim.run({ until: 200 * S });
    const added = ['n1', 'n2'].map(
      (n) => lab.node(n).spec.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded ?? 0,
    );
    expect(Math.abs((added[1] ?? 0) - (added[0] ?? 0))).toBeGreaterThanOrEqual(10 * S);
  });
});
