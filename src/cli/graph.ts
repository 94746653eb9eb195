import { fabricGraph, renderDot, renderMermaid } from '../inspect/index.js';
import { build, loadOrFail } from './load.js';
import type { Output } from './output.js';

export type GraphFormat = 'dot' | 'mermaid';

export interface GraphArgs {
  readonly file: string;
  readonly format: GraphFormat;
}

/**
 * `podwire graph FILE [--format dot|mermaid]`: the fabric FILE builds — racks, routers, nodes, pods and
 * the links between them, flannel's tunnels or direct routes included — as Graphviz DOT or Mermaid.
 */
export function graphCommand(args: GraphArgs, io: Output): number {
  const graph = fabricGraph(build(loadOrFail(args.file), undefined));
  io.out(args.format === 'mermaid' ? renderMermaid(graph) : renderDot(graph));
  return 0;
}
