import { describe, expect, it } from 'vitest';
import type { EncapStep, TraceReport } from '../../src/inspect/index.js';
import type { Cluster } from '../../src/topology/index.js';
import { formatMac } from '../../src/wire/index.js';
import {
  hookRuns,
  hosts,
  lines,
  pathLines,
  podVeth,
  rulesOn,
  steps,
  TRACE_HOST_GW,
  TRACE_VXLAN,
  traceIn,
} from './trace-helpers.js';

// What Linux does with these packets, step by step (reference/linux-datapath.md, flannel.md): the
// expectations are written from the fabric the fixtures describe — routes flannel programs, the MACs the
// cluster drew — not copied from podwire's own output.

/** The MAC of a device of a node or a pod (`node1`, `node1/pa`) as ip link prints it. */
function mac(cluster: Cluster, host: string, dev: string): string {
  const [node, pod] = host.split('/');
  const ns =
    pod === undefined ? cluster.nodes.get(node ?? '')?.ns : cluster.pods.get(`default/${pod}`)?.netns;
  const d = ns?.deviceByName(dev) ?? cluster.routers.get(host)?.ns.deviceByName(dev);
  if (d === undefined) throw new Error(`no ${host} ${dev}`);
  return formatMac(d.mac);
}

// Every node carries kube-proxy's and flanneld's rules. A connection's first packet from one pod to
// another walks nat PREROUTING into KUBE-SERVICES (no Service address, not a local address for
// KUBE-NODEPORTS: back out, policy ACCEPT), filter FORWARD through kube-proxy's chains (nothing for it)
// to flanneld's FLANNEL-FWD, which accepts the pod network, and nat POSTROUTING through KUBE-POSTROUTING
// (no masquerade mark: RETURN) to FLANNEL-POSTRTG, which RETURNs pod-to-pod traffic unmasqueraded. Later
// packets and replies skip the nat table (conntrack has their binding) and KUBE-FORWARD accepts them as
// ESTABLISHED.

/** filter FORWARD for a NEW connection between pods. */
const FORWARD_NEW = [
  'nf-rule filter FORWARD #1 -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  'nf-rule filter FORWARD #2 -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
  'nf-rule filter FORWARD #3 -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  'nf-rule filter FORWARD #4 -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  'nf-rule filter FORWARD #5 -A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
  'nf-rule filter FLANNEL-FWD #1 -A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
];

/** filter FORWARD for a packet of a connection that saw its reply. */
const FORWARD_ESTABLISHED = [
  'nf-rule filter FORWARD #2 -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
  'nf-rule filter KUBE-FORWARD #3 -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
];

/** nat PREROUTING for a NEW connection to a pod. */
const PREROUTING_NEW = [
  'conntrack PREROUTING new',
  'nf-policy mangle PREROUTING ACCEPT',
  'nf-rule nat PREROUTING #1 -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  'nf-policy nat PREROUTING ACCEPT',
];

/** nat POSTROUTING for a NEW connection from a pod of `podCidr` to the pod network `toCidr`. */
function postroutingNew(rule: string): string[] {
  return [
    'nf-policy mangle POSTROUTING ACCEPT',
    'nf-rule nat POSTROUTING #1 -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    'nf-rule nat KUBE-POSTROUTING #1 -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    'nf-rule nat POSTROUTING #2 -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
    `nf-rule nat ${rule}`,
    'nf-policy nat POSTROUTING ACCEPT',
  ];
}

const on = (host: string, list: readonly string[]): string[] => list.map((l) => `${host} ${l}`);

function encapOf(report: TraceReport, packet: 0 | 1): EncapStep {
  const step = report.packets[packet]?.hops.flatMap((h) => h.steps).find((s) => s.kind === 'encap');
  if (step?.kind !== 'encap') throw new Error('no encapsulation step');
  return step;
}

describe('traceFlow() pod to pod on one node (vxlan fixture, at 2s)', () => {
  const { cluster, report } = traceIn(TRACE_VXLAN, 'pod/pa', 'pod/pb', { at: '2s' });
  const vethA = podVeth(cluster, 'pa');
  const vethB = podVeth(cluster, 'pb');
  const pbMac = mac(cluster, 'node1/pb', 'eth0');
  const paMac = mac(cluster, 'node1/pa', 'eth0');

  it("is bridged by cni0 (ARP for pb, FDB to pb's port), passing iptables as br_netfilter makes it", () => {
    expect(lines(report, 0)).toEqual([
      'node1/pa route main 10.244.0.0/24 dev eth0 proto kernel scope link src 10.244.0.2',
      'node1/pa neigh 10.244.0.3 NONE queue',
      `node1/pa neigh-resolved 10.244.0.3 ${pbMac}`,
      'node1/pa send eth0',
      `node1 receive ${vethA} @cni0`,
      'node1 receive cni0',
      // br_nf_pre_routing before the FDB lookup; br_nf_forward_ip and br_nf_post_routing after it.
      'node1 nf-hook PREROUTING accept',
      ...on('node1', PREROUTING_NEW),
      `node1 bridge-fdb ${pbMac} port ${vethB}`,
      'node1 nf-hook FORWARD accept',
      'node1 nf-policy mangle FORWARD ACCEPT',
      ...on('node1', FORWARD_NEW),
      'node1 nf-hook POSTROUTING accept',
      ...on(
        'node1',
        postroutingNew(
          'FLANNEL-POSTRTG #2 -A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
        ),
      ),
      `node1 send ${vethB}`,
      'node1/pb receive eth0',
      'node1/pb route local local 10.244.0.3 dev eth0 proto kernel scope host src 10.244.0.3',
      'node1/pb deliver icmp-echo ttl 64',
    ]);
  });

  it("comes back the same way, using the STALE entry pb learned from pa's ARP request", () => {
    expect(lines(report, 1)).toEqual([
      'node1/pb route main 10.244.0.0/24 dev eth0 proto kernel scope link src 10.244.0.3',
      `node1/pb neigh 10.244.0.2 STALE ${paMac} send`,
      'node1/pb send eth0',
      `node1 receive ${vethB} @cni0`,
      'node1 receive cni0',
      // The reply direction of pa's entry: no nat table, KUBE-FORWARD accepts it as ESTABLISHED.
      'node1 nf-hook PREROUTING accept',
      'node1 conntrack PREROUTING established reply',
      'node1 nf-policy mangle PREROUTING ACCEPT',
      `node1 bridge-fdb ${paMac} port ${vethA}`,
      'node1 nf-hook FORWARD accept',
      'node1 nf-policy mangle FORWARD ACCEPT',
      ...on('node1', FORWARD_ESTABLISHED),
      'node1 nf-hook POSTROUTING accept',
      'node1 nf-policy mangle POSTROUTING ACCEPT',
      `node1 send ${vethA}`,
      'node1/pa receive eth0',
      'node1/pa route local local 10.244.0.2 dev eth0 proto kernel scope host src 10.244.0.2',
      'node1/pa deliver raw-socket ttl 64',
    ]);
    expect(report.packets[1]?.fate).toEqual({
      kind: 'delivered',
      host: 'node1/pa',
      dev: 'eth0',
      to: 'raw-socket',
      port: null,
      owner: 'ping',
      ttl: 64,
    });
  });
});

describe('traceFlow() pod to pod across racks (vxlan fixture, at 2s)', () => {
  const { cluster, report } = traceIn(TRACE_VXLAN, 'pod/pa', 'pod/pd', { at: '2s' });
  const cni0 = mac(cluster, 'node1', 'cni0');
  const vtep3 = mac(cluster, 'node3', 'flannel.1');
  const pdMac = mac(cluster, 'node3/pd', 'eth0');
  const routerEth0 = mac(cluster, 'router', 'eth0');
  const node3Eth0 = mac(cluster, 'node3', 'eth0');
  const encap = encapOf(report, 0);

  it('goes cni0 → flannel.1 (onlink route, PERMANENT neighbour, FDB) → VXLAN over the router → cni0 → pd', () => {
    expect(hosts(report, 0)).toEqual(['node1/pa', 'node1', 'rack1', 'router', 'rack2', 'node3', 'node3/pd']);
    expect(pathLines(report, 0)).toEqual([
      'node1/pa route main 10.244.0.0/16 via 10.244.0.1 dev eth0',
      `node1/pa neigh 10.244.0.1 REACHABLE ${cni0} send`,
      'node1/pa send eth0',
      `node1 receive ${podVeth(cluster, 'pa')} @cni0`,
      'node1 receive cni0',
      `node1 bridge-fdb ${cni0} local`,
      'node1 route main 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
      'node1 forward flannel.1 ttl 64>63',
      `node1 neigh 10.244.2.0 PERMANENT ${vtep3} send`,
      'node1 send flannel.1',
      `node1 vxlan-fdb ${vtep3} 192.168.57.11`,
      `node1 encap vni 1 192.168.56.11:${encap.srcPort} > 192.168.57.11:8472 udp 114 ip 134 ttl 64 df false`,
      'node1 route main default via 192.168.56.1 dev eth0 (outer)',
      `node1 neigh 192.168.56.1 REACHABLE ${routerEth0} send (outer)`,
      'node1 send eth0 (outer)',
      'rack1 switch in node1 (outer)',
      'rack1 switch out router (outer)',
      'router receive eth0 (outer)',
      'router route main 192.168.57.0/24 dev eth1 proto kernel scope link src 192.168.57.1 (outer)',
      'router forward eth1 ttl 64>63 (outer)',
      `router neigh 192.168.57.11 REACHABLE ${node3Eth0} send (outer)`,
      'router send eth1 (outer)',
      'rack2 switch in router (outer)',
      'rack2 switch out node3 (outer)',
      'node3 receive eth0 (outer)',
      'node3 route local local 192.168.57.11 dev eth0 proto kernel scope host src 192.168.57.11 (outer)',
      'node3 deliver udp-socket 8472 ttl 63 (outer)',
      'node3 decap vni 1 from 192.168.56.11',
      'node3 receive flannel.1',
      'node3 route main 10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1',
      'node3 forward cni0 ttl 63>62',
      `node3 neigh 10.244.2.2 REACHABLE ${pdMac} send`,
      'node3 send cni0',
      `node3 bridge-fdb ${pdMac} port ${podVeth(cluster, 'pd')}`,
      `node3 send ${podVeth(cluster, 'pd')}`,
      'node3/pd receive eth0',
      'node3/pd route local local 10.244.2.2 dev eth0 proto kernel scope host src 10.244.2.2',
      'node3/pd deliver icmp-echo ttl 62',
    ]);
  });

  it('passes netfilter at each hook of each node, the VXLAN datagram too; the router has no iptables', () => {
    expect(hookRuns(report, 0)).toEqual([
      // The pod's frame to cni0's MAC: br_netfilter runs PREROUTING, ip_sabotage_in keeps it from running twice.
      'node1 PREROUTING accept',
      'node1 FORWARD accept',
      'node1 POSTROUTING accept',
      // The kernel's VXLAN socket sends the outer datagram: OUTPUT and POSTROUTING.
      'node1 OUTPUT accept (outer)',
      'node1 POSTROUTING accept (outer)',
      'node3 PREROUTING accept (outer)',
      'node3 INPUT accept (outer)',
      'node3 PREROUTING accept',
      'node3 FORWARD accept',
      'node3 POSTROUTING accept',
    ]);
    expect(rulesOn(report, 0, 'node3').slice(-2)).toEqual([
      'nat POSTROUTING #2 -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
      'nat FLANNEL-POSTRTG #3 -A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN',
    ]);
    expect(lines(report, 0).filter((l) => l.startsWith('node3 ') && !l.includes('(outer)'))).toEqual([
      'node3 decap vni 1 from 192.168.56.11',
      'node3 receive flannel.1',
      'node3 nf-hook PREROUTING accept',
      ...on('node3', PREROUTING_NEW),
      'node3 route main 10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1',
      'node3 forward cni0 ttl 63>62',
      'node3 nf-hook FORWARD accept',
      'node3 nf-policy mangle FORWARD ACCEPT',
      ...on('node3', FORWARD_NEW),
      'node3 nf-hook POSTROUTING accept',
      ...on(
        'node3',
        postroutingNew(
          'FLANNEL-POSTRTG #3 -A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN',
        ),
      ),
      `node3 neigh 10.244.2.2 REACHABLE ${pdMac} send`,
      'node3 send cni0',
      `node3 bridge-fdb ${pdMac} port ${podVeth(cluster, 'pd')}`,
      `node3 send ${podVeth(cluster, 'pd')}`,
    ]);
    // Pod to pod is never NATed.
    expect(steps(report, 0).some((s) => s.kind === 'nat')).toBe(false);
    expect(steps(report, 1).some((s) => s.kind === 'nat')).toBe(false);
  });

  it('encapsulates as the kernel does: UDP 8472 from the flow-hash port range, TTL 64, DF clear', () => {
    expect(encap.srcPort).toBeGreaterThanOrEqual(32768);
    expect(encap.srcPort).toBeLessThanOrEqual(60998);
    // Inner frame 14 + 84, VXLAN 8, UDP 8; the outer IP header adds 20.
    expect([encap.udpLength, encap.ipLength, encap.ttl, encap.df]).toEqual([114, 134, 64, false]);
  });

  it('sends the echo reply back the mirror way: node3 encapsulates towards node1, the router forwards', () => {
    expect(hosts(report, 1)).toEqual(['node3/pd', 'node3', 'rack2', 'router', 'rack1', 'node1', 'node1/pa']);
    expect(encapOf(report, 1)).toMatchObject({
      outerSrc: '192.168.57.11',
      outerDst: '192.168.56.11',
      vni: 1,
    });
    expect(report.packets[1]?.summary).toMatch(
      /^ICMP echo reply 10\.244\.2\.2 > 10\.244\.0\.2, id \d+ seq 1, ttl 64, length 84$/,
    );
    expect(report.packets[1]?.fate).toMatchObject({ kind: 'delivered', host: 'node1/pa', ttl: 62 });
  });
});

describe('traceFlow() pod to pod with host-gw', () => {
  const { cluster, report } = traceIn(TRACE_HOST_GW, 'pod/pa', 'pod/pb');

  it("routes the pod's own packet via the peer node's address: no device, no encapsulation", () => {
    const node2Eth0 = mac(cluster, 'node2', 'eth0');
    const all = lines(report, 0);
    expect(hosts(report, 0)).toEqual(['node1/pa', 'node1', 'rack1', 'node2', 'node2/pb']);
    expect(pathLines(report, 0).filter((l) => l.startsWith('node1 ') && !l.includes('receive'))).toEqual([
      `node1 bridge-fdb ${mac(cluster, 'node1', 'cni0')} local`,
      'node1 route main 10.244.1.0/24 via 192.168.56.12 dev eth0',
      'node1 forward eth0 ttl 64>63',
      'node1 neigh 192.168.56.12 NONE queue',
      `node1 neigh-resolved 192.168.56.12 ${node2Eth0}`,
      'node1 send eth0',
    ]);
    expect(all).toContain('node2 forward cni0 ttl 63>62');
    expect(all.some((l) => l.includes('(outer)') || l.includes('encap'))).toBe(false);
    expect(report.packets[0]?.fate).toMatchObject({
      kind: 'delivered',
      host: 'node2/pb',
      to: 'icmp-echo',
      ttl: 62,
    });
  });
});

describe('traceFlow() a packet nobody can route', () => {
  it('from a node: the router has no route, drops it and answers net unreachable, which reaches ping', () => {
    const { report } = traceIn(TRACE_VXLAN, 'node/node1', '10.9.9.9', { at: '2s' });
    expect(lines(report, 0).slice(-3)).toEqual([
      'router route main none',
      'router icmp-error 3/0 sent',
      'router drop no-route no_route',
    ]);
    expect(report.packets[0]?.fate).toEqual({
      kind: 'dropped',
      host: 'router',
      dev: 'eth0',
      reason: 'no-route',
      counter: 'no_route',
    });
    expect(report.packets[1]?.summary).toBe(
      'ICMP 192.168.56.1 > 192.168.56.11: Destination Net Unreachable, ttl 64, length 112',
    );
    expect(report.packets[1]?.fate).toMatchObject({ kind: 'delivered', host: 'node1', to: 'raw-socket' });
  });

  it('from a pod to an unleased pod subnet: up the default route, and the router cannot even answer', () => {
    const { report } = traceIn(TRACE_VXLAN, 'pod/pa', '10.244.9.9');
    expect(lines(report, 0)).toContain('node1 route main default via 192.168.56.1 dev eth0');
    expect(lines(report, 0).slice(-2)).toEqual([
      'router icmp-error 3/0 not sent: no route back to the sender (ENETUNREACH)',
      'router drop no-route no_route',
    ]);
    expect(report.packets).toHaveLength(1);
  });

  it('a sender without any route: nothing leaves (ENETUNREACH)', () => {
    const { report } = traceIn(TRACE_HOST_GW, 'node/node1', '10.9.9.9');
    expect(report.packets).toHaveLength(1);
    expect(report.packets[0]?.fate).toEqual({ kind: 'not-sent', host: 'node1', errno: 'ENETUNREACH' });
  });
});

describe('traceFlow() UDP', () => {
  it('to a closed port: dropped on the pod, and the port unreachable comes back to the sender', () => {
    const { report } = traceIn(TRACE_VXLAN, 'pod/pa', 'pod/pc', { proto: 'udp', at: '2s' });
    expect(report.packets[0]?.summary).toMatch(
      /^UDP 10\.244\.0\.2:\d+ > 10\.244\.1\.2:33434, ttl 64, length 60, DF$/,
    );
    expect(lines(report, 0).slice(-2)).toEqual([
      'node2/pc icmp-error 3/3 sent',
      'node2/pc drop no-socket udp_no_port',
    ]);
    expect(report.packets[1]?.summary).toMatch(/Destination Port Unreachable/);
    expect(report.packets[1]?.fate).toMatchObject({ kind: 'delivered', host: 'node1/pa', ttl: 62 });
  });

  it('to a port with a socket: delivered (the VXLAN port of a node, here)', () => {
    const { report } = traceIn(TRACE_VXLAN, 'node/node1', 'node/node2', { proto: 'udp', port: 8472 });
    expect(report.packets[0]?.fate).toMatchObject({
      kind: 'delivered',
      host: 'node2',
      to: 'udp-socket',
      port: 8472,
      owner: 'vxlan flannel.1',
    });
  });
});

describe('traceFlow() leaves the fabric as it found it', () => {
  it('takes every explainer out again, and gives each node its netfilter back unobserved', () => {
    const { cluster } = traceIn(TRACE_VXLAN, 'pod/pa', 'pod/pd');
    const all = [...cluster.nodes.values(), ...cluster.routers.values()].map((h) => h.ns);
    for (const p of cluster.pods.values()) all.push(p.netns);
    expect(all.filter((ns) => ns.explain !== undefined)).toEqual([]);
    for (const node of cluster.nodes.values()) {
      expect(node.netfilter).toBeDefined();
      expect(node.ns.hooks).toBe(node.netfilter);
      expect(node.netfilter?.explain).toBeUndefined();
    }
  });
});
