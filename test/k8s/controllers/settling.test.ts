import { describe, expect, it } from 'vitest';
import type { DaemonSet, Deployment, StatefulSet } from '../../../src/k8s/api/index.js';
import { container, deployment, Harness, ready } from './harness.js';

describe('settling: the file brings the cluster up at t=0', () => {
  it('Deployment (with minReadySeconds), DaemonSet and StatefulSet all converge without the clock moving', () => {
    const h = new Harness({ settling: true });
    h.apply(deployment('web', 4, { minReadySeconds: 10 }));
    h.apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: container() },
      },
    });
    h.apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: container() },
      },
    });
    h.run(0);
    expect(h.sim.now).toBe(0);
    const pods = h.pods();
    expect(pods).toHaveLength(4 + 3 + 3);
    expect(pods.every(ready)).toBe(true);
    expect(h.store.get<Deployment>('Deployment', 'default', 'web').status?.availableReplicas).toBe(4);
    expect(h.store.get<DaemonSet>('DaemonSet', 'default', 'agent').status?.numberReady).toBe(3);
    expect(h.store.get<StatefulSet>('StatefulSet', 'default', 'db').status?.readyReplicas).toBe(3);
  });
});
