import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundPodCache } from '../../src/k8s/scheduler/bound-cache.js';
import { LABEL_HOSTNAME, LABEL_ZONE, type SchedNode, type SchedPod } from '../../src/k8s/scheduler/index.js';
import {
  balancedAllocationFrom,
  leastAllocatedFrom,
  podRequest,
  sumRequested,
} from '../../src/k8s/scheduler/resources.js';
import {
  HOSTNAME,
  ROOM,
  SCHEDULABLE,
  type Snapshot,
  UNTAINTED,
  ZONE,
} from '../../src/k8s/scheduler/snapshot.js';

// The Snapshot's typed arrays are copies of what its NodeInfos and node objects say (UpdateSnapshot's
// contract): whatever happens to the cache's pods and to the node list between cycles, a cycle that
// aligns the Snapshot reads, slot by slot, the flags and sums the objects give.

function mkNode(
  name: string,
  g: { cordon: boolean; taint: boolean; pods: number; zone: boolean },
): SchedNode {
  const labels = new Map([[LABEL_HOSTNAME, name]]);
  if (g.zone) labels.set(LABEL_ZONE, 'z1');
  return {
    name,
    labels,
    taints: g.taint ? [{ key: 'k', value: '', effect: 'NoSchedule' }] : [],
    unschedulable: g.cordon,
    allocatable: { cpuMilli: 2000, memoryBytes: 4 << 30, pods: g.pods },
  };
}

function mkPod(i: number, cpu: number | null, mem: number | null): SchedPod {
  return {
    namespace: 'default',
    name: `p${i}`,
    labels: new Map([['app', `a${i % 3}`]]),
    nodeSelector: new Map(),
    tolerations: [],
    requests: { ...(cpu === null ? {} : { cpuMilli: cpu }), ...(mem === null ? {} : { memoryBytes: mem }) },
    hostPorts: [],
  };
}

/** What slot `k` should hold, read from the objects themselves. */
function expectedSlot(node: SchedNode, pods: readonly SchedPod[]) {
  const sums = sumRequested(pods);
  let flags = 0;
  if (!node.unschedulable) flags |= SCHEDULABLE;
  if (node.taints.length === 0) flags |= UNTAINTED;
  if (pods.length + 1 <= node.allocatable.pods) flags |= ROOM;
  if (node.labels.has(LABEL_HOSTNAME)) flags |= HOSTNAME;
  if (node.labels.has(LABEL_ZONE)) flags |= ZONE;
  const { cpuMilli, memoryBytes } = node.allocatable;
  return [flags, cpuMilli, memoryBytes, sums.cpu, sums.mem, sums.nonZeroCpu, sums.nonZeroMem];
}

function slotOf(s: Snapshot, k: number) {
  return [s.flags[k], s.allocCpu[k], s.allocMem[k], s.cpu[k], s.mem[k], s.nzCpu[k], s.nzMem[k]];
}

const nodeGen = fc.record({
  cordon: fc.boolean(),
  taint: fc.boolean(),
  pods: fc.integer({ min: 0, max: 4 }),
  zone: fc.boolean(),
});

const opArb = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    k: fc.nat(),
    cpu: fc.constantFrom(null, 100, 700),
    mem: fc.constantFrom(null, 1 << 20),
  }),
  fc.record({ op: fc.constant('remove' as const), k: fc.nat() }),
  fc.record({ op: fc.constant('setEmpty' as const), k: fc.nat() }),
  fc.record({ op: fc.constant('deleteNode' as const), k: fc.nat() }),
  fc.record({ op: fc.constant('renode' as const), k: fc.nat(), g: nodeGen }),
  fc.record({
    op: fc.constant('pushNode' as const),
    g: nodeGen,
    dup: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  }),
  fc.record({ op: fc.constant('spliceNode' as const), k: fc.nat() }),
  fc.record({ op: fc.constant('newList' as const) }),
  fc.record({
    op: fc.constant('align' as const),
    k: fc.nat(),
    cpu: fc.constantFrom(null, 100),
    mem: fc.constantFrom(null, 1 << 20),
  }),
  fc.record({ op: fc.constant('clear' as const) }),
);

describe('scheduler Snapshot', () => {
  it('holds, slot by slot, what the NodeInfos and node objects say', () => {
    fc.assert(
      fc.property(
        fc.array(nodeGen, { minLength: 1, maxLength: 6 }),
        fc.array(opArb, { maxLength: 40 }),
        (gens, ops) => {
          let nodes: SchedNode[] = gens.map((g, i) => mkNode(`n${i}`, g));
          let names = nodes.length;
          const cache = new BoundPodCache();
          const placed: [string, SchedPod][] = [];
          let snap = cache.snapshotOf(nodes);
          let own = podRequest(mkPod(0, null, null));
          ops.forEach((o, i) => {
            const at = (k: number) => nodes[k % nodes.length] as SchedNode;
            switch (o.op) {
              case 'add': {
                const p = mkPod(i, o.cpu, o.mem);
                const name = at(o.k).name;
                cache.add(name, p);
                placed.push([name, p]);
                break;
              }
              case 'remove': {
                if (placed.length === 0) break;
                const [name, p] = placed.splice(o.k % placed.length, 1)[0]!;
                cache.remove(name, p);
                break;
              }
              case 'setEmpty':
                cache.set(at(o.k).name, []);
                break;
              case 'deleteNode':
                cache.delete(at(o.k).name);
                break;
              case 'renode':
                // A Node update: a new object at the same index (realigned when a cycle reaches it).
                nodes[o.k % nodes.length] = mkNode(at(o.k).name, o.g);
                cache.realign(o.k % nodes.length, at(o.k));
                break;
              case 'pushNode':
                nodes.push(mkNode(o.dup ? at(0).name : `n${names++}`, o.g));
                break;
              case 'spliceNode':
                if (nodes.length > 1) nodes.splice(o.k % nodes.length, 1);
                break;
              case 'newList':
                nodes = [...nodes];
                break;
              case 'clear':
                cache.clear();
                break;
              case 'align': {
                snap = cache.snapshotOf(nodes);
                own = podRequest(mkPod(0, o.cpu, o.mem));
                const epoch = snap.scoreEpochFor(own);
                // What totalsWithCache memoises for a slot, as the plain formulas give it.
                const k = o.k % nodes.length;
                const info = cache.infoOf(at(k).name);
                if (snap.scoredAt[k] !== epoch) {
                  snap.leastScore[k] = leastAllocatedFrom(info, own, at(k));
                  snap.balancedScore[k] = balancedAllocationFrom(info, own, at(k));
                  snap.scoredAt[k] = epoch;
                }
                break;
              }
            }
            // Between cycles the slots follow every pod change (unless a name is listed twice); a cycle
            // that aligns sees them all current.
            const check = (s: Snapshot) => {
              for (let k = 0; k < s.nodes.length; k++) {
                const n = s.nodes[k] as SchedNode;
                expect(s.infos[k]).toBe(cache.infoOf(n.name));
                expect(slotOf(s, k)).toEqual(expectedSlot(n, cache.get(n.name) ?? []));
                if (s.scoredAt[k] === s.scoreEpochFor(own)) {
                  const info = cache.infoOf(n.name);
                  expect([s.leastScore[k], s.balancedScore[k]]).toEqual([
                    leastAllocatedFrom(info, own, n),
                    balancedAllocationFrom(info, own, n),
                  ]);
                }
                if (!s.irregular) expect(cache.infoOf(n.name).slot).toBe(k);
              }
            };
            if (!snap.irregular) check(snap);
            snap = cache.snapshotOf(nodes);
            expect(snap.nodes.length).toBe(nodes.length);
            check(snap);
            // The list names a node twice exactly when the Snapshot says so.
            expect(snap.irregular).toBe(new Set(nodes.map((n) => n.name)).size < nodes.length);
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});
