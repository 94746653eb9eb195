/**
 * kube-controller-manager's shared informers: stopping the workload controllers leaves informers
 * given by the caller running for its other controllers; informers they made themselves stop with them.
 */
import { describe, expect, it } from 'vitest';
import { ControlPlaneContext, type Pod } from '../../../src/k8s/api/index.js';
import { SharedInformers, startWorkloadControllers } from '../../../src/k8s/controllers/index.js';
import { ApiStore } from '../../../src/k8s/store/index.js';
import { Sim } from '../../../src/sim/index.js';

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

describe('startWorkloadControllers with shared informers', () => {
  it('stopping them leaves the caller’s informers serving its other controllers', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const ctx = new ControlPlaneContext(sim, store);
    const kcm = new SharedInformers(ctx);
    const seen: string[] = [];
    const pods = kcm.for<Pod>('Pod');
    pods.addHandlers({ onAdd: (p) => seen.push(p.metadata.name) });
    pods.start();
    startWorkloadControllers(ctx, kcm).stop();
    store.create(pod('a'));
    sim.run();
    expect(seen).toEqual(['a']);
    expect(pods.get('default', 'a')?.metadata.name).toBe('a');
  });

  it('informers they made themselves stop with them', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const ctx = new ControlPlaneContext(sim, store);
    const own = startWorkloadControllers(ctx);
    own.stop();
    store.create(pod('a'));
    sim.run();
    expect(own.informers.for<Pod>('Pod').get('default', 'a')).toBeUndefined();
  });
});
