/**
 * The FlannelNetwork's shared vxlan peer table, by example: attached nodes hold no per-peer entries of
 * their own yet resolve through the table; a node that is touched detaches into exactly the entries
 * flanneld would have programmed; a 50-node cluster holds O(N) entries, not O(N²).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlannelLog, FlannelNetwork } from '../../src/flannel/index.js';
import { bridgeFdbShow, ipNeigh, ipRoute } from '../../src/inspect/index.js';
import { type NetNs, Vxlan } from '../../src/net/index.js';
import { SECOND } from '../../src/sim/index.js';
import { pingOnce, podIp } from '../../src/testing/index.js';
import { buildCluster, type Cluster, loadTopologyText } from '../../src/topology/index.js';
import { ip4 } from '../../src/wire/index.js';

/** `n` nodes on one rack, pods `p1` on node1 and `p2` on node2 when `pods`. */
function text(n: number, pods: boolean): string {
  const lines = [
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'spec:',
    '  underlay:',
    '    - {name: rack1, cidr: 192.168.56.0/24}',
    '  nodes:',
  ];
  for (let i = 1; i <= n; i++) lines.push(`    - {name: node${i}, subnet: rack1}`);
  if (pods)
    for (const [pod, node] of [
      ['p1', 'node1'],
      ['p2', 'node2'],
    ])
      lines.push(
        '---',
        'apiVersion: v1',
        'kind: Pod',
        `metadata: {name: ${pod}}`,
        `spec: {nodeName: ${node}, containers: [{name: c, image: busybox}]}`,
      );
  return lines.join('\n');
}

/** The cluster as built (shared table), or with every node programming its own entries. */
function cluster(n: number, options: { pods?: boolean; share?: boolean } = {}): Cluster {
  const r = loadTopologyText(text(n, options.pods ?? false), 'x.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  if (options.share !== false) return buildCluster(r.topology);
  const c = buildCluster({ ...r.topology, network: { ...r.topology.network, flanneld: false } });
  const net = new FlannelNetwork({ sharePeers: false });
  for (const h of c.nodes.values()) if (h.flanneld !== undefined) net.join(h.flanneld);
  return { ...c, flannel: net };
}

function node(c: Cluster, name: string): NetNs {
  const n = c.nodes.get(name);
  if (n === undefined) throw new Error(name);
  return n.ns;
}

function vtep(ns: NetNs): Vxlan {
  const d = ns.deviceByName('flannel.1');
  if (!(d instanceof Vxlan)) throw new Error('no flannel.1');
  return d;
}

/** Per-peer entries the node holds itself: routes, neighbours and FDB entries for other leases. */
function ownPeerEntries(c: Cluster, name: string): number {
  const ns = node(c, name);
  const dev = vtep(ns);
  let count = 0;
  for (const l of c.flannel.leases()) {
    if (l.node === name) continue;
    const { network, prefixLen } = l.subnet;
    if (ns.main.hasOwn(network, prefixLen)) count++;
    if (ns.neigh.hasOwn(dev.ifindex, network)) count++;
    if (l.vtepMac !== undefined && dev.fdbHasOwn(l.vtepMac)) count++;
  }
  return count;
}

const show = (ns: NetNs) => [ipRoute(ns), ipNeigh(ns), bridgeFdbShow(ns)].join('---\n');

describe('the shared vxlan peer table', () => {
  it('serves an attached node its peers: lookups hit the table, no entry of its own, no allocation', () => {
    const c = cluster(3);
    const ns = node(c, 'node1');
    expect(c.nodes.get('node1')?.flanneld?.sharing).toBe(true);
    expect(ownPeerEntries(c, 'node1')).toBe(0);
    const r = ns.main.lookup(ip4('10.244.2.7'));
    expect(r).toMatchObject({
      dst: ip4('10.244.2.0'),
      prefixLen: 24,
      gateway: ip4('10.244.2.0'),
      onlink: true,
    });
    expect(r?.dev).toBe(vtep(ns).ifindex);
    // The same frozen Route every time: the per-packet path does not build one per lookup.
    expect(ns.main.lookup(ip4('10.244.2.99'))).toBe(r);
    expect(Object.isFrozen(r)).toBe(true);
    expect(vtep(ns).fdbLookup(c.flannel.member('node3')?.lease?.vtepMac ?? 0)?.dst).toBe(
      ip4('192.168.56.13'),
    );
    // Its own lease is not among them.
    expect(ns.main.lookup(ip4('10.244.0.7'))?.dev).not.toBe(vtep(ns).ifindex);
  });

  it('prints what per-node programming prints', () => {
    const shared = cluster(4);
    const reference = cluster(4, { share: false });
    for (const name of ['node1', 'node2', 'node3', 'node4'])
      expect(show(node(shared, name))).toBe(show(node(reference, name)));
  });

  it('copies a neighbour into the node that uses it, and only that node', () => {
    const c = cluster(3, { pods: true });
    c.sim.run({ until: c.sim.now + SECOND });
    const r = pingOnce(c, 'pod/p1', podIp(c, 'p2'));
    expect(r.received).toBe(1);
    const gw2 = ip4('10.244.1.0');
    expect(node(c, 'node1').neigh.hasOwn(vtep(node(c, 'node1')).ifindex, gw2)).toBe(true);
    expect(node(c, 'node3').neigh.hasOwn(vtep(node(c, 'node3')).ifindex, gw2)).toBe(false);
    expect(c.nodes.get('node1')?.flanneld?.sharing).toBe(true);
    // The copy's `used` moved with the ping; node3's view of the same peer did not.
    const used = (ns: NetNs) => ns.neigh.list().find((e) => e.ip === gw2)?.used;
    expect(used(node(c, 'node1'))).toBeGreaterThanOrEqual(SECOND);
    expect(used(node(c, 'node3'))).toBe(0);
  });

  it('detaches a node whose route conflicts, into exactly the entries flanneld programs', () => {
    const shared = cluster(3);
    const reference = cluster(3, { share: false });
    for (const c of [shared, reference]) {
      const err = node(c, 'node1').addRoute({
        dst: ip4('10.244.2.0'),
        prefixLen: 24,
        dev: 'eth0',
        metric: 50,
      });
      expect(err).toBeUndefined();
    }
    expect(shared.nodes.get('node1')?.flanneld?.sharing).toBe(false);
    expect(shared.nodes.get('node2')?.flanneld?.sharing).toBe(true);
    expect(ownPeerEntries(shared, 'node1')).toBe(6);
    expect(show(node(shared, 'node1'))).toBe(show(node(reference, 'node1')));
    // The detached node keeps following leases with entries of its own.
    for (const c of [shared, reference]) c.flannel.leave('node3');
    expect(ownPeerEntries(shared, 'node1')).toBe(3);
    for (const name of ['node1', 'node2']) expect(show(node(shared, name))).toBe(show(node(reference, name)));
  });

  it('detaches on flannel.1 going down (the kernel flushes its neighbours)', () => {
    const shared = cluster(3);
    const reference = cluster(3, { share: false });
    for (const c of [shared, reference]) node(c, 'node2').setLinkUp('flannel.1', false);
    expect(shared.nodes.get('node2')?.flanneld?.sharing).toBe(false);
    expect(ipNeigh(node(shared, 'node2'))).toBe('');
    expect(show(node(shared, 'node2'))).toBe(show(node(reference, 'node2')));
  });

  it('drops a deleted node from every attached node at once; the deleted node keeps what it had', () => {
    const c = cluster(3);
    const before = show(node(c, 'node3'));
    expect(c.flannel.leave('node3')).toBe(true);
    expect(node(c, 'node1').main.lookup(ip4('10.244.2.7'))?.dev).not.toBe(vtep(node(c, 'node1')).ifindex);
    expect(ipRoute(node(c, 'node1'))).not.toContain('10.244.2.0/24');
    expect(c.nodes.get('node3')?.flanneld?.sharing).toBe(false);
    expect(show(node(c, 'node3'))).toBe(before);
    expect(c.flannel.peerTable?.size).toBe(2);
  });

  it('holds O(N) entries in a 50-node cluster, not O(N²)', () => {
    const shared = cluster(50);
    const reference = cluster(50, { share: false });
    let own = 0;
    let ownReference = 0;
    for (let i = 1; i <= 50; i++) {
      own += ownPeerEntries(shared, `node${i}`);
      ownReference += ownPeerEntries(reference, `node${i}`);
    }
    expect(ownReference).toBe(3 * 50 * 49);
    expect(own).toBe(0);
    expect(shared.flannel.peerTable?.size).toBe(50);
    expect(shared.flannel.peerTable?.attached).toBe(50);
  });
});

describe('FlannelLog', () => {
  it('keeps every warning and error but only the last info lines, in write order', () => {
    const log = new FlannelLog(3);
    log.write(1, 'n1', 'I', 'a');
    log.write(2, 'n1', 'W', 'w1');
    log.write(3, 'n1', 'I', () => 'b');
    log.write(4, 'n1', 'I', 'c');
    log.write(5, 'n1', 'E', 'e1');
    log.write(6, 'n1', 'I', () => 'd');
    expect(log.lines.map((l) => `${l.atNs}${l.severity}${l.text}`)).toEqual([
      '2Ww1',
      '3Ib',
      '4Ic',
      '5Ee1',
      '6Id',
    ]);
    expect(log.problems().map((l) => l.text)).toEqual(['w1', 'e1']);
    expect(log.infoDropped).toBe(1);
  });

  it('makes an info line text only when it is read', () => {
    const log = new FlannelLog(1);
    let made = 0;
    log.write(1, 'n1', 'I', () => `x${++made}`);
    log.write(2, 'n1', 'I', () => `y${++made}`);
    expect(made).toBe(0);
    expect(log.lines.map((l) => l.text)).toEqual(['y1']);
  });
});

describe('FlannelNetwork joins', () => {
  /** Nodes 1..3 joined, node1 with a route of its own to node4's lease; then node4 joins. */
  function lateRoute(share: boolean) {
    const r = loadTopologyText(text(4, false), 'x.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const c = buildCluster({ ...r.topology, network: { ...r.topology.network, flanneld: false } });
    const net = new FlannelNetwork({ sharePeers: share });
    const d = (name: string) => {
      const f = c.nodes.get(name)?.flanneld;
      if (f === undefined) throw new Error(name);
      return f;
    };
    for (const name of ['node1', 'node2', 'node3']) net.join(d(name));
    const lease4 = r.topology.nodes[3]?.podCIDR;
    if (lease4 === undefined) throw new Error('node4');
    expect(node(c, 'node1').addRoute({ dst: lease4.network, prefixLen: lease4.prefixLen, dev: 'eth0' })).toBe(
      undefined,
    );
    net.join(d('node4'));
    return { c, d };
  }

  it('detaches exactly the node whose own route a joining peer would replace', () => {
    const shared = lateRoute(true);
    const reference = lateRoute(false);
    expect(shared.d('node1').sharing).toBe(false);
    for (const name of ['node2', 'node3', 'node4']) expect(shared.d(name).sharing).toBe(true);
    for (const name of ['node1', 'node2', 'node3', 'node4'])
      expect(show(node(shared.c, name)), name).toBe(show(node(reference.c, name)));
    const lines = (c: Cluster) =>
      c.flannelLog.lines.map((l) => `${l.atNs} ${l.node} ${l.severity} ${l.text}`);
    expect(lines(shared.c)).toEqual(lines(reference.c));
    // node4's join: node4 logs node1..node3's leases, then node1..node3 each log node4's.
    expect(shared.c.flannelLog.lines.slice(-6).map((l) => l.node)).toEqual([
      'node4',
      'node4',
      'node4',
      'node1',
      'node2',
      'node3',
    ]);
  });
});

type LogOp =
  | { readonly kind: 'I' | 'W' | 'E'; readonly node: number }
  | { readonly kind: 'batch'; readonly count: number };

describe('FlannelLog batches', () => {
  it('are k info lines: rotated, interleaved and counted as if written one by one', () => {
    const arbOp: fc.Arbitrary<LogOp> = fc.oneof(
      fc.record({ kind: fc.constantFrom('I' as const, 'W' as const, 'E' as const), node: fc.nat(3) }),
      fc.record({ kind: fc.constant('batch' as const), count: fc.nat(6) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 8 }), fc.array(arbOp, { maxLength: 30 }), (kept, ops) => {
        const log = new FlannelLog(kept);
        // The model: every line as written, one by one.
        const all: { node: string; severity: string; text: string }[] = [];
        ops.forEach((op, k) => {
          if (op.kind === 'batch') {
            log.writeBatch(k, { count: op.count, node: (i) => `b${i}`, text: (i) => `${k}.${i}` });
            for (let i = 0; i < op.count; i++) all.push({ node: `b${i}`, severity: 'I', text: `${k}.${i}` });
          } else {
            log.write(k, `n${op.node}`, op.kind, op.kind === 'I' ? () => `${k}` : `${k}`);
            all.push({ node: `n${op.node}`, severity: op.kind, text: `${k}` });
          }
        });
        const infos = all.filter((l) => l.severity === 'I').length;
        const keep = Math.max(0, kept);
        const dropped = Math.max(0, infos - keep);
        let seen = 0;
        const expected = all.filter((l) => l.severity !== 'I' || ++seen > dropped);
        expect(log.lines.map((l) => ({ node: l.node, severity: l.severity, text: l.text }))).toEqual(
          expected,
        );
        expect(log.infoDropped).toBe(dropped);
      }),
      { numRuns: 300 },
    );
  });
});
