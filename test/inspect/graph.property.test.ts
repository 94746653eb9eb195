/**
 * Properties of `podwire graph` over random fabrics (podwire/testing's clusters with a drawn backend and
 * pods), and Graphviz drawing the DOT it writes (skipped when `dot` is not installed).
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fabricGraph, type GraphBackend, renderDot, renderMermaid } from '../../src/inspect/index.js';
import { loadGenerated } from '../../src/testing/index.js';
import { buildCluster } from '../../src/topology/index.js';
import { arbFabric, dotDeclarations, fromFile, mermaidDeclarations, pairs } from './graph-helpers.js';

function count<T>(xs: readonly T[], x: T): number {
  return xs.filter((y) => y === x).length;
}

describe('fabricGraph() properties', () => {
  it('every node and pod is declared exactly once in both formats, DOT ids are unique, pairs follow the backend', () => {
    fc.assert(
      fc.property(arbFabric, ({ text, draw, backend }) => {
        const graph = fabricGraph(buildCluster(loadGenerated(text)));
        const dot = dotDeclarations(renderDot(graph));
        const mermaid = mermaidDeclarations(renderMermaid(graph));
        expect(new Set(dot).size).toBe(dot.length);
        expect(dot.length).toBe(
          graph.racks.length + graph.routers.length + graph.nodes.length + graph.pods.length,
        );
        for (const v of [...graph.nodes, ...graph.pods]) {
          expect(count(dot, v.id)).toBe(1);
          expect(count(mermaid, v.id)).toBe(1);
        }
        const n = draw.nodes.length;
        let same = 0;
        for (const [i, a] of draw.nodes.entries())
          for (const b of draw.nodes.slice(i + 1)) if (a.subnet === b.subnet) same++;
        const all = (n * (n - 1)) / 2;
        const expected: Record<GraphBackend, [number, number]> = {
          vxlan: [all, 0],
          udp: [all, 0],
          'vxlan-directrouting': [all - same, same],
          'host-gw': [0, same],
        };
        expect([pairs(graph, 'tunnel').length, pairs(graph, 'direct').length]).toEqual(expected[backend]);
      }),
      { numRuns: 60 },
    );
  });
});

const haveDot = spawnSync('dot', ['-V'], { encoding: 'utf8' }).status === 0;
const dotSkipNote = haveDot ? '' : ' (SKIPPED: Graphviz `dot` is not on PATH; apt-get install graphviz)';

describe.skipIf(!haveDot)(`DOT rendered by Graphviz dot -Tsvg${dotSkipNote}`, () => {
  /** Runs `dot -Tsvg` and counts what it drew. */
  function svg(dotText: string): {
    readonly nodes: number;
    readonly edges: number;
    readonly clusters: number;
  } {
    const r = spawnSync('dot', ['-Tsvg'], { input: dotText, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('<svg');
    const n = (cls: string) => r.stdout.split(`class="${cls}"`).length - 1;
    return { nodes: n('node'), edges: n('edge'), clusters: n('cluster') };
  }

  const files = [
    'topologies/pods-on-a-node.yaml',
    'topologies/two-racks.yaml',
    'test/fixtures/small-podcidr.yaml',
  ];
  for (const file of files) {
    it(`draws every vertex, link and rack of ${file}`, () => {
      const { graph } = fromFile(file);
      expect(svg(renderDot(graph))).toEqual({
        nodes: graph.racks.length + graph.routers.length + graph.nodes.length + graph.pods.length,
        edges: graph.links.length,
        clusters: graph.racks.length,
      });
    });
  }

  it('draws random fabrics of every backend', () => {
    for (const { text } of fc.sample(arbFabric, { numRuns: 20, seed: 7 })) {
      const graph = fabricGraph(buildCluster(loadGenerated(text)));
      expect(svg(renderDot(graph))).toEqual({
        nodes: graph.racks.length + graph.routers.length + graph.nodes.length + graph.pods.length,
        edges: graph.links.length,
        clusters: graph.racks.length,
      });
    }
  });
});
