import { describe, expect, it } from 'vitest';
import {
  type FabricGraph,
  fabricGraph,
  type GraphBackend,
  renderDot,
  renderMermaid,
} from '../../src/inspect/index.js';
import { yaml } from '../topology/helpers.js';
import { fromFile, fromText, pairs, withFlanneld } from './graph-helpers.js';

/** Three nodes: two on rack1, one on rack2 (the loader adds the router), names with `-` and `.`. */
function threeNodes(backend: GraphBackend): string {
  return yaml(
    'apiVersion: podwire/v1',
    'kind: Cluster',
    `metadata: {name: three-${backend}}`,
    'spec:',
    `  network: {backend: ${backend}}`,
    '  underlay:',
    '    - {name: rack1, cidr: 192.168.56.0/24}',
    '    - {name: rack2, cidr: 192.168.57.0/24}',
    '  nodes:',
    '    - {name: worker-1, subnet: rack1}',
    '    - {name: worker.2, subnet: rack1}',
    '    - {name: edge-3, subnet: rack2}',
  );
}

describe('fabricGraph() on topologies/pods-on-a-node.yaml, flanneld running', () => {
  const { cluster } = fromFile('topologies/pods-on-a-node.yaml');
  const graph = fabricGraph(withFlanneld(cluster, true));

  it('shows the rack, both nodes with eth0, cni0 and flannel.1, and the pods with their addresses', () => {
    expect(graph.title).toBe('pods-on-a-node');
    expect(graph.racks).toEqual([{ kind: 'rack', id: 'rack_rack1', name: 'rack1', cidr: '192.168.56.0/24' }]);
    expect(graph.routers).toEqual([]);
    expect(graph.nodes.map((n) => [n.name, n.eth0.address, n.cni0.address, n.flannel])).toEqual([
      ['node1', '192.168.56.11/24', '10.244.0.1/24', { dev: 'flannel.1', address: '10.244.0.0/32' }],
      ['node2', '192.168.56.12/24', '10.244.1.1/24', { dev: 'flannel.1', address: '10.244.1.0/32' }],
    ]);
    expect(graph.pods.map((p) => [p.name, p.node, p.ip, p.state])).toEqual([
      ['pa', 'node1', '10.244.0.2', 'Running'],
      ['pb', 'node1', '10.244.0.3', 'Running'],
      ['pc', 'node2', '10.244.1.2', 'Running'],
    ]);
  });

  it('links each pod to its node through a veth that is a port of that node’s cni0', () => {
    const veths = graph.links.filter((l) => l.kind === 'veth');
    expect(veths.map((l) => [l.from, l.to])).toEqual([
      ['node_node1', 'pod_default_pa'],
      ['node_node1', 'pod_default_pb'],
      ['node_node2', 'pod_default_pc'],
    ]);
    for (const [i, l] of veths.entries()) {
      const m = /^cni0 — (veth[0-9a-f]{8})$/.exec(l.label);
      expect(m, l.label).not.toBeNull();
      const node = i < 2 ? 'node1' : 'node2';
      const dev = cluster.nodes.get(node)?.ns.deviceByName(m?.[1] ?? '');
      expect(dev?.kind).toBe('veth');
    }
    expect(new Set(veths.map((l) => l.label)).size).toBe(3);
  });

  it('cables both nodes to rack1 and joins them with one vxlan tunnel', () => {
    expect(graph.links.filter((l) => l.kind === 'underlay').map((l) => [l.from, l.to, l.label])).toEqual([
      ['rack_rack1', 'node_node1', 'eth0'],
      ['rack_rack1', 'node_node2', 'eth0'],
    ]);
    expect(pairs(graph, 'tunnel')).toEqual(['node1~node2']);
    expect(pairs(graph, 'direct')).toEqual([]);
  });
});

describe('fabricGraph() on topologies/two-racks.yaml, flanneld running', () => {
  const { cluster } = fromFile('topologies/two-racks.yaml');
  const graph = fabricGraph(withFlanneld(cluster, true));

  it('gives the router its interface on each rack and tunnels every pair of the four nodes', () => {
    expect(graph.racks.map((r) => r.cidr)).toEqual(['192.168.56.0/24', '192.168.57.0/24']);
    expect(graph.routers).toEqual([
      {
        kind: 'router',
        id: 'router_router',
        name: 'router',
        interfaces: [
          { dev: 'eth0', address: '192.168.56.1/24', rack: 'rack1' },
          { dev: 'eth1', address: '192.168.57.1/24', rack: 'rack2' },
        ],
      },
    ]);
    expect(graph.nodes.map((n) => `${n.name}@${n.rack}`)).toEqual([
      'master@rack1',
      'node1@rack1',
      'node2@rack2',
      'node3@rack2',
    ]);
    expect(pairs(graph, 'tunnel')).toEqual([
      'master~node1',
      'master~node2',
      'master~node3',
      'node1~node2',
      'node1~node3',
      'node2~node3',
    ]);
    expect(graph.pods).toEqual([]);
  });
});

describe('fabricGraph() per flannel backend (worker-1, worker.2 on rack1; edge-3 on rack2)', () => {
  const ALL = ['worker-1~worker.2', 'worker-1~edge-3', 'worker.2~edge-3'];
  const cases: readonly [GraphBackend, string[], string[], string | null, string][] = [
    ['vxlan', ALL, [], 'flannel.1', 'vxlan VNI 1'],
    ['udp', ALL, [], 'flannel0', 'udp 8285'],
    [
      'vxlan-directrouting',
      ['worker-1~edge-3', 'worker.2~edge-3'],
      ['worker-1~worker.2'],
      'flannel.1',
      'vxlan VNI 1',
    ],
    ['host-gw', [], ['worker-1~worker.2'], null, ''],
  ];
  for (const [backend, tunnels, direct, dev, label] of cases) {
    it(`${backend}: tunnels ${tunnels.length}, direct routes ${direct.length}, device ${dev ?? 'none'}`, () => {
      const { graph } = fromText(threeNodes(backend));
      expect(graph.backend).toBe(backend);
      expect(graph.flanneld).toBe(true);
      expect(pairs(graph, 'tunnel')).toEqual(tunnels);
      expect(pairs(graph, 'direct')).toEqual(direct);
      for (const l of graph.links.filter((x) => x.kind === 'tunnel')) expect(l.label).toBe(label);
      expect(graph.nodes.map((n) => n.flannel?.dev ?? null)).toEqual([dev, dev, dev]);
      expect(graph.nodes.map((n) => n.flannel?.address ?? null)).toEqual(
        dev === null ? [null, null, null] : ['10.244.0.0/32', '10.244.1.0/32', '10.244.2.0/32'],
      );
    });
  }

  it('draws node-to-node paths unlabelled in DOT (a tooltip and the legend say what they are)', () => {
    const dot = renderDot(fromText(threeNodes('vxlan-directrouting')).graph);
    expect(dot).toContain(
      '  label="three-vxlan-directrouting (flannel vxlan-directrouting)\\ndashed: vxlan VNI 1, bold: direct route";',
    );
    expect(dot).toContain(
      '  node_worker_1 -- node_worker_2 [tooltip="direct route", style=bold, color=darkgreen, constraint=false];',
    );
    expect(dot).toContain(
      '  node_worker_1 -- node_edge_3 [tooltip="vxlan VNI 1", style=dashed, color=blue, constraint=false];',
    );
    const mermaid = renderMermaid(fromText(threeNodes('vxlan-directrouting')).graph);
    expect(mermaid).toContain('  node_worker_1 ===|"direct route"| node_worker_2');
    expect(mermaid).toContain('  node_worker_2 -.-|"vxlan VNI 1"| node_edge_3');
  });

  it('flanneld not running: no flannel device, no tunnel or direct route, and the caption says so', () => {
    for (const backend of ['vxlan', 'host-gw'] as const) {
      const { cluster } = fromText(threeNodes(backend));
      const graph = fabricGraph(withFlanneld(cluster, false));
      expect(graph.flanneld).toBe(false);
      expect(graph.nodes.map((n) => n.flannel)).toEqual([null, null, null]);
      expect(graph.links.filter((l) => l.kind === 'tunnel' || l.kind === 'direct')).toEqual([]);
      expect(graph.links.filter((l) => l.kind === 'underlay')).toHaveLength(5);
      expect(renderDot(graph)).toContain(
        `  label="three-${backend} (flannel ${backend}, flanneld not running)";`,
      );
    }
  });

  it('gives names with - and . ids of letters, digits and _ only', () => {
    const { graph } = fromText(threeNodes('vxlan'));
    expect(graph.nodes.map((n) => n.id)).toEqual(['node_worker_1', 'node_worker_2', 'node_edge_3']);
  });
});

describe('fabricGraph() on pods without a veth', () => {
  it('shows a pod stuck in ContainerCreating without an address (test/fixtures/small-podcidr.yaml)', () => {
    const { graph } = fromFile('test/fixtures/small-podcidr.yaml');
    const p6 = graph.pods.find((p) => p.name === 'p6');
    expect(p6).toMatchObject({ ip: null, state: 'ContainerCreating' });
    expect(graph.links.filter((l) => l.kind === 'no-network').map((l) => l.to)).toEqual(['pod_default_p6']);
    expect(renderDot(graph)).toContain(
      'pod_default_p6 [shape=ellipse, style=dashed, label="p6\\nContainerCreating"];',
    );
    expect(renderMermaid(graph)).toContain('    pod_default_p6("p6<br/>ContainerCreating")');
    expect(renderMermaid(graph)).toContain('  class pod_default_p6 stuck');
  });

  it('shows a hostNetwork pod with its node’s address, and keeps ids apart for a-b and a.b', () => {
    const { graph } = fromText(
      yaml(
        'apiVersion: podwire/v1',
        'kind: Cluster',
        'spec:',
        '  underlay: [{name: rack1, cidr: 10.1.0.0/24}]',
        '  nodes: [{name: a-b, subnet: rack1}, {name: a.b, subnet: rack1}]',
        '---',
        '{apiVersion: v1, kind: Pod, metadata: {name: h, namespace: kube-system},',
        ' spec: {nodeName: a.b, hostNetwork: true, containers: [{name: c, image: busybox}]}}',
      ),
    );
    expect(graph.nodes.map((n) => n.id)).toEqual(['node_a_b', 'node_a_b_2']);
    expect(graph.pods).toMatchObject([{ namespace: 'kube-system', ip: '10.1.0.12', hostNetwork: true }]);
    expect(graph.links.filter((l) => l.kind === 'host-network')).toEqual([
      { kind: 'host-network', from: 'node_a_b_2', to: 'pod_kube_system_h', label: 'hostNetwork' },
    ]);
    expect(renderDot(graph)).toContain('label="kube-system/h\\n10.1.0.12 (hostNetwork)"');
  });
});

describe('renderDot() and renderMermaid()', () => {
  const tiny = yaml(
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'metadata: {name: tiny}',
    'spec:',
    '  network: {backend: host-gw}',
    '  underlay: [{name: rack1, cidr: 10.0.0.0/24}]',
    '  nodes: [{name: n-1, subnet: rack1}]',
    '---',
    '{apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {nodeName: n-1, containers: [{name: c, image: nginx}]}}',
  );
  const { cluster, graph } = fromText(tiny);
  const veth =
    cluster.nodes
      .get('n-1')
      ?.ns.devices()
      .find((d) => d.kind === 'veth')?.name ?? 'none';

  it('writes DOT: an undirected graph, one cluster per rack, quoted labels with \\n line breaks', () => {
    expect(renderDot(graph)).toBe(
      [
        'graph "tiny" {',
        '  label="tiny (flannel host-gw)";',
        '  labelloc=t;',
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
        '  subgraph cluster_rack_rack1 {',
        '    label="rack1";',
        '    rack_rack1 [shape=box, style="rounded,filled", fillcolor=gray90, label="rack1\\n10.0.0.0/24"];',
        '    node_n_1 [shape=box, label="n-1\\neth0 10.0.0.11/24\\ncni0 10.244.0.1/24"];',
        '    pod_default_web [shape=ellipse, label="web\\n10.244.0.2"];',
        '  }',
        '  rack_rack1 -- node_n_1 [label="eth0"];',
        `  node_n_1 -- pod_default_web [label="cni0 — ${veth}"];`,
        '}',
        '',
      ].join('\n'),
    );
  });

  it('writes a Mermaid flowchart: front-matter title, a subgraph per rack, quoted labels, --- edges', () => {
    expect(renderMermaid(graph)).toBe(
      [
        '---',
        'title: "tiny (flannel host-gw)"',
        '---',
        'flowchart TB',
        '  subgraph cluster_rack_rack1 ["rack1"]',
        '    rack_rack1[["rack1<br/>10.0.0.0/24"]]',
        '    node_n_1["n-1<br/>eth0 10.0.0.11/24<br/>cni0 10.244.0.1/24"]',
        '    pod_default_web("web<br/>10.244.0.2")',
        '  end',
        '  rack_rack1 ---|"eth0"| node_n_1',
        `  node_n_1 ---|"cni0 — ${veth}"| pod_default_web`,
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes and backslashes for DOT, quotes and angle brackets for Mermaid', () => {
    const odd: FabricGraph = {
      ...graph,
      title: 'say "hi" \\ <b>',
      links: [{ kind: 'tunnel', from: 'node_n_1', to: 'rack_rack1', label: 'a "b" <c>' }],
    };
    const dot = renderDot(odd);
    expect(dot).toContain('graph "say \\"hi\\" \\\\ <b>" {');
    expect(dot).toContain('node_n_1 -- rack_rack1 [tooltip="a \\"b\\" <c>", style=dashed');
    const mermaid = renderMermaid(odd);
    expect(mermaid).toContain('title: "say \\"hi\\" \\\\ <b> (flannel host-gw)"');
    expect(mermaid).toContain('  node_n_1 -.-|"a #quot;b#quot; #lt;c#gt;"| rack_rack1');
  });
});
