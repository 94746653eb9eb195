/**
 * Maps a field path (`['spec', 'nodes', 2, 'subnet']`) to the line and column of that node in the YAML
 * source, walking the `yaml` AST, which keeps a source range for every node. A path that leaves the
 * document (a missing field) stops at the deepest node that exists: the parent object.
 */

import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter } from 'yaml';
import type { PathKey } from './issues.js';

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** Which end of a mapping entry to point at: the value (most issues) or the key (an unknown field). */
export type Anchor = 'value' | 'key';

function startOf(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[0];
  return undefined;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/** The source offset of the node at `path` (or of its deepest existing ancestor). */
export function offsetOf(doc: Document, path: readonly PathKey[], anchor: Anchor): number {
  let node: unknown = doc.contents;
  let at = startOf(node) ?? doc.range?.[0] ?? 0;
  for (const [i, key] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(key));
      if (pair === undefined) break;
      if (anchor === 'key' && i === path.length - 1) return startOf(pair.key) ?? at;
      at = startOf(pair.value) ?? startOf(pair.key) ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      if (item === undefined) break;
      at = startOf(item) ?? at;
      node = item;
    } else {
      break;
    }
  }
  return at;
}

/** The line and column of the node at `path`. */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: readonly PathKey[],
  anchor: Anchor,
): Position {
  return lines.linePos(offsetOf(doc, path, anchor));
}
