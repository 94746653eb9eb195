import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DaemonSet, Pod } from '../../../src/k8s/api/index.js';
import { pinnedToNode } from '../../../src/k8s/controllers/index.js';
import { active, container, Harness, ready, S } from './harness.js';

function daemonSet(extra: { tolerations?: unknown[]; image?: string; hostNetwork?: boolean } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          ...container(extra.image),
          ...(extra.tolerations === undefined ? {} : { tolerations: extra.tolerations }),
          ...(extra.hostNetwork === undefined ? {} : { hostNetwork: extra.hostNetwork }),
        },
      },
    },
  };
}

const target = (p: Pod) =>
  p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
    ?.matchFields?.[0]?.values?.[0];
const byNode = (h: Harness) =>
  active(h.pods())
    .map((p) => target(p) ?? '')
    .sort();

const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

describe('DaemonSetController', () => {
  const tainted = {
    name: 'master',
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const }],
  };

  it('puts one pod per eligible node, pinned by node affinity, skipping an untolerated taint', () => {
    const h = new Harness({ nodes: ['node1', 'node2', tainted] });
    h.apply(daemonSet());
    h.run(10 * S);
    expect(byNode(h)).toEqual(['node1', 'node2']);
    const pod = h.pods()[0];
    expect(pod?.metadata.name).toMatch(/^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pod?.metadata.labels?.['controller-revision-hash']).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(pod?.spec.tolerations).toEqual(DAEMON_TOLERATIONS);
    expect(
      pod?.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    ).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [target(pod as Pod)] }] }]);
    const ds = h.store.get<DaemonSet>('DaemonSet', 'kube-system', 'agent');
    expect(ds.status).toMatchObject({
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
    });
  });

  it('runs on the tainted node when the template tolerates the taint, and adds host-network tolerations', () => {
    const h = new Harness({ nodes: ['node1', tainted] });
    h.apply(
      daemonSet({
        tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }],
        hostNetwork: true,
      }),
    );
    h.run(10 * S);
    expect(byNode(h)).toEqual(['master', 'node1']);
    expect(h.pods()[0]?.spec.tolerations).toContainEqual({
      key: 'node.kubernetes.io/network-unavailable',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
  });

  it('follows nodes: a new node gets a pod, a removed node loses it', () => {
    const h = new Harness({ nodes: ['node1', 'node2'] });
    h.apply(daemonSet());
    h.run(10 * S);
    h.addNode('node3');
    h.run(20 * S);
    expect(byNode(h)).toEqual(['node1', 'node2', 'node3']);
    h.store.delete('Node', undefined, 'node2');
    h.run(40 * S);
    expect(byNode(h)).toEqual(['node1', 'node3']);
    expect(h.pods()).toHaveLength(2);
  });

  it('rolls a template change out with at most one node unavailable', () => {
    const h = new Harness({ nodes: ['node1', 'node2', 'node3', 'node4'] });
    h.apply(daemonSet());
    h.run(10 * S);
    h.apply(daemonSet({ image: 'agent:2' }));
    let minReady = 4;
    h.run(h.sim.now + 300 * S, () => {
      minReady = Math.min(minReady, active(h.pods()).filter(ready).length);
    });
    expect(minReady).toBe(3);
    const pods = h.pods();
    expect(pods).toHaveLength(4);
    expect(pods.every((p) => p.spec.containers[0]?.image === 'agent:2' && ready(p))).toBe(true);
  });

  it('runs exactly on the nodes whose NoSchedule/NoExecute taints are all tolerated (property)', () => {
    const taintKinds = [
      { key: 'a', effect: 'NoSchedule' as const },
      { key: 'b', effect: 'NoExecute' as const },
      { key: 'c', effect: 'PreferNoSchedule' as const },
    ];
    fc.assert(
      fc.property(
        fc.array(fc.subarray(taintKinds), { minLength: 1, maxLength: 6 }),
        fc.subarray(['a', 'b']),
        (nodeTaints, tolerated) => {
          const nodes = nodeTaints.map((taints, i) => ({ name: `n${i}`, taints }));
          const h = new Harness({ nodes });
          h.apply(daemonSet({ tolerations: tolerated.map((key) => ({ key, operator: 'Exists' })) }));
          h.run(10 * S);
          const want = nodes
            .filter((n) =>
              n.taints.every((t) => t.effect === 'PreferNoSchedule' || tolerated.includes(t.key)),
            )
            .map((n) => n.name)
            .sort();
          expect(byNode(h)).toEqual(want);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('replaces existing required node affinity terms with the node pin', () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'disk', operator: 'In' as const, values: ['ssd'] }] },
          ],
        },
      },
    };
    expect(pinnedToNode(affinity, 'n1').nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual(
      {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
      },
    );
  });
});
