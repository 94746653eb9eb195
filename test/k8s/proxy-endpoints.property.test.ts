/**
 * kube-proxy's merge of a Service's EndpointSlices (proxyEndpointsOf) keeps what it made of each frozen
 * endpoint entry and ports list: the answer for stored slices, whose versions share unchanged entries,
 * equals the answer for fresh unfrozen copies, also when a later version changes only the ports.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '../../src/k8s/api/index.js';
import { proxyEndpointsOf } from '../../src/k8s/control-plane/kube-proxy-agent.js';
import { frozenCopy } from '../../src/k8s/store/index.js';

const endpointArb = fc.record({
  addresses: fc.constantFrom(['10.244.1.2'], ['10.244.1.3'], ['10.244.2.9'], ['not-an-ip'], []),
  conditions: fc.record(
    { ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() },
    { requiredKeys: [] },
  ),
  nodeName: fc.option(fc.constantFrom('node1', 'node2'), { nil: undefined }),
});
const portsArb = fc.array(
  fc.record({
    name: fc.constantFrom('', 'http', 'dns'),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
  }),
  { maxLength: 3 },
);

const slice = (name: string, endpoints: unknown[], ports: unknown[]): EndpointSlice =>
  ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default' },
    addressType: 'IPv4',
    endpoints,
    ports,
  }) as unknown as EndpointSlice;

describe('proxyEndpointsOf', () => {
  it('equals a fresh computation for stored slices sharing entries across versions', () => {
    fc.assert(
      fc.property(
        fc.array(endpointArb, { maxLength: 6 }),
        portsArb,
        portsArb,
        fc.array(endpointArb, { maxLength: 3 }),
        (endpoints, ports, ports2, more) => {
          const v1 = frozenCopy(slice('s', endpoints, ports));
          // A later version: same frozen entries, new ports, a few endpoints added.
          const v2 = frozenCopy(slice('s', [...v1.endpoints, ...more], ports2));
          const other = frozenCopy(slice('t', [...more].reverse(), ports));
          const fresh = (s: EndpointSlice[]) => proxyEndpointsOf(structuredClone(s));
          for (const set of [[v1], [v1], [v2], [v2, other], [v1, other]]) {
            expect(proxyEndpointsOf(set)).toEqual(fresh(set));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
