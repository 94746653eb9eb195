/**
 * Field selectors (`--field-selector`, fields.ParseSelector): equality on the few fields the API server
 * indexes for every kind (`metadata.name`, `metadata.namespace`) and on a pod's `spec.nodeName`, the one
 * the kubelet watches its pods by. `spec.nodeName` is what the store files watchers under, so a commit
 * reaches one kubelet instead of being offered to all of them.
 */

import { invalid } from './errors.js';
import type { KubeObject } from './types.js';

export interface FieldRequirement {
  readonly field: 'metadata.name' | 'metadata.namespace' | 'spec.nodeName';
  readonly value: string;
  readonly equal: boolean;
}

const FIELDS = new Set(['metadata.name', 'metadata.namespace', 'spec.nodeName']);
const TERM_RE = /^([^\s!=,]+)\s*(==|=|!=)\s*([^\s!=,]*)$/;

/** Parses `spec.nodeName=node1,metadata.namespace!=kube-system`; throws Invalid on any other field. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const m = TERM_RE.exec(term);
    if (m === null) throw invalid(`invalid selector: '${term}'; can't understand '${term}'`);
    const field = m[1] ?? '';
    if (!FIELDS.has(field)) throw invalid(`field label not supported: ${field}`);
    out.push({ field: field as FieldRequirement['field'], value: m[3] ?? '', equal: m[2] !== '!=' });
  }
  return out;
}

/** The value of a selectable field ('' when absent, as the API server's field sets give it). */
export function fieldValue(obj: KubeObject, field: FieldRequirement['field']): string {
  switch (field) {
    case 'metadata.name':
      return obj.metadata.name;
    case 'metadata.namespace':
      return obj.metadata.namespace ?? '';
    case 'spec.nodeName': {
      const spec = (obj as { readonly spec?: { readonly nodeName?: unknown } }).spec;
      return typeof spec?.nodeName === 'string' ? spec.nodeName : '';
    }
  }
}

/** True when `obj` meets every requirement. */
export function fieldsMatch(reqs: readonly FieldRequirement[], obj: KubeObject): boolean {
  for (const r of reqs) if ((fieldValue(obj, r.field) === r.value) !== r.equal) return false;
  return true;
}

/** The node a watcher is confined to (`spec.nodeName=X`), if its selector says so. */
export function nodeOf(reqs: readonly FieldRequirement[]): string | undefined {
  return reqs.find((r) => r.field === 'spec.nodeName' && r.equal)?.value;
}
