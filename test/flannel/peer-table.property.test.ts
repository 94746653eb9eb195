/**
 * The shared vxlan peer table is invisible: a cluster whose flanneld instances share their per-peer
 * entries (FlannelNetwork's PeerTable) and the same cluster where every node programs its own entries,
 * as flanneld does (`sharePeers: false`), put through the same random joins, node deletions, manual
 * route / neighbour / FDB changes, flannel.1 link flaps and pod pings, print the same `ip route`,
 * `ip neigh`, `bridge fdb show` on every node, resolve the same routes and deliver the same pings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlannelNetwork } from '../../src/flannel/index.js';
import { bridgeFdbShow, ipNeigh, ipRoute, ipRouteGet } from '../../src/inspect/index.js';
import { type NetNs, Vxlan } from '../../src/net/index.js';
import { SECOND } from '../../src/sim/index.js';
import { arbFabric, pingOnce, podIp, podNames } from '../../src/testing/index.js';
import { buildCluster, type Cluster, type Topology } from '../../src/topology/index.js';
import { ip4 } from '../../src/wire/index.js';

type Op =
  | { readonly kind: 'join' | 'leave' | 'down' | 'up'; readonly node: number }
  | { readonly kind: 'route-add'; readonly node: number; readonly target: number; readonly shape: number }
  | { readonly kind: 'route-del'; readonly node: number; readonly target: number; readonly shape: number }
  /**
   * A route on a member towards a node yet to join (or, `onJoiner`, on that node towards the member's
   * lease), then that node joins: a peer arriving onto a route, a node arriving with one.
   */
  | {
      readonly kind: 'route-join';
      readonly node: number;
      readonly target: number;
      readonly shape: number;
      readonly onJoiner: boolean;
    }
  | {
      readonly kind: 'neigh-del' | 'neigh-set' | 'fdb-add' | 'fdb-del';
      readonly node: number;
      readonly target: number;
    }
  | { readonly kind: 'ping'; readonly from: number; readonly to: number }
  | { readonly kind: 'wait' };

const idx = fc.nat(63);
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('join' as const), node: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('leave' as const), node: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('down' as const, 'up' as const), node: idx }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('route-add' as const, 'route-del' as const),
      node: idx,
      target: idx,
      shape: fc.nat(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'neigh-del' as const,
        'neigh-set' as const,
        'fdb-add' as const,
        'fdb-del' as const,
      ),
      node: idx,
      target: idx,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('route-join' as const),
      node: idx,
      target: idx,
      shape: fc.nat(3),
      onJoiner: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ping' as const), from: idx, to: idx }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'wait' as const }) },
);

interface World {
  readonly c: Cluster;
  readonly net: FlannelNetwork;
  readonly names: readonly string[];
}

/** The cluster with flanneld not yet started anywhere: the test joins the nodes itself. */
function world(t: Topology, sharePeers: boolean): World {
  const c = buildCluster({ ...t, network: { ...t.network, flanneld: false } });
  return { c, net: new FlannelNetwork({ sharePeers }), names: t.nodes.map((n) => n.name) };
}

function ns(w: World, i: number): NetNs {
  const name = w.names[i % w.names.length] as string;
  const n = w.c.nodes.get(name);
  if (n === undefined) throw new Error(name);
  return n.ns;
}

function flannelDev(n: NetNs): Vxlan | undefined {
  const d = n.deviceByName('flannel.1');
  return d instanceof Vxlan ? d : undefined;
}

/** A node's pod subnet (its lease). */
function podCidr(t: Topology, i: number): { network: number; prefixLen: number } {
  const spec = t.nodes[i % t.nodes.length];
  if (spec === undefined) throw new Error('no node');
  return spec.podCIDR;
}

/** The first node index at or after `from` (cyclically) whose name `ok` accepts. */
function nextWhere(w: World, from: number, ok: (name: string) => boolean): number | undefined {
  for (let k = 0; k < w.names.length; k++) {
    const i = (from + k) % w.names.length;
    if (ok(w.names[i] as string)) return i;
  }
  return undefined;
}

/** Applies one operation; returns what it printed (its outcome), which must agree between the worlds. */
function apply(w: World, t: Topology, op: Op): string {
  if (op.kind === 'wait') {
    w.c.sim.run({ until: w.c.sim.now + SECOND });
    return String(w.c.sim.now);
  }
  if (op.kind === 'ping') {
    const pods = podNames(t);
    if (pods.length === 0) return '';
    const from = pods[op.from % pods.length] as string;
    const to = pods[op.to % pods.length] as string;
    const r = pingOnce(w.c, `pod/${from}`, podIp(w.c, to));
    return `${r.received} ${r.ttls.join(',')} ${r.lines.map((l) => l.text).join('|')}`;
  }
  const name = w.names[op.node % w.names.length] as string;
  const host = w.c.nodes.get(name);
  const d = host?.flanneld;
  if (host === undefined || d === undefined) return '';
  const n = host.ns;
  switch (op.kind) {
    case 'join':
      if (w.net.has(name)) return 'member';
      w.net.join(d);
      return 'joined';
    case 'leave':
      return String(w.net.leave(name));
    case 'down':
    case 'up':
      if (n.deviceByName('flannel.1') === undefined) return 'no device';
      n.setLinkUp('flannel.1', op.kind === 'up');
      return op.kind;
    case 'route-join': {
      const member = nextWhere(w, op.node, (name) => w.net.has(name));
      const joiner = nextWhere(w, op.target, (name) => !w.net.has(name));
      if (member === undefined || joiner === undefined) return 'none';
      const [node, target] = op.onJoiner ? [joiner, member] : [member, joiner];
      const added = apply(w, t, { kind: 'route-add', node, target, shape: op.shape });
      return `${added} ${apply(w, t, { kind: 'join', node: joiner })}`;
    }
    case 'route-add':
    case 'route-del': {
      const { network, prefixLen } = podCidr(t, op.target);
      // The lease itself, a longer prefix inside it, the covering /16, the lease at a higher metric.
      const [dst, len] =
        op.shape === 0
          ? [network, prefixLen]
          : op.shape === 1
            ? [network, prefixLen + 1]
            : op.shape === 2
              ? [(network & 0xffff0000) >>> 0, 16]
              : [network, prefixLen];
      const metric = op.shape === 3 ? 100 : 0;
      if (op.kind === 'route-del') return String(n.deleteRoute(dst, len));
      return String(n.addRoute({ dst, prefixLen: len, dev: 'eth0', metric }) ?? 'ok');
    }
    case 'neigh-del':
    case 'neigh-set': {
      const dev = flannelDev(n);
      if (dev === undefined) return 'no device';
      const gw = podCidr(t, op.target).network;
      if (op.kind === 'neigh-del') return String(n.neigh.delete(dev.ifindex, gw));
      n.neigh.setPermanent(dev.ifindex, gw, 0x0a0000000000 + op.target);
      return 'set';
    }
    case 'fdb-add':
    case 'fdb-del': {
      const dev = flannelDev(n);
      if (dev === undefined) return 'no device';
      const mac = w.c.nodes.get(w.names[op.target % w.names.length] as string)?.flanneld?.lease?.vtepMac;
      if (mac === undefined) return 'no mac';
      if (op.kind === 'fdb-del') return String(dev.fdbDelete(mac));
      dev.fdbAdd(mac, ip4('192.0.2.1'));
      return 'added';
    }
  }
}

/** Everything a user can see of the node's flannel state, and what lookups answer. */
function observe(w: World, t: Topology, i: number): string {
  const n = ns(w, i);
  const dev = flannelDev(n);
  const neigh = n.neigh
    .list()
    .map(
      (e) => `${e.ip} ${e.dev} ${e.state} ${e.mac} ${e.used} ${e.updated} ${e.confirmed} ${e.queue.length}`,
    );
  const probes = t.nodes.flatMap((_, j) => {
    const { network } = podCidr(t, j);
    return [network + 5, network + 200];
  });
  const lookups = probes.map((ip) => JSON.stringify(n.main.lookup(ip) ?? null));
  const gets = probes.map((ip) => ipRouteGet(n, ip));
  const fdb =
    dev === undefined
      ? []
      : t.nodes.map((_, j) => {
          const mac = w.c.nodes.get(w.names[j] as string)?.flanneld?.lease?.vtepMac;
          return mac === undefined ? 'none' : JSON.stringify(dev.fdbLookup(mac) ?? null);
        });
  const d = w.c.nodes.get(w.names[i] as string)?.flanneld;
  const programmed = (d?.programmed() ?? []).map((l) => l.node).join(',');
  return [ipRoute(n), ipNeigh(n), bridgeFdbShow(n), ...neigh, ...lookups, ...gets, ...fdb, programmed].join(
    '\n',
  );
}

describe('the shared vxlan peer table', () => {
  it('is invisible: shared and per-node programming agree on every node after every step', () => {
    fc.assert(
      fc.property(
        arbFabric({ backends: ['vxlan', 'vxlan-directrouting'], maxNodes: 8, maxPodsPerNode: 2 }),
        fc.nat(),
        fc.array(arbOp, { maxLength: 14 }),
        (t, firstJoins, ops) => {
          const shared = world(t, true);
          const reference = world(t, false);
          // Some of the nodes join at build time; the rest may join later as steps.
          const initial = 1 + (firstJoins % Math.max(1, Math.ceil(t.nodes.length / 2)));
          for (const w of [shared, reference])
            for (let i = 0; i < initial; i++) apply(w, t, { kind: 'join', node: i });
          if (t.network.backend === 'vxlan') {
            // Not vacuous: a plain vxlan cluster shares until something makes a node detach.
            for (let i = 0; i < initial; i++)
              expect(shared.c.nodes.get(shared.names[i] as string)?.flanneld?.sharing).toBe(true);
          }
          const check = (step: string) => {
            for (let i = 0; i < t.nodes.length; i++)
              expect(observe(shared, t, i), `${step}: node ${shared.names[i]}`).toBe(
                observe(reference, t, i),
              );
          };
          check('after the first joins');
          ops.forEach((op, k) => {
            const a = apply(shared, t, op);
            const b = apply(reference, t, op);
            expect(a, `step ${k} ${JSON.stringify(op)}`).toBe(b);
            check(`after step ${k} ${JSON.stringify(op)}`);
          });
          const problems = (w: World) => w.c.flannelLog.lines.map((l) => `${l.node} ${l.severity} ${l.text}`);
          expect(problems(shared)).toEqual(problems(reference));
        },
      ),
      { numRuns: 60 },
    );
  });
});
