import { describe, expect, it } from 'vitest';
import * as podwire from '../../src/index.js';
import * as testing from '../../src/testing/index.js';

describe('the library entries', () => {
  it('src/index.ts exports every layer’s public API', () => {
    for (const name of [
      'Sim',
      'Timer',
      'TraceBus',
      'parseDuration',
      'emitEthernet',
      'parseEthernet',
      'icmpEcho',
      'NetNs',
      'Nic',
      'Segment',
      'vethPair',
      'Ping',
      'Traceroute',
      'loadTopologyFile',
      'loadTopologyText',
      'buildCluster',
      'runScenario',
      'ipRoute',
      'ipNeigh',
      'ipLink',
      'attachCaptures',
      'PcapngWriter',
    ]) {
      expect(typeof Reflect.get(podwire, name), name).toBe('function');
    }
  });

  it('formatCidr() is wire’s (ip, prefixLen) form', () => {
    expect(podwire.formatCidr(podwire.ip4('10.244.0.0'), 16)).toBe('10.244.0.0/16');
  });

  it('src/testing/index.ts exports the cluster arbitraries and probes next to the packet ones', () => {
    for (const name of [
      'arbCluster',
      'arbUnderlay',
      'arbHostPair',
      'arbFabric',
      'arbFabricDraw',
      'arbFabricText',
      'fabricYaml',
      'validBackends',
      'arbPodPair',
      'arbPodPing',
      'podProbePairs',
      'podPath',
      'expectedPodTtl',
      'podIp',
      'pingOnce',
      'tracerouteOnce',
      'repeatedPassages',
      'arbIpv4Packet',
    ])
      expect(typeof Reflect.get(testing, name), name).toBe('function');
  });
});
