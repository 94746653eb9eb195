/**
 * Properties of flannel's pod network over random fabrics from podwire/testing: 2–20 nodes on 1–3 racks,
 * 0–4 pods per node, each fabric run with every backend valid for its layout (host-gw only when every
 * node is on one rack). The expected TTLs come from flannel.md §3–5 through `podPath`, never from the
 * simulator: bridged on one node (64), routed by both nodes (62), and by both udp proxies too (60).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../src/flannel/index.js';
import { bridgeFdbShow, ipNeigh, ipRoute } from '../../src/inspect/index.js';
import {
  arbFabric,
  expectedPodTtl,
  hostNs,
  pingOnce,
  podIp,
  podPath,
  podProbePairs,
  podSpec,
  recordFrames,
  repeatedPassages,
  type SeenFrame,
  validBackends,
  withBackend,
} from '../../src/testing/index.js';
import { buildCluster, type Cluster, type FlannelBackend, type Topology } from '../../src/topology/index.js';
import { formatIp4, formatMac } from '../../src/wire/index.js';

const RUNS = { numRuns: 30 };
/** Layouts are drawn once and run with each valid backend, so the drawn backend does not matter. */
const fabrics = arbFabric({ backends: ['vxlan'] });

/** Each backend valid for the drawn layout, with its topology and a fresh cluster. */
function* perBackend(t: Topology): Generator<[FlannelBackend, Topology, Cluster]> {
  for (const b of validBackends(t)) {
    const tb = withBackend(t, b);
    yield [b, tb, buildCluster(tb)];
  }
}

/** The ICMP echo requests pod `to` received from pod `from`, with the TTL each had. */
function echoTtlsAt(c: Cluster, frames: readonly SeenFrame[], from: string, to: string): number[] {
  const point = hostNs(c, `pod/${to}`).deviceByName('eth0')?.point.name;
  const [src, dst] = [podIp(c, from), podIp(c, to)];
  return frames.flatMap((f) => {
    const p = f.frame.payload;
    const echo = f.kind === 'rx' && f.point === point && p.kind === 'ipv4' && p.src === src && p.dst === dst;
    return echo && p.payload.kind === 'icmp' && p.payload.type === 8 ? [p.ttl] : [];
  });
}

describe('flannel pod network properties over random fabrics', () => {
  it('every pod reaches every other pod (all pairs, or a sample with every kind of pair in big clusters)', () => {
    fc.assert(
      fc.property(fabrics, (t) => {
        for (const [backend, tb, c] of perBackend(t)) {
          for (const [from, to] of podProbePairs(tb)) {
            const r = pingOnce(c, `pod/${from}`, podIp(c, to));
            expect(r.received, `${backend}: ${from} -> ${to}: ${r.lines[1]?.text}`).toBe(1);
          }
        }
      }),
      RUNS,
    );
  });

  it('a pod receives TTL 64 minus the routing hops of the path: 64 on one node, 62 across nodes, 60 with udp', () => {
    fc.assert(
      fc.property(fabrics, (t) => {
        for (const [backend, tb, c] of perBackend(t)) {
          for (const [from, to] of podProbePairs(tb)) {
            const log = recordFrames(c);
            const r = pingOnce(c, `pod/${from}`, podIp(c, to));
            log.stop();
            const what = `${backend}: ${from} -> ${to} (${podPath(tb, from, to)?.kind})`;
            expect(echoTtlsAt(c, log.frames, from, to), `request at ${what}`).toEqual([
              expectedPodTtl(tb, from, to),
            ]);
            expect(r.ttls, `reply at ${what}`).toEqual([expectedPodTtl(tb, to, from)]);
          }
        }
      }),
      RUNS,
    );
  });

  it('while one ping is in flight, no capture point sees the same packet twice in one direction (no loop)', () => {
    fc.assert(
      fc.property(fabrics, (t) => {
        for (const [backend, tb, c] of perBackend(t)) {
          // Twice each: cold (ARP on every link) and warm.
          for (const [from, to] of [...podProbePairs(tb), ...podProbePairs(tb)]) {
            const log = recordFrames(c);
            pingOnce(c, `pod/${from}`, podIp(c, to));
            log.stop();
            expect(repeatedPassages(log.frames), `${backend}: ${from} -> ${to}`).toEqual([]);
          }
        }
      }),
      RUNS,
    );
  });
});

/** `ip route`, `ip neigh` and `bridge fdb show` of every node and router, by host. */
function tables(c: Cluster): Map<string, { route: string; neigh: string; fdb: string }> {
  const out = new Map<string, { route: string; neigh: string; fdb: string }>();
  for (const hosts of [c.nodes, c.routers])
    for (const [name, h] of hosts)
      out.set(name, { route: ipRoute(h.ns), neigh: ipNeigh(h.ns), fdb: bridgeFdbShow(h.ns) });
  return out;
}

/**
 * What a peer holds for `lease` (flannel.md §3.2, §3.4, §4), written as the tools print it: a host-gw
 * route when the backend routes directly to the peer, else vxlan's route, permanent neighbour and FDB
 * entry; udp keeps its routes in flanneld's proxy, not in the kernel.
 */
function entriesFor(
  t: Topology,
  peer: string,
  lease: Lease,
): { route: string[]; neigh: string[]; fdb: string[] } {
  const seg = (node: string) => t.nodes.find((n) => n.name === node)?.segment;
  const cidr = `${formatIp4(lease.subnet.network)}/${lease.subnet.prefixLen}`;
  const ip = formatIp4(lease.publicIp);
  const backend = t.network.backend;
  if (backend === 'udp') return { route: [], neigh: [], fdb: [] };
  if (backend === 'host-gw' || (backend === 'vxlan-directrouting' && seg(peer) === seg(lease.node)))
    return { route: [`${cidr} via ${ip} dev eth0 `], neigh: [], fdb: [] };
  const net = formatIp4(lease.subnet.network);
  const mac = formatMac(lease.vtepMac ?? 0);
  return {
    route: [`${cidr} via ${net} dev flannel.1 onlink `],
    neigh: [`${net} dev flannel.1 lladdr ${mac} PERMANENT `],
    fdb: [`${mac} dev flannel.1 dst ${ip} self permanent`],
  };
}

/** `text` without exactly one occurrence of each of `lines` (each must be there). */
function without(text: string, lines: readonly string[]): string {
  const rest = text.split('\n');
  for (const l of lines) {
    const i = rest.indexOf(l);
    expect(i, `expected line "${l}" in:\n${text}`).toBeGreaterThanOrEqual(0);
    rest.splice(i, 1);
  }
  return rest.join('\n');
}

const sortedLines = (text: string): string[] => text.split('\n').sort();

const fabricAndNode = fabrics.chain((t) => fc.tuple(fc.constant(t), fc.nat({ max: t.nodes.length - 1 })));

describe('a node leaving and joining the flannel network', () => {
  it('leave removes exactly its route, neighbour and FDB entry from every peer; join restores the same state', () => {
    fc.assert(
      fc.property(fabricAndNode, ([t, k]) => {
        for (const [backend, tb, c] of perBackend(t)) {
          const gone = tb.nodes[k]?.name ?? '';
          const lease = c.flannel.member(gone)?.lease;
          const flanneld = c.nodes.get(gone)?.flanneld;
          if (lease === undefined || flanneld === undefined) throw new Error(`${gone} has no flanneld`);
          // Some traffic first, so the tables hold learned entries that must survive untouched.
          for (const [from, to] of podProbePairs(tb).slice(0, 8)) pingOnce(c, `pod/${from}`, podIp(c, to));
          const before = tables(c);
          expect(c.flannel.leave(gone)).toBe(true);
          const left = tables(c);
          for (const [host, was] of before) {
            const now = left.get(host);
            const drop = c.nodes.has(host) && host !== gone ? entriesFor(tb, host, lease) : undefined;
            const what = `${backend}: ${host} after ${gone} left`;
            expect(now?.route, what).toBe(without(was.route, drop?.route ?? []));
            expect(now?.neigh, what).toBe(without(was.neigh, drop?.neigh ?? []));
            expect(now?.fdb, what).toBe(without(was.fdb, drop?.fdb ?? []));
          }
          c.flannel.join(flanneld);
          // Routes print in prefix order, as the kernel's trie dumps them; neighbours and FDB entries in
          // creation order (the kernel: hash order), so a re-created entry may move: compare as sets.
          for (const [host, was] of before) {
            const now = tables(c).get(host);
            const what = `${backend}: ${host} after ${gone} joined again`;
            expect(now?.route, what).toBe(was.route);
            expect(sortedLines(now?.neigh ?? ''), what).toEqual(sortedLines(was.neigh));
            expect(sortedLines(now?.fdb ?? ''), what).toEqual(sortedLines(was.fdb));
          }
        }
      }),
      RUNS,
    );
  });

  it("a node's pods are unreachable from other nodes' pods while it is out, and reachable once it is back", () => {
    fc.assert(
      fc.property(fabricAndNode, ([t, k]) => {
        const gone = t.nodes[k]?.name ?? '';
        const theirs = t.pods.find((p) => p.node === gone)?.name;
        const ours = t.pods.find((p) => p.node !== gone)?.name;
        if (theirs === undefined || ours === undefined) return;
        for (const [backend, tb, c] of perBackend(t)) {
          const flanneld = c.nodes.get(gone)?.flanneld;
          if (flanneld === undefined) throw new Error(`${gone} has no flanneld`);
          const what = `${backend}: ${ours} (${podSpec(tb, ours).node}) -> ${theirs} (${gone})`;
          expect(pingOnce(c, `pod/${ours}`, podIp(c, theirs)).received, what).toBe(1);
          c.flannel.leave(gone);
          expect(pingOnce(c, `pod/${ours}`, podIp(c, theirs)).received, `${what}, out`).toBe(0);
          c.flannel.join(flanneld);
          expect(pingOnce(c, `pod/${ours}`, podIp(c, theirs)).received, `${what}, back`).toBe(1);
        }
      }),
      RUNS,
    );
  });
});
