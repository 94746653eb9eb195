/**
 * The fabric graph (graph.ts) as text for the two common diagram tools: Graphviz DOT (`dot -Tsvg`) and a
 * Mermaid `flowchart`. Both draw the same thing in the same order: routers, then one box per rack holding
 * the rack's segment, its nodes and their pods, then the links. Labels are escaped for each syntax; ids
 * are the model's (letters, digits and `_` only, always starting with a letter).
 */

import {
  type FabricGraph,
  type GraphLink,
  type GraphLinkKind,
  type GraphNode,
  type GraphPod,
  type GraphRack,
  vertexLines,
} from './graph.js';

/** What one rack's box holds, in declared order. */
interface RackBox {
  readonly rack: GraphRack;
  readonly nodes: readonly GraphNode[];
  readonly pods: readonly GraphPod[];
}

function rackBoxes(g: FabricGraph): { readonly boxes: RackBox[]; readonly loosePods: GraphPod[] } {
  const rackOf = new Map(g.nodes.map((n) => [n.name, n.rack]));
  const boxes = g.racks.map((rack) => ({
    rack,
    nodes: g.nodes.filter((n) => n.rack === rack.name),
    pods: g.pods.filter((p) => rackOf.get(p.node) === rack.name),
  }));
  const loosePods = g.pods.filter((p) => !g.racks.some((r) => r.name === rackOf.get(p.node)));
  return { boxes, loosePods };
}

function caption(g: FabricGraph): string {
  return `${g.title} (flannel ${g.backend}${g.flanneld ? '' : ', flanneld not running'})`;
}

/** DOT edge attributes per link kind: tunnels dashed, direct routes bold, pods without a veth dotted. */
const DOT_EDGE: Readonly<Record<GraphLinkKind, string>> = {
  underlay: '',
  veth: '',
  'host-network': ', style=dotted',
  'no-network': ', style=dotted, color=gray50',
  // Node-to-node paths do not rank the layout, so the nodes of one rack stay side by side.
  tunnel: ', style=dashed, color=blue, constraint=false',
  direct: ', style=bold, color=darkgreen, constraint=false',
};

/**
 * Node-to-node paths carry their text as a tooltip (shown on hover in SVG) and in the caption's legend,
 * not as a label: dot 2.43 fails ("trouble in init_rank") or warns on labelled edges within one rank.
 */
const DOT_LEGEND: readonly (readonly [GraphLinkKind, string])[] = [
  ['tunnel', 'dashed'],
  ['direct', 'bold'],
];

/** The caption's second line, for the node-to-node kinds present: `dashed: vxlan VNI 1, bold: direct route`. */
function dotLegend(g: FabricGraph): string[] {
  const parts: string[] = [];
  for (const [kind, style] of DOT_LEGEND) {
    const first = g.links.find((l) => l.kind === kind);
    if (first !== undefined) parts.push(`${style}: ${first.label}`);
  }
  return parts.length === 0 ? [] : [parts.join(', ')];
}

function dotEdge(l: GraphLink): string {
  const nodeToNode = DOT_LEGEND.some(([kind]) => kind === l.kind);
  return `${l.from} -- ${l.to} [${nodeToNode ? 'tooltip' : 'label'}=${dotString([l.label])}${DOT_EDGE[l.kind]}];`;
}

/** A DOT double-quoted string: `\` and `"` escaped, lines joined by DOT's centred line break `\n`. */
function dotString(lines: readonly string[]): string {
  return `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
}

function dotPod(p: GraphPod): string {
  return `${p.id} [shape=ellipse${p.ip === null ? ', style=dashed' : ''}, label=${dotString(vertexLines(p))}];`;
}

/** The graph in Graphviz DOT, an undirected `graph` with one `cluster_…` subgraph per rack. */
export function renderDot(g: FabricGraph): string {
  const out = [
    `graph ${dotString([g.title])} {`,
    `  label=${dotString([caption(g), ...dotLegend(g)])};`,
    '  labelloc=t;',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const r of g.routers) out.push(`  ${r.id} [shape=hexagon, label=${dotString(vertexLines(r))}];`);
  const { boxes, loosePods } = rackBoxes(g);
  for (const { rack, nodes, pods } of boxes) {
    out.push(`  subgraph cluster_${rack.id} {`, `    label=${dotString([rack.name])};`);
    out.push(
      `    ${rack.id} [shape=box, style="rounded,filled", fillcolor=gray90, label=${dotString(vertexLines(rack))}];`,
    );
    for (const n of nodes) out.push(`    ${n.id} [shape=box, label=${dotString(vertexLines(n))}];`);
    for (const p of pods) out.push(`    ${dotPod(p)}`);
    out.push('  }');
  }
  for (const p of loosePods) out.push(`  ${dotPod(p)}`);
  for (const l of g.links) out.push(`  ${dotEdge(l)}`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Mermaid link syntax per kind: `---` cables and veths, `-.-` dotted (tunnels, pods without a veth), `===` routes. */
const MERMAID_EDGE: Readonly<Record<GraphLinkKind, string>> = {
  underlay: '---',
  veth: '---',
  'host-network': '-.-',
  'no-network': '-.-',
  tunnel: '-.-',
  direct: '===',
};

/**
 * A Mermaid quoted label: `"`, `<`, `>` as Mermaid's entity codes (`#quot;`, `#lt;`, `#gt;`), so no name
 * can end the string or open HTML; lines joined by `<br/>`.
 */
function mermaidString(lines: readonly string[]): string {
  const esc = (l: string) => l.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  return `"${lines.map(esc).join('<br/>')}"`;
}

function mermaidPod(p: GraphPod): string {
  return `${p.id}(${mermaidString(vertexLines(p))})`;
}

/**
 * The graph as a Mermaid `flowchart`, titled by front matter: routers as hexagons, one subgraph per rack
 * (its segment, nodes and pods), nodes as boxes, pods rounded; pods stuck without an address get the
 * dashed class `stuck`.
 */
export function renderMermaid(g: FabricGraph): string {
  const out = ['---', `title: ${JSON.stringify(caption(g))}`, '---', 'flowchart TB'];
  for (const r of g.routers) out.push(`  ${r.id}{{${mermaidString(vertexLines(r))}}}`);
  const { boxes, loosePods } = rackBoxes(g);
  for (const { rack, nodes, pods } of boxes) {
    out.push(`  subgraph cluster_${rack.id} [${mermaidString([rack.name])}]`);
    out.push(`    ${rack.id}[[${mermaidString(vertexLines(rack))}]]`);
    for (const n of nodes) out.push(`    ${n.id}[${mermaidString(vertexLines(n))}]`);
    for (const p of pods) out.push(`    ${mermaidPod(p)}`);
    out.push('  end');
  }
  for (const p of loosePods) out.push(`  ${mermaidPod(p)}`);
  for (const l of g.links)
    out.push(`  ${l.from} ${MERMAID_EDGE[l.kind]}|${mermaidString([l.label])}| ${l.to}`);
  const stuck = g.pods.filter((p) => p.ip === null).map((p) => p.id);
  if (stuck.length > 0)
    out.push('  classDef stuck stroke-dasharray: 5 5', `  class ${stuck.join(',')} stuck`);
  return `${out.join('\n')}\n`;
}
