/**
 * fast-check arbitraries for whole clusters. A cluster is drawn as a small plain record (segments, the
 * segment of each node, a seed), written as the YAML a user's topology file would hold, and loaded by
 * the real loader — so every generated `Topology` is one a file could say, and the draw exercises the
 * loader too. Everything is built from fast-check combinators, so a failing property shrinks towards
 * fewer nodes, fewer segments, MTU 1500 and seed 0.
 */
import fc from 'fast-check';
import { type FlannelBackend, loadTopologyText, renderIssues, type Topology } from '../topology/index.js';
import type { Ip4 } from '../wire/index.js';

/** One drawn underlay segment, as the file writes it: `{name, cidr, mtu, latency, bandwidth}`. */
export interface SegmentDraw {
  readonly name: string;
  readonly cidr: string;
  readonly mtu: number;
  readonly latency: string;
  readonly bandwidth: string;
}

/** One drawn node: its name and the name of its segment (its address is left to the loader). */
export interface NodeDraw {
  readonly name: string;
  readonly subnet: string;
}

/** A drawn cluster before loading: what the generated file says. */
export interface ClusterDraw {
  readonly seed: number;
  readonly segments: readonly SegmentDraw[];
  readonly nodes: readonly NodeDraw[];
}

export interface UnderlayOptions {
  /** At most this many segments, 1–255 (default 3). */
  readonly maxSegments?: number;
}

export interface ClusterOptions extends UnderlayOptions {
  /** At least this many nodes (default 2, so a pair of distinct hosts always exists). */
  readonly minNodes?: number;
  /** At most this many nodes (default 6). */
  readonly maxNodes?: number;
}

const DEFAULT_MAX_SEGMENTS = 3;
const DEFAULT_MIN_NODES = 2;
const DEFAULT_MAX_NODES = 6;
/** A /24 holds nodes at .11–.254 when they all share one segment. */
const MAX_NODES = 244;

/** Underlay MTUs worth mixing: Ethernet, jumbo, and a tunnel-sized one. The first is the shrink target. */
const MTUS: readonly number[] = [1500, 9000, 1400];
const LATENCIES: readonly string[] = ['50us', '5us', '1ms'];
const BANDWIDTHS: readonly string[] = ['10Gbps', '1Gbps', '100Mbps'];

function checkCount(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${what} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

/**
 * 1 to `maxSegments` underlay segments named `rack1`, `rack2`, … on distinct (so never overlapping)
 * `192.168.X.0/24` networks, each with an MTU of 1500, 9000 or 1400 and a latency and bandwidth.
 */
export function arbUnderlay(options: UnderlayOptions = {}): fc.Arbitrary<readonly SegmentDraw[]> {
  const maxSegments = checkCount(
    'arbUnderlay: maxSegments',
    options.maxSegments ?? DEFAULT_MAX_SEGMENTS,
    1,
    255,
  );
  const segment = fc.record({
    third: fc.integer({ min: 0, max: 255 }),
    mtu: fc.constantFrom(...MTUS),
    latency: fc.constantFrom(...LATENCIES),
    bandwidth: fc.constantFrom(...BANDWIDTHS),
  });
  return fc
    .uniqueArray(segment, { minLength: 1, maxLength: maxSegments, selector: (s) => s.third })
    .map((drawn) =>
      drawn.map((s, i) => ({
        name: `rack${i + 1}`,
        cidr: `192.168.${s.third}.0/24`,
        mtu: s.mtu,
        latency: s.latency,
        bandwidth: s.bandwidth,
      })),
    );
}

/**
 * A drawn cluster: an underlay from `arbUnderlay`, `minNodes`–`maxNodes` nodes `node1`, `node2`, …
 * spread over the segments, and a seed. Nodes are drawn independently of the segment count (a node's
 * segment index wraps around), so shrinking can drop segments and nodes separately; it moves nodes
 * towards rack1.
 */
export function arbClusterDraw(options: ClusterOptions = {}): fc.Arbitrary<ClusterDraw> {
  const minNodes = checkCount('arbCluster: minNodes', options.minNodes ?? DEFAULT_MIN_NODES, 1, MAX_NODES);
  const maxNodes = checkCount(
    'arbCluster: maxNodes',
    options.maxNodes ?? Math.max(minNodes, DEFAULT_MAX_NODES),
    minNodes,
    MAX_NODES,
  );
  const maxSegments = options.maxSegments ?? DEFAULT_MAX_SEGMENTS;
  const segmentIndex = fc.nat({ max: Math.max(0, maxSegments - 1) });
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 0x7fff_ffff }),
      segments: arbUnderlay({ maxSegments }),
      // No minimum length here: fast-check cannot drop an element from the middle of an array at its
      // minimum length, so short draws are padded with rack1 nodes instead.
      placement: fc.array(segmentIndex, { maxLength: maxNodes }),
    })
    .map(({ seed, segments, placement }) => ({
      seed,
      segments,
      nodes: padded(placement, minNodes).map((k, i) => ({
        name: `node${i + 1}`,
        subnet: segments[k % segments.length]?.name ?? 'rack1',
      })),
    }));
}

/** `placement` with segment 0 appended until it has `min` entries. */
function padded(placement: readonly number[], min: number): number[] {
  const out = [...placement];
  while (out.length < min) out.push(0);
  return out;
}

/**
 * The topology file of a drawn cluster: one Cluster document. Node addresses and gateways are left to
 * the loader (nodes from .11 up, gateways .1), and with two or more segments so is the router (`router`,
 * joining every segment). With `backend`, the file names flannel's backend (`network: {backend: …}`).
 */
export function clusterYaml(draw: ClusterDraw, backend?: FlannelBackend): string {
  const lines = [
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'metadata: {name: generated}',
    'spec:',
    `  seed: ${draw.seed}`,
    ...(backend === undefined ? [] : [`  network: {backend: ${backend}}`]),
    '  underlay:',
    ...draw.segments.map(
      (s) =>
        `    - {name: ${s.name}, cidr: ${s.cidr}, mtu: ${s.mtu}, latency: ${s.latency}, bandwidth: ${s.bandwidth}}`,
    ),
    '  nodes:',
    ...draw.nodes.map((n) => `    - {name: ${n.name}, subnet: ${n.subnet}}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Loads generated text; an issue here is a bug in the generator (or the loader), never bad luck. */
export function loadGenerated(text: string): Topology {
  const r = loadTopologyText(text, 'generated.yaml');
  if (!r.ok)
    throw new Error(
      `podwire/testing: a generated topology did not load:\n${renderIssues(r.issues, 'generated.yaml')}\n${text}`,
    );
  return r.topology;
}

/** Topology files of random clusters (see `arbClusterDraw`), as YAML text. */
export function arbClusterText(options: ClusterOptions = {}): fc.Arbitrary<string> {
  return arbClusterDraw(options).map(clusterYaml);
}

/**
 * Random valid clusters as loaded `Topology` values: 1–3 segments, `minNodes`–`maxNodes` nodes, the
 * implicit router `router` when there are two or more segments, a drawn seed. Build one with
 * `buildCluster(topology)`.
 */
export function arbCluster(options: ClusterOptions = {}): fc.Arbitrary<Topology> {
  return arbClusterText(options).map(loadGenerated);
}

export interface HostPairOptions {
  /** Also draw routers, not only nodes (default false). */
  readonly routers?: boolean;
}

/**
 * Two distinct host names of a topology (nodes, plus routers when asked), as `[from, to]`. Shrinks
 * towards the first two hosts in declared order. Throws a RangeError when there are fewer than two.
 */
export function arbHostPair(
  topology: Topology,
  options: HostPairOptions = {},
): fc.Arbitrary<readonly [string, string]> {
  const names = [
    ...topology.nodes.map((n) => n.name),
    ...(options.routers === true ? topology.routers.map((r) => r.name) : []),
  ];
  if (names.length < 2)
    throw new RangeError(`arbHostPair: need at least two hosts, the topology has ${names.length}`);
  return fc
    .tuple(fc.nat({ max: names.length - 1 }), fc.nat({ max: names.length - 2 }))
    .map(([i, j]): readonly [string, string] => {
      const k = j >= i ? j + 1 : j;
      return [names[i] ?? '', names[k] ?? ''];
    });
}

/** The address of a node's `eth0`, or of a router's first interface. Throws a RangeError for an unknown name. */
export function hostIp(topology: Topology, name: string): Ip4 {
  const node = topology.nodes.find((n) => n.name === name);
  if (node !== undefined) return node.ip;
  const itf = topology.routers.find((r) => r.name === name)?.interfaces[0];
  if (itf !== undefined) return itf.ip;
  throw new RangeError(`hostIp: no node or router named ${name}`);
}

/** The segment a node is on. Throws a RangeError for an unknown node. */
export function nodeSegment(topology: Topology, name: string): string {
  const node = topology.nodes.find((n) => n.name === name);
  if (node === undefined) throw new RangeError(`nodeSegment: no node named ${name}`);
  return node.segment;
}

/**
 * Routers a packet from node `from` to node `to` passes: 0 on one segment, 1 when a router joins both
 * segments, `undefined` when none does (nodes route only through their own segment's gateway).
 */
export function routingHops(topology: Topology, from: string, to: string): number | undefined {
  const a = nodeSegment(topology, from);
  const b = nodeSegment(topology, to);
  if (a === b) return 0;
  const joins = topology.routers.some(
    (r) => r.interfaces.some((i) => i.segment === a) && r.interfaces.some((i) => i.segment === b),
  );
  return joins ? 1 : undefined;
}

/** The gateway address of a node's segment (the router's address there). Throws for an unknown node. */
export function gatewayOf(topology: Topology, node: string): Ip4 {
  const segment = nodeSegment(topology, node);
  const seg = topology.segments.find((s) => s.name === segment);
  if (seg === undefined) throw new RangeError(`gatewayOf: no segment ${segment}`);
  return seg.gateway;
}
