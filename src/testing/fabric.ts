/**
 * fast-check arbitraries for whole flannel fabrics: the racks and nodes of `cluster.ts`, a flannel
 * backend that is valid for the layout (host-gw needs every node on one segment, flannel.md §4), and
 * 0–4 pods on each node, written as the topology file a user would write (one Cluster document, then one
 * `kind: Pod` per pod). A failing property shrinks towards fewer racks, then fewer nodes, then fewer
 * pods, then seed 0; the backend a counterexample was found with is kept, so a udp-only failure stays udp.
 */
import fc from 'fast-check';
import type { FlannelBackend, Topology } from '../topology/index.js';
import { arbUnderlay, type ClusterDraw, clusterYaml, loadGenerated } from './cluster.js';

/** The four backends of the topology file, in the order arbitraries list them. */
export const FLANNEL_BACKENDS: readonly FlannelBackend[] = ['vxlan', 'host-gw', 'vxlan-directrouting', 'udp'];

/** One drawn pod: its name and its node (`spec.nodeName`). */
export interface PodDraw {
  readonly name: string;
  readonly node: string;
}

/** A drawn fabric before loading: a cluster, its flannel backend and its pods. */
export interface FabricDraw extends ClusterDraw {
  readonly backend: FlannelBackend;
  readonly pods: readonly PodDraw[];
}

export interface FabricOptions {
  /** At least this many nodes, 1–244 (default 2). */
  readonly minNodes?: number;
  /** At most this many nodes (default 20). */
  readonly maxNodes?: number;
  /** At most this many racks (underlay segments), 1–255 (default 3). */
  readonly maxSegments?: number;
  /** Backends to draw from (default all four); host-gw is only drawn with a single rack. */
  readonly backends?: readonly FlannelBackend[];
  /** At most this many pods per node, 0–200 (default 4). */
  readonly maxPodsPerNode?: number;
  /** At least this many pods in the cluster (default 0); short draws get pods node by node, from node1. */
  readonly minPods?: number;
}

const DEFAULT_MIN_NODES = 2;
const DEFAULT_MAX_NODES = 20;
const DEFAULT_MAX_SEGMENTS = 3;
const DEFAULT_MAX_PODS_PER_NODE = 4;
/** A /24 holds nodes at .11–.254 when they all share one segment. */
const MAX_NODES = 244;
/** host-local hands out .2–.254 of a node's /24 (the gateway is .1). */
const MAX_PODS_PER_NODE = 200;

function checkCount(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${what} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

/**
 * The backends flannel can run on a layout: all four when every node is on one segment, else all but
 * host-gw (its routes need the peer on-link; a peer in another rack gets no route and flanneld logs
 * `Error adding route to {…}: network is unreachable`).
 */
export function validBackends(layout: ClusterDraw | Topology): FlannelBackend[] {
  const racks = new Set<string>();
  for (const n of layout.nodes) racks.add('subnet' in n ? n.subnet : n.segment);
  return FLANNEL_BACKENDS.filter((b) => b !== 'host-gw' || racks.size <= 1);
}

/** The same topology with another flannel backend (`spec.network.backend`); nothing else changes. */
export function withBackend(topology: Topology, backend: FlannelBackend): Topology {
  return { ...topology, network: { ...topology.network, backend } };
}

/**
 * Random flannel fabrics as drawn records: `minNodes`–`maxNodes` nodes `node1`, `node2`, … on 1 to
 * `maxSegments` racks (`rack1`, … with the implicit router `router` from two racks on), a backend from
 * `backends` valid for the layout, and 0–`maxPodsPerNode` pods per node named `p<node>-<k>` (`p2-1` is
 * node2's first pod, so 10.244.1.2). Each backend is its own branch of the draw: shrinking never
 * changes the backend, and host-gw's branch draws a single rack.
 */
export function arbFabricDraw(options: FabricOptions = {}): fc.Arbitrary<FabricDraw> {
  const minNodes = checkCount('arbFabricDraw: minNodes', options.minNodes ?? DEFAULT_MIN_NODES, 1, MAX_NODES);
  const maxNodes = checkCount(
    'arbFabricDraw: maxNodes',
    options.maxNodes ?? Math.max(minNodes, DEFAULT_MAX_NODES),
    minNodes,
    MAX_NODES,
  );
  const maxSegments = checkCount(
    'arbFabricDraw: maxSegments',
    options.maxSegments ?? DEFAULT_MAX_SEGMENTS,
    1,
    255,
  );
  const maxPods = checkCount(
    'arbFabricDraw: maxPodsPerNode',
    options.maxPodsPerNode ?? DEFAULT_MAX_PODS_PER_NODE,
    0,
    MAX_PODS_PER_NODE,
  );
  const minPods = checkCount('arbFabricDraw: minPods', options.minPods ?? 0, 0, minNodes * maxPods);
  const backends = options.backends ?? FLANNEL_BACKENDS;
  if (backends.length === 0) throw new RangeError('arbFabricDraw: backends must name at least one backend');
  const branch = (backend: FlannelBackend): fc.Arbitrary<FabricDraw> => {
    const segments = backend === 'host-gw' ? 1 : maxSegments;
    // Field order is shrink order: racks, then nodes, then pods, then the seed.
    return fc
      .record({
        segments: arbUnderlay({ maxSegments: segments }),
        // size 'max': every length up to maxNodes is drawn, not only the first ten.
        placement: fc.array(fc.nat({ max: segments - 1 }), { maxLength: maxNodes, size: 'max' }),
        podCounts: fc.array(fc.nat({ max: maxPods }), { maxLength: maxNodes, size: 'max' }),
        seed: fc.integer({ min: 0, max: 0x7fff_ffff }),
      })
      .map(({ segments: segs, placement, podCounts, seed }) => {
        const nodes = padTo(placement, minNodes, 0).map((k, i) => ({
          name: `node${i + 1}`,
          subnet: segs[k % segs.length]?.name ?? 'rack1',
        }));
        const counts = podsPerNode(podCounts, nodes.length, minPods, maxPods);
        const pods = nodes.flatMap((n, i) =>
          Array.from({ length: counts[i] ?? 0 }, (_, k) => ({ name: `p${i + 1}-${k + 1}`, node: n.name })),
        );
        return { seed, segments: segs, nodes, backend, pods };
      });
  };
  const [first, ...rest] = backends.map(branch);
  if (first === undefined) throw new RangeError('arbFabricDraw: no backend');
  return rest.length === 0 ? first : fc.oneof(first, ...rest);
}

/** `values` with `fill` appended until it has `min` entries. */
function padTo(values: readonly number[], min: number, fill: number): number[] {
  const out = [...values];
  while (out.length < min) out.push(fill);
  return out;
}

/** Pods on each of `nodes` nodes: the drawn counts (missing = 0), then one more per node in turn up to `min`. */
function podsPerNode(drawn: readonly number[], nodes: number, min: number, max: number): number[] {
  const counts = Array.from({ length: nodes }, (_, i) => drawn[i] ?? 0);
  let total = counts.reduce((a, b) => a + b, 0);
  for (let i = 0; total < min && max > 0; i = (i + 1) % nodes) {
    const c = counts[i] ?? 0;
    if (c < max) {
      counts[i] = c + 1;
      total++;
    }
  }
  return counts;
}

/**
 * The topology file of a drawn fabric: the Cluster document with `network: {backend: …}`, then one Pod
 * document per pod (container `app`, image `busybox`). Addresses are left to the loader and podCIDRs
 * follow declaration order: node i gets 10.244.(i-1).0/24.
 */
export function fabricYaml(draw: FabricDraw): string {
  const pods = draw.pods.map(
    (p) =>
      `---\n{apiVersion: v1, kind: Pod, metadata: {name: ${p.name}}, spec: {nodeName: ${p.node}, containers: [{name: app, image: busybox}]}}\n`,
  );
  return `${clusterYaml(draw, draw.backend)}${pods.join('')}`;
}

/** Topology files of random fabrics (see `arbFabricDraw`), as YAML text. */
export function arbFabricText(options: FabricOptions = {}): fc.Arbitrary<string> {
  return arbFabricDraw(options).map(fabricYaml);
}

/**
 * Random flannel fabrics as loaded `Topology` values (see `arbFabricDraw`); build one with
 * `buildCluster(topology)`. Loading goes through the real loader, so each is a file a user could write.
 */
export function arbFabric(options: FabricOptions = {}): fc.Arbitrary<Topology> {
  return arbFabricText(options).map(loadGenerated);
}
