import { describe, expect, it } from 'vitest';
import type { Pod, StatefulSet } from '../../../src/k8s/api/index.js';
import { active, container, Harness, ready, S } from './harness.js';

function sts(replicas: number, extra: { policy?: 'Parallel'; image?: string } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas,
      serviceName: 'db-headless',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: container(extra.image) },
      ...(extra.policy === undefined ? {} : { podManagementPolicy: extra.policy }),
    },
  };
}

const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata.name).sort();

describe('StatefulSetController', () => {
  it('creates db-0..N-1 in order, each only after its predecessor is Running and Ready', () => {
    const h = new Harness();
    h.apply(sts(3));
    h.run(30 * S);
    expect(names(h.pods())).toEqual(['db-0', 'db-1', 'db-2']);
    for (let i = 1; i < 3; i++) {
      const created = h.created.get(`db-${i}`) ?? -1;
      const prevReady = h.readyAt.get(`db-${i - 1}`) ?? Number.POSITIVE_INFINITY;
      expect(created).toBeGreaterThan(prevReady);
    }
    const pod = h.store.get<Pod>('Pod', 'default', 'db-1');
    expect(pod.spec.hostname).toBe('db-1');
    expect(pod.spec.subdomain).toBe('db-headless');
    expect(pod.metadata.labels?.['statefulset.kubernetes.io/pod-name']).toBe('db-1');
    expect(pod.metadata.labels?.['apps.kubernetes.io/pod-index']).toBe('1');
    const set = h.store.get<StatefulSet>('StatefulSet', 'default', 'db');
    expect(pod.metadata.labels?.['controller-revision-hash']).toBe(set.status?.updateRevision);
    expect(set.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
    });
    expect(set.status?.currentRevision).toBe(set.status?.updateRevision);
  });

  it('OrderedReady never creates past a pod that does not become ready', () => {
    const h = new Harness({ neverReady: 'db-1' });
    h.apply(sts(4));
    h.run(120 * S);
    expect(names(h.pods())).toEqual(['db-0', 'db-1']);
  });

  it('Parallel creates every pod at once', () => {
    const h = new Harness();
    h.apply(sts(3, { policy: 'Parallel' }));
    h.run(30 * S);
    const times = new Set(['db-0', 'db-1', 'db-2'].map((n) => h.created.get(n)));
    expect(times.size).toBe(1);
  });

  it('scales down from the highest ordinal, one pod at a time', () => {
    const h = new Harness();
    h.apply(sts(3));
    h.run(30 * S);
    h.apply(sts(1));
    h.run(60 * S);
    expect(names(h.pods())).toEqual(['db-0']);
    const gone2 = h.removedAt.get('db-2') ?? -1;
    expect(gone2).toBeGreaterThan(0);
    expect(h.deletingAt.get('db-2') ?? -1).toBeLessThan(gone2);
    // db-1's deletion starts only once db-2 is gone.
    expect(h.deletingAt.get('db-1') ?? -1).toBeGreaterThan(gone2);
  });

  it('recreates a deleted pod under the same name', () => {
    const h = new Harness();
    h.apply(sts(2));
    h.run(30 * S);
    const before = h.store.get<Pod>('Pod', 'default', 'db-0').metadata.uid;
    h.store.delete('Pod', 'default', 'db-0', { gracePeriodSeconds: 30 });
    h.run(60 * S);
    const after = h.store.get<Pod>('Pod', 'default', 'db-0');
    expect(after.metadata.uid).not.toBe(before);
    expect(ready(after)).toBe(true);
  });

  it('restores the identity labels of a pod that lost them', () => {
    const h = new Harness();
    h.apply(sts(1));
    h.run(10 * S);
    const pod = h.store.get<Pod>('Pod', 'default', 'db-0');
    h.store.update({ ...pod, metadata: { ...pod.metadata, labels: { app: 'db' } } });
    h.run(20 * S);
    expect(h.store.get<Pod>('Pod', 'default', 'db-0').metadata.labels).toMatchObject({
      'statefulset.kubernetes.io/pod-name': 'db-0',
      'apps.kubernetes.io/pod-index': '0',
    });
  });

  it('rolls an update from the highest ordinal down', () => {
    const h = new Harness();
    h.apply(sts(3));
    h.run(30 * S);
    const t0 = h.sim.now;
    h.apply(sts(3, { image: 'db:2' }));
    h.run(t0 + 120 * S);
    const order = ['db-0', 'db-1', 'db-2'].sort(
      (a, b) => (h.removedAt.get(b) ?? 0) - (h.removedAt.get(a) ?? 0),
    );
    expect(order).toEqual(['db-0', 'db-1', 'db-2']);
    for (const n of ['db-0', 'db-1', 'db-2']) expect(h.removedAt.get(n) ?? 0).toBeGreaterThan(t0);
    expect(h.removedAt.get('db-1') ?? 0).toBeGreaterThan(h.readyAt.get('db-2') ?? Number.POSITIVE_INFINITY);
    const pods = active(h.pods());
    expect(pods.every((p) => p.spec.containers[0]?.image === 'db:2' && ready(p))).toBe(true);
  });
});
