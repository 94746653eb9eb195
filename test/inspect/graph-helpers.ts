/** Shared by the `podwire graph` tests: build a graph from a file or text, read pairs, find declarations. */
import fc from 'fast-check';
import {
  type FabricGraph,
  type FabricSource,
  fabricGraph,
  type GraphBackend,
  type GraphLinkKind,
} from '../../src/inspect/index.js';
import { arbClusterDraw, type ClusterDraw, clusterYaml } from '../../src/testing/index.js';
import { buildCluster, type Cluster, loadTopologyFile } from '../../src/topology/index.js';
import { loadOk } from '../topology/helpers.js';

export const BACKENDS: readonly GraphBackend[] = ['vxlan', 'udp', 'vxlan-directrouting', 'host-gw'];

/** The built cluster of a topology file and its graph. */
export function fromFile(file: string): { readonly cluster: Cluster; readonly graph: FabricGraph } {
  const r = loadTopologyFile(file);
  if (!r.ok) throw new Error(`${file} did not load`);
  const cluster = buildCluster(r.topology);
  return { cluster, graph: fabricGraph(cluster) };
}

/** The built cluster of topology text that must load, and its graph. */
export function fromText(text: string): { readonly cluster: Cluster; readonly graph: FabricGraph } {
  const cluster = buildCluster(loadOk(text));
  return { cluster, graph: fabricGraph(cluster) };
}

/**
 * A cluster as `fabricGraph` reads it, with `network.flanneld` set: the files in topologies/ may switch
 * flanneld off, and these tests want its devices and paths either way.
 */
export function withFlanneld(cluster: Cluster, flanneld: boolean): FabricSource {
  return {
    ...cluster,
    topology: { ...cluster.topology, network: { ...cluster.topology.network, flanneld } },
  };
}

/** Node-to-node links of one kind as `a~b` names (pairs in declared order). */
export function pairs(g: FabricGraph, kind: GraphLinkKind): string[] {
  const name = new Map(g.nodes.map((n) => [n.id, n.name]));
  return g.links.filter((l) => l.kind === kind).map((l) => `${name.get(l.from)}~${name.get(l.to)}`);
}

/** Vertex ids declared in DOT text (`ID [` at the start of a line), without the `node`/`edge` defaults. */
export function dotDeclarations(dot: string): string[] {
  return [...dot.matchAll(/^\s+([A-Za-z_]\w*) \[/gm)]
    .map((m) => m[1] ?? '')
    .filter((id) => id !== 'node' && id !== 'edge');
}

/** Vertex ids declared in Mermaid text: `ID` followed by a shape opening and a quoted label. */
export function mermaidDeclarations(text: string): string[] {
  return [...text.matchAll(/^\s+([A-Za-z_]\w*)(?:\[\[|\[|\(|\{\{)"/gm)].map((m) => m[1] ?? '');
}

/** A drawn cluster (podwire/testing) with a backend and 0–6 pods on drawn nodes, as one topology file. */
export const arbFabric = fc
  .record({
    draw: arbClusterDraw({ minNodes: 1, maxNodes: 6 }),
    backend: fc.constantFrom(...BACKENDS),
    pods: fc.array(fc.nat(), { maxLength: 6 }),
  })
  .map(({ draw, backend, pods }) => ({ text: fabricYaml(draw, backend, pods), draw, backend }));

function fabricYaml(draw: ClusterDraw, backend: GraphBackend, pods: readonly number[]): string {
  const cluster = clusterYaml(draw, backend);
  const docs = pods.map((k, i) => {
    const node = draw.nodes[k % draw.nodes.length]?.name ?? 'node1';
    return `---\n{apiVersion: v1, kind: Pod, metadata: {name: p-${i}.x}, spec: {nodeName: ${node}, containers: [{name: c, image: busybox}]}}\n`;
  });
  return cluster + docs.join('');
}
