/**
 * schedPodFromApi keeps what it derives from a frozen spec and labels object (the pods of one template
 * share both): converting stored pods equals converting fresh unfrozen copies, pod after pod, whatever
 * the specs and labels they share.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/k8s/api/index.js';
import { schedPodFromApi } from '../../src/k8s/scheduler/index.js';
import { frozenCopy } from '../../src/k8s/store/index.js';

const specArb = fc.record(
  {
    containers: fc.array(
      fc.record(
        {
          name: fc.constantFrom('a', 'b'),
          image: fc.constant('nginx'),
          resources: fc.record({
            requests: fc.record(
              { cpu: fc.constantFrom('100m', '1', '250m'), memory: fc.constantFrom('64Mi', '1Gi') },
              { requiredKeys: [] },
            ),
          }),
          ports: fc.array(
            fc.record({
              containerPort: fc.integer({ min: 1, max: 9000 }),
              hostPort: fc.constantFrom(undefined, 8080),
            }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: ['name', 'image'] },
      ),
      { minLength: 1, maxLength: 2 },
    ),
    nodeSelector: fc.dictionary(fc.constantFrom('disk', 'zone'), fc.constantFrom('ssd', 'a')),
    tolerations: fc.array(
      fc.record({
        key: fc.constantFrom('k', 'x'),
        operator: fc.constantFrom('Exists', 'Equal'),
        effect: fc.constantFrom('NoSchedule', 'NoExecute'),
      }),
      { maxLength: 2 },
    ),
    priority: fc.integer({ min: 0, max: 1000 }),
    nodeName: fc.constantFrom('node1', 'node2'),
  },
  { requiredKeys: ['containers'] },
);

describe('schedPodFromApi', () => {
  it('converts stored pods sharing specs and labels as it converts fresh copies', () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'db')), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 12 }),
        (specs, labelSets, picks) => {
          const frozenSpecs = specs.map((s) => frozenCopy(s));
          const frozenLabels = labelSets.map((l) => frozenCopy(l));
          picks.forEach(([s, l, deleting], i) => {
            const pod = frozenCopy({
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: {
                name: `p${i}`,
                namespace: 'default',
                labels: frozenLabels[l % frozenLabels.length],
                ...(deleting ? { deletionTimestamp: 5 } : {}),
              },
              spec: frozenSpecs[s % frozenSpecs.length],
            }) as unknown as Pod;
            expect(schedPodFromApi(pod)).toEqual(schedPodFromApi(structuredClone(pod)));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
