/**
 * flannel's backends on one two-rack layout, checked against reference/flannel.md: the routes each
 * backend programs (§3.2, §3.4, §4, §5), host-gw refusing an off-link peer with flanneld's own error,
 * the TTLs pods see, and what traceroute shows on the way.
 *
 *   rack1 192.168.56.0/24: node1 .11 (10.244.0.0/24, pods pa pb), node2 .12 (10.244.1.0/24, pod pc)
 *   rack2 192.168.57.0/24: node3 .11 (10.244.2.0/24, pod pd)          router .1 on both racks
 */
import { describe, expect, it } from 'vitest';
import { bridgeFdbShow, ipNeigh, ipRoute, ipRouteGet } from '../../src/inspect/index.js';
import {
  hostNs,
  loadGenerated,
  pingOnce,
  podIp,
  tracerouteHops,
  tracerouteOnce,
} from '../../src/testing/index.js';
import { buildCluster, type Cluster, type FlannelBackend } from '../../src/topology/index.js';
import { formatIp4, formatMac, ip4 } from '../../src/wire/index.js';

function twoRacks(backend: FlannelBackend): Cluster {
  const pod = (name: string, node: string) =>
    `---\n{apiVersion: v1, kind: Pod, metadata: {name: ${name}}, spec: {nodeName: ${node}, containers: [{name: app, image: busybox}]}}\n`;
  return buildCluster(
    loadGenerated(
      [
        'apiVersion: podwire/v1',
        'kind: Cluster',
        'spec:',
        `  network: {backend: ${backend}}`,
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '    - {name: rack2, cidr: 192.168.57.0/24}',
        '  nodes:',
        '    - {name: node1, subnet: rack1}',
        '    - {name: node2, subnet: rack1}',
        '    - {name: node3, subnet: rack2}',
        '',
      ].join('\n') +
        pod('pa', 'node1') +
        pod('pb', 'node1') +
        pod('pc', 'node2') +
        pod('pd', 'node3'),
    ),
  );
}

const route = (c: Cluster, node: string): string[] => ipRoute(hostNs(c, node)).split('\n').slice(0, -1);
const vtepMac = (c: Cluster, node: string): string =>
  formatMac(c.flannel.member(node)?.lease?.vtepMac ?? Number.NaN);

describe('ip route on node1 of a two-rack layout, per backend', () => {
  it('vxlan: one onlink route per peer through flannel.1, via the peer’s 10.244.N.0', () => {
    expect(route(twoRacks('vxlan'), 'node1')).toEqual([
      'default via 192.168.56.1 dev eth0 ',
      '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 ',
      '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink ',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
    ]);
  });

  it('host-gw: a route via the peer’s node address for the on-link peer, none for the peer in rack2', () => {
    expect(route(twoRacks('host-gw'), 'node1')).toEqual([
      'default via 192.168.56.1 dev eth0 ',
      '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 ',
      '10.244.1.0/24 via 192.168.56.12 dev eth0 ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
    ]);
  });

  it('vxlan-directrouting: host-gw’s route to the on-link peer, vxlan’s to the peer behind the router', () => {
    expect(route(twoRacks('vxlan-directrouting'), 'node1')).toEqual([
      'default via 192.168.56.1 dev eth0 ',
      '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 ',
      '10.244.1.0/24 via 192.168.56.12 dev eth0 ',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
    ]);
  });

  it('udp: one route for the whole network into flannel0 (the /24 of cni0 sorts first in the trie)', () => {
    expect(route(twoRacks('udp'), 'node1')).toEqual([
      'default via 192.168.56.1 dev eth0 ',
      '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 ',
      '10.244.0.0/16 dev flannel0 ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
    ]);
  });
});

describe('vxlan: neighbours, FDB and the path', () => {
  const c = twoRacks('vxlan');

  it('holds a permanent neighbour and an FDB entry per peer, with the peer’s VTEP MAC', () => {
    const node1 = hostNs(c, 'node1');
    expect(ipNeigh(node1)).toBe(
      `10.244.1.0 dev flannel.1 lladdr ${vtepMac(c, 'node2')} PERMANENT \n` +
        `10.244.2.0 dev flannel.1 lladdr ${vtepMac(c, 'node3')} PERMANENT \n`,
    );
    expect(bridgeFdbShow(node1, { dev: 'flannel.1' })).toBe(
      `${vtepMac(c, 'node2')} dst 192.168.56.12 self permanent\n` +
        `${vtepMac(c, 'node3')} dst 192.168.57.11 self permanent\n`,
    );
  });

  it('sends node traffic to a remote pod from flannel.1’s 10.244.0.0', () => {
    expect(ipRouteGet(hostNs(c, 'node1'), ip4('10.244.2.2'))).toBe(
      '10.244.2.2 via 10.244.2.0 dev flannel.1 src 10.244.0.0 uid 0 \n    cache \n',
    );
    expect(pingOnce(c, 'node1', podIp(c, 'pd')).ttls).toEqual([63]);
  });

  it('traceroute from a pod to a pod in the other rack: cni0, the remote flannel.1, the pod', () => {
    const r = tracerouteOnce(c, 'pod/pa', podIp(c, 'pd'), { queries: 1 });
    expect(tracerouteHops(r).map((a) => (a === undefined ? '*' : formatIp4(a)))).toEqual([
      '10.244.0.1',
      '10.244.2.0',
      '10.244.2.2',
    ]);
  });
});

describe('pod-to-pod TTLs per backend', () => {
  const cases: ReadonlyArray<[FlannelBackend, number, number, number | undefined]> = [
    // backend, pa->pb (same node), pa->pc (same rack), pa->pd (other rack)
    ['vxlan', 64, 62, 62],
    ['host-gw', 64, 62, undefined],
    ['vxlan-directrouting', 64, 62, 62],
    ['udp', 64, 60, 60],
  ];
  for (const [backend, sameNode, sameRack, otherRack] of cases) {
    it(`${backend}: ${sameNode} on one node, ${sameRack} within a rack, ${otherRack ?? 'unreachable'} across racks`, () => {
      const c = twoRacks(backend);
      const ttl = (to: string) => pingOnce(c, 'pod/pa', podIp(c, to)).ttls[0];
      expect([ttl('pb'), ttl('pc'), ttl('pd')]).toEqual([sameNode, sameRack, otherRack]);
    });
  }
});

describe('host-gw across racks', () => {
  it('logs flanneld’s error for every off-link peer and programs no route for it', () => {
    const c = twoRacks('host-gw');
    const errors = c.flannelLog.lines.filter((l) => l.severity === 'E').map((l) => `${l.node}: ${l.text}`);
    const refused = (node: string, dst: string, gw: string) =>
      `${node}: Error adding route to {Ifindex: 2 Dst: ${dst} Src: <nil> Gw: ${gw} Flags: [] Table: 0 Realm: 0}: network is unreachable`;
    expect([...errors].sort()).toEqual(
      [
        refused('node1', '10.244.2.0/24', '192.168.57.11'),
        refused('node2', '10.244.2.0/24', '192.168.57.11'),
        refused('node3', '10.244.0.0/24', '192.168.56.11'),
        refused('node3', '10.244.1.0/24', '192.168.56.12'),
      ].sort(),
    );
    expect(route(c, 'node3')).toEqual([
      'default via 192.168.57.1 dev eth0 ',
      '10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1 ',
      '192.168.57.0/24 dev eth0 proto kernel scope link src 192.168.57.11 ',
    ]);
  });
});

describe('udp: the proxy is a router that sends no time exceeded', () => {
  it('traceroute shows * for the two proxy hops, then the remote flannel0 address and the pod', () => {
    const c = twoRacks('udp');
    const r = tracerouteOnce(c, 'pod/pa', podIp(c, 'pc'), { queries: 1 });
    expect(tracerouteHops(r).map((a) => (a === undefined ? '*' : formatIp4(a)))).toEqual([
      '10.244.0.1',
      '*',
      '*',
      '10.244.1.0',
      '10.244.1.2',
    ]);
    expect(c.flannelLog.problems().map((l) => `${l.node}: ${l.text}`)).toContain(
      'node1: Discarding IP fragment 10.244.0.2 -> 10.244.1.2 due to zero TTL',
    );
  });
});
