import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbFabricDraw,
  arbPodPair,
  arbPodPing,
  expectedPodTtl,
  type FabricDraw,
  fabricYaml,
  hostNs,
  loadGenerated,
  packetIdentity,
  pingOnce,
  podIp,
  podNames,
  podPath,
  podProbePairs,
  podSpec,
  recordFrames,
  repeatedPassages,
  rxPacketsTotal,
  withBackend,
} from '../../src/testing/index.js';
import { buildCluster, parseIp4 } from '../../src/topology/index.js';
import {
  decrementTtl,
  ethernet,
  IPPROTO_ICMP,
  icmpEcho,
  ip4,
  ipv4,
  udp,
  vxlan,
} from '../../src/wire/index.js';

/** rack1: node1 (pa, pb), node2 (pc); rack2: node3 (pd). */
const TWO_RACKS: FabricDraw = {
  seed: 1,
  segments: [
    { name: 'rack1', cidr: '192.168.56.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
    { name: 'rack2', cidr: '192.168.57.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' },
  ],
  nodes: [
    { name: 'node1', subnet: 'rack1' },
    { name: 'node2', subnet: 'rack1' },
    { name: 'node3', subnet: 'rack2' },
  ],
  backend: 'vxlan',
  pods: [
    { name: 'pa', node: 'node1' },
    { name: 'pb', node: 'node1' },
    { name: 'pc', node: 'node2' },
    { name: 'pd', node: 'node3' },
  ],
};
const t = loadGenerated(fabricYaml(TWO_RACKS));

describe('podPath() and expectedPodTtl()', () => {
  it('bridges on one node; vxlan: the two nodes route, 62; udp: the proxies too, 60', () => {
    expect(podPath(t, 'pa', 'pb')).toEqual({ kind: 'bridge', routingHops: [] });
    expect(expectedPodTtl(t, 'pa', 'pb')).toBe(64);
    expect(podPath(t, 'pa', 'pd')).toEqual({ kind: 'vxlan', routingHops: ['node1', 'node3'] });
    expect(expectedPodTtl(t, 'pd', 'pa')).toBe(62);
    const u = withBackend(t, 'udp');
    expect(podPath(u, 'pa', 'pc')?.routingHops).toEqual([
      'node1',
      'node1/flanneld',
      'node2/flanneld',
      'node2',
    ]);
    expect(expectedPodTtl(u, 'pa', 'pc')).toBe(60);
    expect(expectedPodTtl(u, 'pa', 'pb', 10)).toBe(10);
  });

  it('host-gw and DirectRouting go direct on one rack; across racks host-gw has no path and DirectRouting tunnels', () => {
    const hostGw = withBackend(t, 'host-gw');
    expect(podPath(hostGw, 'pa', 'pc')).toEqual({ kind: 'direct', routingHops: ['node1', 'node2'] });
    expect(podPath(hostGw, 'pa', 'pd')).toBeUndefined();
    expect(expectedPodTtl(hostGw, 'pa', 'pd')).toBeUndefined();
    const dr = withBackend(t, 'vxlan-directrouting');
    expect(podPath(dr, 'pc', 'pa')?.kind).toBe('direct');
    expect(podPath(dr, 'pc', 'pd')?.kind).toBe('vxlan');
    expect(expectedPodTtl(dr, 'pc', 'pd')).toBe(62);
  });

  it('gives no cross-node path without flanneld, and refuses unknown pods', () => {
    const off = { ...t, network: { ...t.network, flanneld: false } };
    expect(podPath(off, 'pa', 'pc')).toBeUndefined();
    expect(podPath(off, 'pa', 'pb')?.kind).toBe('bridge');
    expect(() => podPath(t, 'pa', 'nobody')).toThrow(RangeError);
  });
});

describe('pod lookups', () => {
  const c = buildCluster(t);

  it('podSpec(), podIp() and hostNs() take NAME, NAMESPACE/NAME and pod/… forms', () => {
    expect(podSpec(t, 'pod/default/pd').node).toBe('node3');
    expect(podIp(c, 'pc')).toBe(parseIp4('10.244.1.2'));
    expect(podIp(c, 'pod/pb')).toBe(parseIp4('10.244.0.3'));
    expect(hostNs(c, 'pod/default/pa')).toBe(c.pods.get('default/pa')?.netns);
    expect(hostNs(c, 'node/node2')).toBe(c.nodes.get('node2')?.ns);
    expect(hostNs(c, 'router/router')).toBe(c.routers.get('router')?.ns);
    expect(() => podIp(c, 'pz')).toThrow(RangeError);
    expect(() => hostNs(c, 'router/node1')).toThrow(RangeError);
    expect(podNames(t)).toEqual(['pa', 'pb', 'pc', 'pd']);
  });

  it('pingOnce() runs from a pod, and rxPacketsTotal() counts the pods’ own devices too', () => {
    const r = pingOnce(c, 'pod/pa', podIp(c, 'pd'));
    expect(r.ttls).toEqual([62]);
    pingOnce(c, 'pod/pa', podIp(c, 'pb')); // resolves pb's address: ARP
    const warm = rxPacketsTotal(c);
    pingOnce(c, 'pod/pa', podIp(c, 'pb'));
    // Request and reply each: pb's host veth, then pb's eth0 / pa's host veth, then pa's eth0.
    expect(rxPacketsTotal(c) - warm).toBe(4);
  });
});

describe('arbPodPair(), arbPodPing() and podProbePairs()', () => {
  it('draws two distinct pods and shrinks to the first two', () => {
    fc.assert(
      fc.property(arbPodPair(t), ([a, b]) => {
        expect(a).not.toBe(b);
        expect(podNames(t)).toContain(a);
        expect(podNames(t)).toContain(b);
      }),
    );
    const details = fc.check(fc.property(arbPodPair(t), () => false));
    expect(details.counterexample).toEqual([['pa', 'pb']]);
    expect(() => arbPodPair(loadGenerated(fabricYaml({ ...TWO_RACKS, pods: [] })))).toThrow(RangeError);
  });

  it('draws ping sizes within bounds', () => {
    for (const p of fc.sample(arbPodPing(t, { maxSize: 100 }), { numRuns: 50, seed: 1 }))
      expect(p.size).toBeLessThanOrEqual(100);
    expect(() => arbPodPing(t, { maxSize: 70000 })).toThrow(RangeError);
  });

  it('lists every ordered pair when there are few', () => {
    expect(podProbePairs(t)).toHaveLength(12);
  });

  it('samples big clusters but keeps each pod as sender and receiver, same-node and cross-rack pairs', () => {
    const big = arbFabricDraw({ minNodes: 12, maxNodes: 20, minPods: 30 }).filter(
      (d) => d.backend !== 'host-gw',
    );
    fc.assert(
      fc.property(big, (d) => {
        const bt = loadGenerated(fabricYaml(d));
        const pairs = podProbePairs(bt, { maxPairs: 20 });
        const names = podNames(bt);
        expect(pairs.length).toBeLessThan(names.length * 3);
        expect(new Set(pairs.map(([a]) => a))).toEqual(new Set(names));
        expect(new Set(pairs.map(([, b]) => b))).toEqual(new Set(names));
        const nodeOf = (p: string) => podSpec(bt, p).node;
        const rackOf = (p: string) => bt.nodes.find((n) => n.name === nodeOf(p))?.segment;
        for (const n of bt.nodes)
          if (bt.pods.filter((p) => p.node === n.name).length >= 2)
            expect(pairs.some(([a, b]) => nodeOf(a) === n.name && nodeOf(b) === n.name)).toBe(true);
        const racks = [...new Set(bt.pods.map((p) => rackOf(p.name)))];
        for (const r of racks)
          for (const s of racks)
            if (r !== s) expect(pairs.some(([a, b]) => rackOf(a) === r && rackOf(b) === s)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
});

describe('packetIdentity() and repeatedPassages()', () => {
  const echo = ipv4({
    src: ip4('10.244.0.2'),
    dst: ip4('10.244.2.2'),
    protocol: IPPROTO_ICMP,
    ttl: 63,
    id: 7,
    payload: icmpEcho({ type: 8, id: 1, seq: 1, data: new Uint8Array(8) }),
  });
  const inner = ethernet(0x0a0000000001, 0x0a0000000002, echo);
  const outer = (p: typeof echo) =>
    ethernet(
      0x020000000001,
      0x020000000002,
      ipv4({
        src: ip4('192.168.56.11'),
        dst: ip4('192.168.57.11'),
        protocol: 17,
        id: 99,
        payload: udp({
          src: ip4('192.168.56.11'),
          dst: ip4('192.168.57.11'),
          srcPort: 40000,
          dstPort: 8472,
          payload: vxlan({ vni: 1, inner: ethernet(0x0a0000000001, 0x0a0000000002, p) }),
        }),
      }),
    );

  it('names a packet by its innermost IPv4 packet, whatever its TTL or encapsulation', () => {
    expect(packetIdentity(outer(echo))).toBe(packetIdentity(inner));
    expect(packetIdentity(ethernet(1, 2, decrementTtl(echo)))).toBe(packetIdentity(inner));
    expect(packetIdentity(ethernet(1, 2, { ...echo, id: 8 }))).not.toBe(packetIdentity(inner));
  });

  it('reports a packet seen twice in one direction at one point, and nothing for rx then tx', () => {
    const f = (kind: 'rx' | 'tx', time: number, frame = inner) => ({
      kind,
      time,
      point: 'node1/eth0',
      frame,
    });
    expect(repeatedPassages([f('rx', 1), f('tx', 2)])).toEqual([]);
    const loop = repeatedPassages([f('tx', 1), f('rx', 2), f('tx', 3, outer(decrementTtl(echo)))]);
    expect(loop.map((l) => [l.point, l.kind, l.times])).toEqual([['node1/eth0', 'tx', [1, 3]]]);
  });

  it('finds no repeated passage in a cold cross-rack ping', () => {
    const c = buildCluster(t);
    const log = recordFrames(c);
    pingOnce(c, 'pod/pa', podIp(c, 'pd'));
    log.stop();
    expect(log.frames.length).toBeGreaterThan(40);
    expect(repeatedPassages(log.frames)).toEqual([]);
  });
});
