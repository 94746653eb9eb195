import { loadTopologyText, renderIssue, type Topology } from '../../src/topology/index.js';

/** Joins lines into a YAML text (keeps tests readable and columns countable). */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Loads text that must be valid and returns its topology. */
export function loadOk(text: string): Topology {
  const result = loadTopologyText(text, 'x.yaml');
  if (!result.ok)
    throw new Error(
      `expected a valid file, got:\n${result.issues.map((i) => renderIssue(i, 'x.yaml')).join('\n')}`,
    );
  return result.topology;
}

/** Loads text that must be invalid and returns the rendered issue lines for file `x.yaml`. */
export function issueLines(text: string): string[] {
  const result = loadTopologyText(text, 'x.yaml');
  if (result.ok) throw new Error('expected issues, but the file loaded');
  return result.issues.map((i) => renderIssue(i, 'x.yaml'));
}

/** The header of a Cluster document. */
export const CLUSTER = ['apiVersion: podwire/v1', 'kind: Cluster'];

/** A small valid Cluster document (lines 1–9), to put a Scenario after. */
export const SMALL_CLUSTER = [
  ...CLUSTER,
  'spec:',
  '  underlay:',
  '    - {name: rack1, cidr: 192.168.56.0/24}',
  '    - {name: rack2, cidr: 192.168.57.0/24}',
  '  nodes:',
  '    - {name: node1, subnet: rack1}',
  '    - {name: node2, subnet: rack2}',
];
