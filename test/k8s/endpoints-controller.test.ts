/**
 * The endpoints controller's lookups: pods are found through their label pairs (not one bucket per
 * namespace), an empty selector still selects the whole namespace, and a label change moves a pod
 * between Services. Which Services a pod update syncs (GetServicesToUpdateOnPodChange) is seen by
 * deleting a Service's Endpoints by hand: only a sync writes them again.
 */
import { describe, expect, it } from 'vitest';
import { ControlPlaneContext, type Endpoints, type Pod } from '../../src/k8s/api/index.js';
import { EndpointsController } from '../../src/k8s/control-plane/endpoints-controller.js';
import { ApiStore, type ObjectInput } from '../../src/k8s/store/index.js';
import { Sim } from '../../src/sim/index.js';

const readyPod = (name: string, namespace: string, labels: Record<string, string>, ip: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
});

const service = (name: string, namespace: string, selector: Record<string, string>): ObjectInput => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector, ports: [{ port: 80 }] },
});

function cluster() {
  const sim = new Sim();
  const store = new ApiStore(sim);
  new EndpointsController(new ControlPlaneContext(sim, store)).start();
  const ips = (namespace: string, name: string) =>
    (store.tryGet<Endpoints>('Endpoints', namespace, name)?.subsets ?? []).flatMap((s) =>
      (s.addresses ?? []).map((a) => a.ip),
    );
  return { sim, store, ips };
}

describe('EndpointsController', () => {
  it('selects by every pair of the selector, and an empty selector takes the namespace', () => {
    const { sim, store, ips } = cluster();
    store.create(readyPod('a', 'default', { app: 'web', tier: 'front' }, '10.244.1.2'));
    store.create(readyPod('b', 'default', { app: 'web', tier: 'back' }, '10.244.1.3'));
    store.create(readyPod('c', 'default', { app: 'db' }, '10.244.1.4'));
    store.create(readyPod('d', 'other', { app: 'web', tier: 'front' }, '10.244.1.5'));
    store.create(service('front', 'default', { app: 'web', tier: 'front' }));
    store.create(service('web', 'default', { app: 'web' }));
    store.create(service('all', 'default', {}));
    store.create(service('all', 'other', {}));
    sim.run();
    expect(ips('default', 'front')).toEqual(['10.244.1.2']);
    expect(ips('default', 'web')).toEqual(['10.244.1.2', '10.244.1.3']);
    expect(ips('default', 'all')).toEqual(['10.244.1.2', '10.244.1.3', '10.244.1.4']);
    expect(ips('other', 'all')).toEqual(['10.244.1.5']);
  });

  it('a label change moves the pod from one Service to the other', () => {
    const { sim, store, ips } = cluster();
    const a = store.create(readyPod('a', 'default', { app: 'web' }, '10.244.1.2'));
    store.create(service('web', 'default', { app: 'web' }));
    store.create(service('db', 'default', { app: 'db' }));
    sim.run();
    expect([ips('default', 'web'), ips('default', 'db')]).toEqual([['10.244.1.2'], []]);
    store.update({ ...a, metadata: { ...a.metadata, labels: { app: 'db' } } });
    sim.run();
    expect([ips('default', 'web'), ips('default', 'db')]).toEqual([[], ['10.244.1.2']]);
  });

  it('a pod update that changes nothing an endpoint says syncs no Service; a readiness change does', () => {
    const { sim, store } = cluster();
    const a = store.create(readyPod('a', 'default', { app: 'web' }, '10.244.1.2'));
    store.create(service('web', 'default', { app: 'web' }));
    sim.run();
    store.delete('Endpoints', 'default', 'web');
    const annotated = store.update<Pod>({ ...a, metadata: { ...a.metadata, annotations: { note: 'x' } } });
    sim.run();
    expect(store.tryGet('Endpoints', 'default', 'web')).toBeUndefined();
    store.updateStatus({
      ...annotated,
      status: { ...annotated.status, conditions: [{ type: 'Ready', status: 'False' }] },
    });
    sim.run();
    expect(
      store.tryGet<Endpoints>('Endpoints', 'default', 'web')?.subsets?.[0]?.notReadyAddresses?.[0]?.ip,
    ).toBe('10.244.1.2');
  });

  it('a label change alone syncs the Services that select exactly one of the two versions', () => {
    const { sim, store, ips } = cluster();
    const a = store.create(readyPod('a', 'default', { app: 'web', tier: 'a' }, '10.244.1.2'));
    for (const [name, selector] of [
      ['web', { app: 'web' }],
      ['tier-a', { tier: 'a' }],
      ['tier-b', { tier: 'b' }],
    ] as const)
      store.create(service(name, 'default', selector));
    sim.run();
    store.delete('Endpoints', 'default', 'web');
    store.update({ ...a, metadata: { ...a.metadata, labels: { app: 'web', tier: 'b' } } });
    sim.run();
    expect(store.tryGet('Endpoints', 'default', 'web')).toBeUndefined();
    expect([ips('default', 'tier-a'), ips('default', 'tier-b')]).toEqual([[], ['10.244.1.2']]);
  });

  it('a Service made after a pod was looked at still hears of that pod’s later changes', () => {
    const { sim, store } = cluster();
    const a = store.create<Pod>(readyPod('a', 'default', { app: 'web' }, '10.244.1.2'));
    store.create(service('first', 'default', { app: 'web' }));
    sim.run();
    store.create(service('second', 'default', { app: 'web' }));
    sim.run();
    store.updateStatus({ ...a, status: { ...a.status, conditions: [{ type: 'Ready', status: 'False' }] } });
    sim.run();
    const notReady = (name: string) =>
      store
        .tryGet<Endpoints>('Endpoints', 'default', name)
        ?.subsets?.[0]?.notReadyAddresses?.map((x) => x.ip);
    expect([notReady('first'), notReady('second')]).toEqual([['10.244.1.2'], ['10.244.1.2']]);
  });
});
