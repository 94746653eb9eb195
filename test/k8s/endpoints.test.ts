/**
 * The endpoints computation for one Service: addresses in numeric IP order, and the per-pod-version
 * entries reused across syncs give exactly what building them afresh gives, for any Service and pods.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../src/k8s/api/index.js';
import { endpointsSubsets, serviceEndpoints, sliceEndpoints } from '../../src/k8s/control-plane/endpoints.js';
import { frozenCopy } from '../../src/k8s/store/index.js';

const service = (publishNotReady: boolean): Service =>
  frozenCopy({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'svc-uid',
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: 0,
    },
    spec: {
      selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
      ...(publishNotReady ? { publishNotReadyAddresses: true } : {}),
    },
  }) as unknown as Service;

interface PodShape {
  readonly ip: number;
  readonly ready: boolean;
  readonly terminating: boolean;
  readonly hostname: boolean;
}

const pod = (i: number, s: PodShape): Pod =>
  frozenCopy({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i}`,
      namespace: 'default',
      uid: `uid-${i}`,
      labels: { app: 'web' },
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: 0,
      ...(s.terminating ? { deletionTimestamp: 5 } : {}),
    },
    spec: {
      nodeName: 'node1',
      containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 8080 }] }],
      ...(s.hostname ? { hostname: `web-${i}`, subdomain: 'web' } : {}),
    },
    status: {
      phase: 'Running',
      podIP: `10.244.${s.ip >> 8}.${s.ip & 255}`,
      conditions: [{ type: 'Ready', status: s.ready ? 'True' : 'False' }],
    },
  }) as unknown as Pod;

const shape = fc.record({
  ip: fc.integer({ min: 1, max: 700 }),
  ready: fc.boolean(),
  terminating: fc.boolean(),
  hostname: fc.boolean(),
});

describe('Service endpoints', () => {
  it('orders addresses by IP as a number (10.244.0.9 before 10.244.0.10)', () => {
    const pods = [10, 9, 256].map((ip, i) =>
      pod(i, { ip, ready: true, terminating: false, hostname: false }),
    );
    const svc = service(false);
    const subsets = endpointsSubsets(svc, serviceEndpoints(svc, pods));
    expect(subsets[0]?.addresses?.map((a) => a.ip)).toEqual(['10.244.0.9', '10.244.0.10', '10.244.1.0']);
  });

  it('entries reused from an earlier sync equal entries built afresh, for any pods and Service', () => {
    fc.assert(
      fc.property(fc.array(shape, { maxLength: 8 }), (shapes) => {
        const pods = shapes.map((s, i) => pod(i, s));
        // The same pod versions go through both Services twice (later runs reuse earlier entries); the
        // copies are new pod versions with the same content, built afresh.
        const copies = pods.map((p) => frozenCopy(structuredClone(p)));
        const run = (svc: Service, ps: readonly Pod[]) => {
          const eps = serviceEndpoints(svc, ps);
          return JSON.stringify([endpointsSubsets(svc, eps), sliceEndpoints(svc, eps)]);
        };
        const [plain, publishing] = [service(false), service(true)];
        const reused = [run(plain, pods), run(publishing, pods), run(plain, pods), run(publishing, pods)];
        const fresh = [run(plain, copies), run(publishing, frozenCopy(structuredClone(pods)))];
        expect(reused).toEqual([fresh[0], fresh[1], fresh[0], fresh[1]]);
      }),
      { numRuns: 300 },
    );
  });
});
