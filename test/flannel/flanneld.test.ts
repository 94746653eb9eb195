import { describe, expect, it } from 'vitest';
import { bridgeFdbShow, ipAddr, ipNeigh, ipRoute } from '../../src/inspect/index.js';
import { formatIptablesSave } from '../../src/netfilter/index.js';
import { pingOnce } from '../../src/testing/index.js';
import {
  buildCluster,
  type Cluster,
  loadTopologyText,
  renderSubnetEnv,
  runScenario,
  subnetEnv,
} from '../../src/topology/index.js';
import { ip4, udp } from '../../src/wire/index.js';

/** Two racks behind a router: node1, node2 in rack1; node3 in rack2. */
function cluster(backend: string, extra: readonly string[] = []): Cluster {
  const text = [
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'spec:',
    `  network: {backend: ${backend}}`,
    '  underlay:',
    '    - {name: rack1, cidr: 192.168.56.0/24}',
    '    - {name: rack2, cidr: 192.168.57.0/24}',
    '  routers: [{name: router, segments: [rack1, rack2]}]',
    '  nodes:',
    '    - {name: node1, subnet: rack1}',
    '    - {name: node2, subnet: rack1}',
    '    - {name: node3, subnet: rack2}',
    '---',
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: pc}',
    'spec: {nodeName: node3, containers: [{name: c, image: busybox}]}',
    ...extra,
  ].join('\n');
  const r = loadTopologyText(text, 'x.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return buildCluster(r.topology);
}

function node(c: Cluster, name: string) {
  const n = c.nodes.get(name);
  if (n === undefined) throw new Error(name);
  return n.ns;
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

/** `ip neigh show dev flannel.1` (the pings in between add eth0 entries that are not flannel's). */
function flannelNeigh(ns: ReturnType<typeof node>): string {
  return lines(ipNeigh(ns))
    .filter((l) => l.includes(' dev flannel.1 '))
    .join('\n');
}

describe('flanneld, vxlan backend', () => {
  it('programs per peer a permanent neighbour, a self FDB entry and an onlink route', () => {
    const c = cluster('vxlan');
    const ns = node(c, 'node1');
    expect(lines(ipRoute(ns))).toEqual([
      'default via 192.168.56.1 dev eth0 ',
      '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink ',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
    ]);
    const vtep2 = c.flannel.member('node2')?.lease?.vtepMac;
    const vtep3 = c.flannel.member('node3')?.lease?.vtepMac;
    const mac = (m: number | undefined) =>
      (m ?? 0)
        .toString(16)
        .padStart(12, '0')
        .replace(/(..)(?!$)/g, '$1:');
    expect(lines(ipNeigh(ns))).toEqual([
      `10.244.1.0 dev flannel.1 lladdr ${mac(vtep2)} PERMANENT `,
      `10.244.2.0 dev flannel.1 lladdr ${mac(vtep3)} PERMANENT `,
    ]);
    expect(lines(bridgeFdbShow(ns, { dev: 'flannel.1' }))).toEqual([
      `${mac(vtep2)} dst 192.168.56.12 self permanent`,
      `${mac(vtep3)} dst 192.168.57.11 self permanent`,
    ]);
    expect(ipAddr(ns, { dev: 'flannel.1' })).toContain('    inet 10.244.0.0/32 scope global flannel.1\n');
  });

  it('crosses the router inside VXLAN: the pod gets TTL 63 from a node, the router never touches it', () => {
    const c = cluster('vxlan');
    const r = pingOnce(c, 'node1', ip4('10.244.2.2'));
    expect(r.ttls).toEqual([63]);
  });

  it('writes subnet.env with the vxlan MTU, and host-gw and udp with theirs', () => {
    for (const [backend, mtu] of [
      ['vxlan', 1450],
      ['host-gw', 1500],
      ['vxlan-directrouting', 1450],
      ['udp', 1472],
    ] as const) {
      const c = cluster(backend);
      const n = c.topology.nodes[0];
      if (n === undefined) throw new Error('no node');
      expect(renderSubnetEnv(subnetEnv(c.topology, n))).toBe(
        `FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.0.1/24\nFLANNEL_MTU=${mtu}\nFLANNEL_IPMASQ=true\n`,
      );
    }
  });
});

describe('flanneld, host-gw backend', () => {
  it('routes on-link peers via their node IP and logs the kernel refusing the others', () => {
    const c = cluster('host-gw');
    expect(lines(ipRoute(node(c, 'node1')))).toEqual([
      'default via 192.168.56.1 dev eth0 ',
      '10.244.1.0/24 via 192.168.56.12 dev eth0 ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
    ]);
    const errors = c.flannelLog.problems().map((l) => `${l.node} ${l.severity} ${l.text}`);
    expect(errors).toContain(
      'node1 E Error adding route to {Ifindex: 2 Dst: 10.244.2.0/24 Src: <nil> Gw: 192.168.57.11 Flags: [] Table: 0 Realm: 0}: network is unreachable',
    );
    expect(node(c, 'node1').deviceByName('flannel.1')).toBeUndefined();
    expect(pingOnce(c, 'node1', ip4('10.244.2.2')).received).toBe(0);
  });
});

describe('flanneld, DirectRouting', () => {
  it('uses host-gw routes for peers on the same subnet and vxlan for the others', () => {
    const c = cluster('vxlan-directrouting');
    const ns = node(c, 'node1');
    expect(lines(ipRoute(ns))).toEqual([
      'default via 192.168.56.1 dev eth0 ',
      '10.244.1.0/24 via 192.168.56.12 dev eth0 ',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ',
      '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.11 ',
    ]);
    expect(lines(bridgeFdbShow(ns, { dev: 'flannel.1' }))).toHaveLength(1);
    expect(lines(ipNeigh(ns))).toHaveLength(1);
  });
});

describe('flanneld, udp backend', () => {
  it('routes the whole network into the flannel0 TUN, and the proxy costs two more TTL', () => {
    const c = cluster('udp');
    const ns = node(c, 'node1');
    expect(lines(ipRoute(ns))).toContain('10.244.0.0/16 dev flannel0 ');
    expect(ipAddr(ns, { dev: 'flannel0' })).toMatch(
      /^\d+: flannel0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1472 qdisc fq_codel state UNKNOWN group default qlen 500\n {4}link\/none \n {4}inet 10\.244\.0\.0\/32 scope global flannel0\n/,
    );
    expect(pingOnce(c, 'node1', ip4('10.244.2.2')).ttls).toEqual([61]);
  });
});

describe('nodes leaving and joining', () => {
  it('delete node removes exactly its entries everywhere; join puts the same ones back', () => {
    const c = cluster('vxlan');
    const ns = node(c, 'node1');
    const state = () => [ipRoute(ns), flannelNeigh(ns), bridgeFdbShow(ns, { dev: 'flannel.1' })];
    const before = state();
    expect(c.flannel.leave('node3')).toBe(true);
    const during = state();
    for (const [i, text] of during.entries()) {
      const gone = lines(before[i] ?? '').filter((l) => !lines(text).includes(l));
      expect(gone).toHaveLength(1);
      expect(gone[0]).toMatch(/10\.244\.2\.0|192\.168\.57\.11/);
    }
    expect(pingOnce(c, 'node1', ip4('10.244.2.2')).received).toBe(0);
    const host = c.nodes.get('node3')?.flanneld;
    if (host === undefined) throw new Error('node3 has no flanneld');
    c.flannel.join(host);
    expect(state()).toEqual(before);
    expect(pingOnce(c, 'node1', ip4('10.244.2.2')).ttls).toEqual([63]);
  });

  it('runs as scenario steps with kubectl and kubeadm output', () => {
    const c = cluster('vxlan', [
      '---',
      'apiVersion: podwire/v1',
      'kind: Scenario',
      'spec:',
      '  steps:',
      '    - {at: 1s, delete: {node: node3}}',
      '    - {at: 2s, delete: {node: node3}}',
      '    - {at: 3s, join: {node: node3}}',
      '    - {at: 4s, join: {node: node3}}',
    ]);
    const r = runScenario(c, { expectations: false });
    expect(r.steps.map((s) => `${s.host ?? ''}$ ${s.command}: ${s.lines[0]?.text}`)).toEqual([
      '$ kubectl delete node node3: node "node3" deleted',
      '$ kubectl delete node node3: Error from server (NotFound): nodes "node3" not found',
      'node3$ kubeadm join: This node has joined the cluster:',
      'node3$ kubeadm join: error execution phase kubelet-start: a Node with name "node3" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node',
    ]);
  });

  it('reports a node step naming an unknown node as bad input', () => {
    const text = [
      'apiVersion: podwire/v1',
      'kind: Cluster',
      'spec:',
      '  underlay: [{name: rack1, cidr: 192.168.56.0/24}]',
      '  nodes: [{name: node1, subnet: rack1}]',
      '---',
      'apiVersion: podwire/v1',
      'kind: Scenario',
      'spec:',
      '  steps:',
      '    - {at: 1s, join: {node: node9}}',
    ].join('\n');
    const r = loadTopologyText(text, 'x.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(JSON.stringify(r.issues)).toContain('node9');
  });
});

describe('--ip-masq: FLANNEL-POSTRTG and FLANNEL-FWD', () => {
  it('prints as the reference node shows them (flannel.md §6, lease 10.244.2.0/24)', () => {
    const c = cluster('vxlan');
    const nf = c.nodes.get('node3')?.netfilter;
    if (nf === undefined) throw new Error('no netfilter');
    const text = formatIptablesSave(nf.tables());
    const flannelLines = text.split('\n').filter((l) => l.includes('FLANNEL'));
    expect(flannelLines).toEqual([
      ':FLANNEL-FWD - [0:0]',
      '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
      '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
      '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
      ':FLANNEL-POSTRTG - [0:0]',
      '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
      '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.2.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
      '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    ]);
  });

  it('masquerades a pod leaving for a node address only when ip-masq is on', () => {
    for (const ipMasq of [true, false]) {
      const c = cluster(`vxlan, ipMasq: ${ipMasq}`);
      const pod = c.pods.get('default/pc');
      const node1 = c.nodes.get('node1');
      if (pod === undefined || node1 === undefined) throw new Error('no pod');
      const seen: number[] = [];
      node1.ns.sockets.openRaw(17, (p) => seen.push(p.src));
      // pc on node3 → node1's address: leaves node3's eth0; Linux masquerades it to 192.168.57.11.
      pod.netns.send({
        src: ip4('10.244.2.2'),
        dst: ip4('192.168.56.11'),
        protocol: 17,
        payload: udp({
          src: ip4('10.244.2.2'),
          dst: ip4('192.168.56.11'),
          srcPort: 40000,
          dstPort: 9,
          payload: new Uint8Array(8),
        }),
      });
      c.sim.run();
      expect(seen).toEqual([ipMasq ? ip4('192.168.57.11') : ip4('10.244.2.2')]);
    }
  });
});
