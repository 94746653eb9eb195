import { describe, expect, it } from 'vitest';
import { ApiStore, ControlPlaneContext, type Pod, SchedulerController } from '../../src/k8s/index.js';
import { confirmsAssumed, type PlacedPod } from '../../src/k8s/scheduler/assumed.js';
import type { BoundPodCache } from '../../src/k8s/scheduler/bound-cache.js';
import { schedPodFromApi } from '../../src/k8s/scheduler/from-api.js';
import type { SchedPod } from '../../src/k8s/scheduler/index.js';
import { Sim } from '../../src/sim/index.js';

// cache.AddPod of an assumed pod: the binding's watch event confirms the assumed SchedPod as is only
// when what schedPodFromApi reads is unchanged but for spec.nodeName.

const pending: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web' },
    uid: 'u1',
    resourceVersion: '1',
    generation: 1,
    creationTimestamp: 0,
  },
  spec: {
    containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '500m' } } }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
};
const bound = (over: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod => ({
  ...pending,
  metadata: { ...pending.metadata, ...meta },
  spec: { ...pending.spec, nodeName: 'node1', ...over },
  status: { phase: 'Pending' },
});
const assumed = (): PlacedPod => ({
  node: 'node1',
  pod: schedPodFromApi(pending),
  assumedFrom: pending,
});

describe('confirmsAssumed', () => {
  it('confirms a binding that changed only spec.nodeName (and status), once', () => {
    const at = assumed();
    expect(confirmsAssumed(at, bound())).toBe(true);
    expect(at.assumedFrom).toBeUndefined();
    expect(confirmsAssumed(at, bound())).toBe(false);
  });

  it('does not confirm a pod bound elsewhere, relabelled, deleting, or with another spec', () => {
    expect(confirmsAssumed(assumed(), bound({ nodeName: 'node2' }))).toBe(false);
    expect(confirmsAssumed(assumed(), bound({}, { labels: { app: 'web' } }))).toBe(false);
    expect(confirmsAssumed(assumed(), bound({}, { deletionTimestamp: 5 }))).toBe(false);
    expect(confirmsAssumed(assumed(), bound({ tolerations: [] }))).toBe(false);
    expect(confirmsAssumed(assumed(), bound({ priority: 0 }))).toBe(false);
    const { tolerations: _, ...noTolerations } = pending.spec;
    expect(confirmsAssumed(assumed(), { ...bound(), spec: { ...noTolerations, nodeName: 'node1' } })).toBe(
      false,
    );
  });

  it('confirms only pods schedPodFromApi derives the same (but for the default spread selector)', () => {
    const at = assumed();
    const next = bound();
    expect(confirmsAssumed(at, next)).toBe(true);
    expect({ ...schedPodFromApi(next) }).toEqual({ ...at.pod, nodeName: 'node1' });
  });
});

describe('SchedulerController cache after bindings come back', () => {
  it('holds for every node the pods bound there, as schedPodFromApi derives them', () => {
    const sim = new Sim({ seed: 3 });
    const store = new ApiStore(sim);
    const ctx = new ControlPlaneContext(sim, store);
    ctx.settling = false;
    for (const n of ['node1', 'node2', 'node3']) {
      store.create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n, labels: { 'kubernetes.io/hostname': n } },
        spec: {},
        status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } },
      });
    }
    for (let i = 0; i < 12; i++) {
      store.create({
        ...pending,
        metadata: { name: `web-${i}`, namespace: 'default', labels: { app: `a${i % 2}` } },
      });
    }
    const sc = new SchedulerController(ctx).start();
    sim.run();
    // One pod relabelled after binding: the cache must follow (the slow path: remove and add).
    const p0 = store.get<Pod>('Pod', 'default', 'web-0');
    store.update({ ...p0, metadata: { ...p0.metadata, labels: { app: 'other' } } });
    sim.run();
    const cache = Reflect.get(sc, 'bound') as BoundPodCache;
    const pods = store.list<Pod>('Pod').items;
    for (const node of ['node1', 'node2', 'node3']) {
      const want = pods.filter((p) => p.spec.nodeName === node).map((p) => schedPodFromApi(p));
      const have = (cache.get(node) ?? []).map((p: SchedPod) => {
        const { defaultSpreadSelector: _, ...rest } = p;
        return rest;
      });
      const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
      expect(have.sort(byName)).toEqual(want.sort(byName));
      expect(cache.infoOf(node).pods).toBe(cache.get(node));
    }
    expect(pods.every((p) => (p.spec.nodeName ?? '') !== '')).toBe(true);
  });
});
