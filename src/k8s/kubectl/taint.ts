/**
 * `kubectl taint nodes NODE SPEC…` (pkg/cmd/taint): specs `key=value:Effect`, `key:Effect` to add,
 * `key:Effect-` or `key-` to remove. New taints go first, then the node's others (reorganizeTaints);
 * the result is `node/<name> tainted`, `untainted`, or `modified` (both, or --overwrite).
 */

import type { Node, Taint } from '../api/index.js';
import type { ApiStore } from '../store/index.js';
import { aggregateLines, errorLines, type KubectlResult, result } from './output.js';

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const USAGE = "See 'kubectl taint -h' for help and examples";

interface Spec {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
}

/** validation.IsQualifiedName, the name-part and prefix rules (messages as apimachinery words them). */
function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const errs: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix === '') errs.push('prefix part must be non-empty');
    else if (!DNS1123_SUBDOMAIN_RE.test(prefix) || prefix.length > 253) {
      errs.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
    }
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!NAME_RE.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errs;
}

/** parseTaint. */
function parseTaint(st: string): Spec {
  const parts = st.split(':');
  let key = '';
  let value = '';
  let effect = '';
  if (parts.length === 1) key = parts[0] as string;
  else if (parts.length === 2) {
    effect = parts[1] as string;
    if (!EFFECTS.has(effect)) throw new Error(`invalid taint effect: ${effect}, unsupported taint effect`);
    const kv = (parts[0] as string).split('=');
    if (kv.length > 2) throw new Error(`invalid taint spec: ${st}`);
    key = kv[0] as string;
    if (kv.length === 2) value = kv[1] as string;
  } else throw new Error(`invalid taint spec: ${st}`);
  const errs = qualifiedNameErrors(key);
  if (errs.length > 0) throw new Error(`invalid taint spec: ${st}, ${errs.join('; ')}`);
  return { key, value, effect };
}

/** Taint.ToString. */
function taintString(t: Spec): string {
  if (t.effect === '') return t.value === '' ? t.key : `${t.key}=${t.value}:`;
  return t.value === '' ? `${t.key}:${t.effect}` : `${t.key}=${t.value}:${t.effect}`;
}

function toTaint(s: Spec): Taint {
  return s.value === ''
    ? { key: s.key, effect: s.effect as Taint['effect'] }
    : { key: s.key, value: s.value, effect: s.effect as Taint['effect'] };
}

export function taint(
  store: ApiStore,
  nodeName: string,
  args: readonly string[],
  overwrite = false,
): KubectlResult {
  const add: Spec[] = [];
  const remove: Spec[] = [];
  try {
    for (const spec of args) {
      if (spec.endsWith('-')) {
        const t = parseTaint(spec.slice(0, -1));
        remove.push({ key: t.key, value: '', effect: t.effect });
        continue;
      }
      const t = parseTaint(spec);
      if (t.effect === '') throw new Error(`invalid taint spec: ${spec}`);
      if (add.some((a) => a.key === t.key && a.effect === t.effect)) {
        throw new Error(`duplicated taints with the same key and effect: ${JSON.stringify(toTaint(t))}`);
      }
      add.push(t);
    }
  } catch (e) {
    // UsageErrorf: the message, then the help pointer.
    return result([], [`error: ${(e as Error).message}`, USAGE]);
  }
  const conflicts = add.flatMap((a) =>
    remove
      .filter((r) => r.key === a.key && (r.effect === '' || r.effect === a.effect))
      .map((r) => `{"${r.key}":"${r.effect}"}`),
  );
  if (conflicts.length > 0) {
    return result(
      [],
      [
        `error: can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`,
      ],
    );
  }
  let node: Node;
  try {
    node = store.get<Node>('Node', undefined, nodeName);
  } catch (e) {
    return result([], errorLines(e));
  }
  const old = node.spec.taints ?? [];
  if (!overwrite) {
    const exists = add.flatMap((a) =>
      old.filter((o) => o.key === a.key && o.effect === a.effect).map(() => a.key),
    );
    if (exists.length > 0) {
      return result(
        [],
        [
          `error: node ${nodeName} already has ${exists.join(',')} taint(s) with same effect(s) and --overwrite is false`,
        ],
      );
    }
  }
  // reorganizeTaints.
  let next: Taint[] = add.map(toTaint);
  for (const o of old) if (!next.some((t) => t.key === o.key && t.effect === o.effect)) next.push(o);
  const added = old.length !== next.length;
  const errs: string[] = [];
  let deleted = false;
  for (const r of remove) {
    const before = next.length;
    next = next.filter((t) => !(t.key === r.key && (r.effect === '' || t.effect === r.effect)));
    deleted = next.length !== before;
    if (!deleted) errs.push(`taint "${taintString(r)}" not found`);
  }
  if (errs.length > 0) return result([], aggregateLines(errs));
  const operation = (added && deleted) || overwrite ? 'modified' : added ? 'tainted' : 'untainted';
  const { taints: _t, ...rest } = node.spec;
  store.update({
    ...node,
    metadata: { ...node.metadata, resourceVersion: '' },
    spec: next.length === 0 ? rest : { ...rest, taints: next },
  });
  return result([`node/${nodeName} ${operation}`]);
}
