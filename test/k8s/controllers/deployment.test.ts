import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Deployment, Pod, ReplicaSet } from '../../../src/k8s/api/index.js';
import { resolveFenceposts } from '../../../src/k8s/controllers/index.js';
import { active, deployment, Harness, ready, S } from './harness.js';

const HASH = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

function replicaSets(h: Harness): ReplicaSet[] {
  return [...h.store.list<ReplicaSet>('ReplicaSet').items];
}

describe('ResolveFenceposts (scheduling.md §8)', () => {
  it('rounds maxSurge up and maxUnavailable down from the 25% defaults', () => {
    expect(resolveFenceposts('25%', '25%', 4)).toEqual({ surge: 1, unavailable: 1 });
    expect(resolveFenceposts('25%', '25%', 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
  });

  it('makes maxUnavailable 1 when both resolve to 0', () => {
    expect(resolveFenceposts(0, '10%', 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(0, 0, 3)).toEqual({ surge: 0, unavailable: 1 });
  });
});

describe('DeploymentController', () => {
  it('creates <deployment>-<pod-template-hash> with the hash on selector, template and pods', () => {
    const h = new Harness();
    h.apply(deployment('web', 3));
    h.run(20 * S);
    const [rs] = replicaSets(h);
    const d = h.store.get<Deployment>('Deployment', 'default', 'web');
    expect(rs).toBeDefined();
    if (rs === undefined) return;
    const hash = rs.metadata.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(HASH);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec.template.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.annotations).toEqual({
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
      'deployment.kubernetes.io/revision': '1',
    });
    expect(rs.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      controller: true,
    });
    const pods = h.pods();
    expect(pods).toHaveLength(3);
    for (const p of pods) expect(p.metadata.name.startsWith(`web-${hash}-`)).toBe(true);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(d.status?.unavailableReplicas).toBeUndefined();
    const conds = d.status?.conditions ?? [];
    expect(conds.find((c) => c.type === 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    });
    expect(conds.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "web-${hash}" has successfully progressed.`,
    });
  });

  it('rolls out a new template as revision 2 and keeps the old ReplicaSet at 0', () => {
    const h = new Harness();
    h.apply(deployment('web', 4));
    h.run(20 * S);
    h.apply(deployment('web', 4, { image: 'nginx:1.26' }));
    h.run(120 * S);
    const rss = replicaSets(h).sort((a, b) => a.metadata.creationTimestamp - b.metadata.creationTimestamp);
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.spec.replicas)).toEqual([0, 4]);
    expect(rss.map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'])).toEqual(['1', '2']);
    const pods = h.pods();
    expect(pods).toHaveLength(4);
    for (const p of pods) expect(p.spec.containers[0]?.image).toBe('nginx:1.26');
  });

  it('scales proportionally when replicas change outside a rollout', () => {
    const h = new Harness();
    h.apply(deployment('web', 3));
    h.run(20 * S);
    h.apply(deployment('web', 7));
    h.run(60 * S);
    expect(active(h.pods())).toHaveLength(7);
    expect(replicaSets(h)[0]?.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('7');
  });

  it('deletes old ReplicaSets beyond revisionHistoryLimit', () => {
    const h = new Harness();
    h.apply(deployment('web', 2, { revisionHistoryLimit: 1 }));
    h.run(20 * S);
    for (const image of ['a:1', 'a:2', 'a:3']) {
      h.apply(deployment('web', 2, { image, revisionHistoryLimit: 1 }));
      h.run(h.sim.now + 120 * S);
    }
    const revs = replicaSets(h)
      .map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'])
      .sort();
    expect(revs).toEqual(['3', '4']);
  });

  it('reports ProgressDeadlineExceeded when the new pods never become ready', () => {
    const h = new Harness({ neverReady: 'web-' });
    h.apply({
      ...deployment('web', 2),
      spec: { ...(deployment('web', 2).spec as object), progressDeadlineSeconds: 10 },
    });
    h.run(60 * S);
    const d = h.store.get<Deployment>('Deployment', 'default', 'web');
    const rs = replicaSets(h)[0];
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${rs?.metadata.name}" has timed out progressing.`,
    });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
    });
    expect(d.status?.unavailableReplicas).toBe(2);
  });

  it('a paused Deployment does not roll out a new template', () => {
    const h = new Harness();
    h.apply(deployment('web', 2));
    h.run(20 * S);
    const paused = deployment('web', 2, { image: 'nginx:2' });
    h.apply({ ...paused, spec: { ...(paused.spec as object), paused: true } });
    h.run(60 * S);
    expect(replicaSets(h)).toHaveLength(1);
    expect(h.pods().every((p) => p.spec.containers[0]?.image === 'nginx:1.25')).toBe(true);
    const d = h.store.get<Deployment>('Deployment', 'default', 'web');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused',
    });
  });

  it('Recreate never has old and new pods at once', () => {
    const h = new Harness();
    const strategy = { type: 'Recreate' };
    h.apply(deployment('web', 3, { strategy }));
    h.run(20 * S);
    h.apply(deployment('web', 3, { strategy, image: 'nginx:2' }));
    let overlap = false;
    h.run(h.sim.now + 120 * S, () => {
      const images = new Set(h.pods().map((p) => p.spec.containers[0]?.image));
      if (images.size > 1) overlap = true;
    });
    expect(overlap).toBe(false);
    const pods = h.pods();
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.spec.containers[0]?.image === 'nginx:2' && ready(p))).toBe(true);
  });

  it('rolling update stays within replicas+maxSurge pods and replicas-maxUnavailable available (property)', () => {
    const intOrPercent = fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        intOrPercent,
        intOrPercent,
        fc.integer({ min: 1, max: 1000 }),
        fc.record({
          bindNs: fc.integer({ min: 0, max: 100 }).map((ms) => ms * 1_000_000),
          readyNs: fc.integer({ min: 0, max: 500 }).map((ms) => ms * 1_000_000),
          killNs: fc.integer({ min: 0, max: 300 }).map((ms) => ms * 1_000_000),
        }),
        (replicas, maxSurge, maxUnavailable, seed, kubelet) => {
          const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } };
          const fence = resolveFenceposts(maxSurge, maxUnavailable, replicas);
          const h = new Harness({ seed, ...kubelet });
          h.apply(deployment('web', replicas, { strategy }));
          h.run(30 * S);
          h.apply(deployment('web', replicas, { strategy, image: 'nginx:2' }));
          let maxPods = 0;
          let minAvailable = Number.POSITIVE_INFINITY;
          h.run(h.sim.now + 600 * S, () => {
            const live = active(h.pods());
            maxPods = Math.max(maxPods, live.length);
            minAvailable = Math.min(minAvailable, live.filter(ready).length);
          });
          expect(maxPods).toBeLessThanOrEqual(replicas + fence.surge);
          expect(minAvailable).toBeGreaterThanOrEqual(replicas - Math.min(fence.unavailable, replicas));
          const pods = h.pods();
          expect(pods).toHaveLength(replicas);
          expect(pods.every((p: Pod) => p.spec.containers[0]?.image === 'nginx:2' && ready(p))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});
