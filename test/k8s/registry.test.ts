/**
 * The Pod registry strategy: pods created from one frozen template spec (a controller's) share one
 * defaulted spec, and that spec is exactly what defaulting the same spec as a fresh object gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { installRegistry } from '../../src/k8s/control-plane/registry.js';
import { ApiStore, frozenCopy, type KubeObject, type ObjectInput } from '../../src/k8s/store/index.js';
import { Sim } from '../../src/sim/index.js';

const podOf = (name: string, spec: unknown): ObjectInput => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec,
});

function storeWithRegistry(): ApiStore {
  const sim = new Sim();
  const store = new ApiStore(sim);
  installRegistry(store, { network: 0x0a600000, prefixLen: 12 }, sim.rng('alloc'), 300);
  return store;
}

const specOf = (o: KubeObject) => (o as unknown as { spec: unknown }).spec;

const spec = fc.record({
  containers: fc.array(
    fc.record({
      name: fc.constantFrom('web', 'db'),
      image: fc.constantFrom('nginx', 'nginx:1.27', 'busybox:latest'),
      ports: fc.array(
        fc.record(
          { containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('TCP', 'UDP') },
          { requiredKeys: ['containerPort'] },
        ),
        { maxLength: 2 },
      ),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  tolerations: fc.array(
    fc.record(
      {
        key: fc.constantFrom('node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'x'),
        operator: fc.constantFrom('Exists', 'Equal'),
        effect: fc.constantFrom('NoExecute', 'NoSchedule', ''),
      },
      { requiredKeys: ['key'] },
    ),
    { maxLength: 2 },
  ),
  terminationGracePeriodSeconds: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
});

describe('Pod defaulting', () => {
  it('the pods of one frozen template share one stored spec', () => {
    const store = storeWithRegistry();
    const template = frozenCopy({ containers: [{ name: 'web', image: 'nginx:1.27' }] });
    const a = store.create(podOf('a', template));
    const b = store.create(podOf('b', template));
    expect(specOf(a)).toBe(specOf(b));
    expect(specOf(a)).toMatchObject({
      containers: [{ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' }],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', tolerationSeconds: 300 },
      ],
    });
    // A bare pod's own spec is defaulted on its own.
    const c = store.create(podOf('c', { containers: [{ name: 'web', image: 'nginx:1.27' }] }));
    expect(specOf(c)).not.toBe(specOf(a));
    expect(specOf(c)).toEqual(specOf(a));
  });

  it('a frozen spec is defaulted to exactly what the same spec as a fresh object gets', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const store = storeWithRegistry();
        const template = frozenCopy(s);
        const shared = store.create(podOf('shared', template));
        const own = store.create(podOf('own', structuredClone(template)));
        expect(JSON.stringify(specOf(shared))).toBe(JSON.stringify(specOf(own)));
        expect(JSON.stringify((shared as unknown as { status: unknown }).status)).toBe(
          JSON.stringify((own as unknown as { status: unknown }).status),
        );
      }),
      { numRuns: 200 },
    );
  });
});
