import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/k8s/api/index.js';
import { deployment, Harness, replicaSet, S } from './harness.js';

describe('GarbageCollector', () => {
  it('deletes the pods of a deleted ReplicaSet with their grace period', () => {
    const h = new Harness();
    h.apply(replicaSet('web', 2));
    h.run(10 * S);
    h.store.delete('ReplicaSet', 'default', 'web');
    h.run(h.sim.now + 50_000_000);
    const pods = h.pods();
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
    h.run(60 * S);
    expect(h.pods()).toHaveLength(0);
  });

  it('cascades a Deployment deletion to its ReplicaSets and their pods', () => {
    const h = new Harness();
    h.apply(deployment('web', 3));
    h.run(20 * S);
    h.store.delete('Deployment', 'default', 'web');
    h.run(60 * S);
    expect(h.store.list('ReplicaSet').items).toHaveLength(0);
    expect(h.pods()).toHaveLength(0);
  });

  it('only drops the dead reference of a pod that still has a live owner', () => {
    const h = new Harness();
    const a = h.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'default' },
    });
    h.apply(replicaSet('web', 0));
    h.run(1 * S);
    const rs = h.store.get('ReplicaSet', 'default', 'web');
    h.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'shared',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: a.metadata.uid },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid },
        ],
      },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    h.run(2 * S);
    h.store.delete('ReplicaSet', 'default', 'web');
    h.run(10 * S);
    const pod = h.store.get<Pod>('Pod', 'default', 'shared');
    expect(pod.metadata.deletionTimestamp).toBeUndefined();
    expect(pod.metadata.ownerReferences?.map((r) => r.kind)).toEqual(['ConfigMap']);
  });
});
