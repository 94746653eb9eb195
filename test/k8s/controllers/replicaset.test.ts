import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pod, PodPhase, ReplicaSet } from '../../../src/k8s/api/index.js';
import { podsToDelete } from '../../../src/k8s/controllers/index.js';
import { active, Harness, MS, ready, replicaSet, S } from './harness.js';

const ownedBy = (rs: ReplicaSet) => (p: Pod) =>
  p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller === true) ?? false;

describe('ReplicaSetController', () => {
  it('creates replicas from the template, owned by the ReplicaSet, and reports status', () => {
    const h = new Harness();
    h.apply(replicaSet('web', 3));
    h.run(10 * S);
    const rs = h.store.get<ReplicaSet>('ReplicaSet', 'default', 'web');
    const pods = h.pods();
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.generateName).toBe('web-');
      expect(p.metadata.labels).toEqual({ app: 'web' });
      expect(p.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    expect(rs.status).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
  });

  it('adopts a matching orphan instead of creating a pod', () => {
    const h = new Harness();
    h.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
    h.apply(replicaSet('web', 1));
    h.run(10 * S);
    const pods = h.pods();
    expect(pods.map((p) => p.metadata.name)).toEqual(['stray']);
    expect(pods[0]?.metadata.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
  });

  it('releases a pod whose labels stop matching and replaces it', () => {
    const h = new Harness();
    h.apply(replicaSet('web', 1));
    h.run(5 * S);
    const pod = h.pods()[0] as Pod;
    h.store.update({ ...pod, metadata: { ...pod.metadata, resourceVersion: '', labels: { app: 'debug' } } });
    h.run(20 * S);
    const released = h.store.get<Pod>('Pod', 'default', pod.metadata.name);
    expect(released.metadata.ownerReferences).toBeUndefined();
    expect(active(h.pods()).filter((p) => p.metadata.labels?.['app'] === 'web')).toHaveLength(1);
  });

  it('counts a pod available only minReadySeconds after it became ready', () => {
    const h = new Harness();
    h.apply(replicaSet('web', 2, 5));
    h.run(3 * S);
    let rs = h.store.get<ReplicaSet>('ReplicaSet', 'default', 'web');
    expect(rs.status?.readyReplicas).toBe(2);
    expect(rs.status?.availableReplicas).toBeUndefined();
    h.run(10 * S);
    rs = h.store.get<ReplicaSet>('ReplicaSet', 'default', 'web');
    expect(rs.status?.availableReplicas).toBe(2);
  });

  it('deletes surplus pods with their grace period, newest first among equals', () => {
    const h = new Harness();
    h.apply(replicaSet('web', 1));
    h.run(5 * S);
    h.apply(replicaSet('web', 3));
    h.run(10 * S);
    const oldest = h.pods().sort((a, b) => a.metadata.creationTimestamp - b.metadata.creationTimestamp)[0];
    h.apply(replicaSet('web', 1));
    h.run(h.sim.now + 20 * MS);
    const terminating = h.pods().filter((p) => p.metadata.deletionTimestamp !== undefined);
    expect(terminating).toHaveLength(2);
    for (const p of terminating) {
      expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
      expect(p.metadata.name).not.toBe(oldest?.metadata.name);
    }
    h.run(60 * S);
    expect(h.pods().map((p) => p.metadata.name)).toEqual([oldest?.metadata.name]);
  });

  it('converges to spec.replicas under any sequence of scales (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ replicas: fc.integer({ min: 0, max: 12 }), gapMs: fc.integer({ min: 0, max: 800 }) }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.integer({ min: 1, max: 1000 }),
        (steps, seed) => {
          const h = new Harness({ seed });
          let t = 0;
          for (const s of steps) {
            h.sim.at(t, () => h.apply(replicaSet('web', s.replicas)), undefined);
            t += s.gapMs * 1_000_000;
          }
          h.run(t + 120 * S);
          const rs = h.store.get<ReplicaSet>('ReplicaSet', 'default', 'web');
          const want = steps[steps.length - 1]?.replicas ?? 0;
          const live = active(h.pods());
          expect(live).toHaveLength(want);
          expect(live.every(ownedBy(rs))).toBe(true);
          expect(new Set(h.pods().map((p) => p.metadata.name)).size).toBe(h.pods().length);
          expect(live.every(ready)).toBe(true);
          expect(rs.status?.replicas).toBe(want);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('getPodsToDelete ranking (ActivePodsWithRanks)', () => {
  const mk = (
    name: string,
    o: { node?: string; phase?: PodPhase; ready?: boolean; created?: number },
  ): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: name,
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: o.created ?? 0,
    },
    spec: { containers: [], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: {
      ...(o.phase === undefined ? {} : { phase: o.phase }),
      conditions: [{ type: 'Ready', status: o.ready === true ? 'True' : 'False', lastTransitionTime: 0 }],
    },
  });

  it('prefers unassigned, then Pending before Unknown before Running, then not ready, then newer', () => {
    const now = 1000 * S;
    const pods = [
      mk('running-ready-old', { node: 'a', phase: 'Running', ready: true, created: 1 * S }),
      mk('running-ready-new', { node: 'b', phase: 'Running', ready: true, created: 500 * S }),
      mk('running-notready', { node: 'a', phase: 'Running', ready: false }),
      mk('unknown', { node: 'b', phase: 'Unknown' }),
      mk('pending', { node: 'a', phase: 'Pending' }),
      mk('unassigned', { phase: 'Pending' }),
    ];
    const order = podsToDelete(pods, [], 5, now).map((p) => p.metadata.name);
    expect(order).toEqual(['unassigned', 'pending', 'unknown', 'running-notready', 'running-ready-new']);
  });
});
