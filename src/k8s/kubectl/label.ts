/**
 * `kubectl label KIND NAME k=v k2-` (pkg/cmd/label): refuses to change an existing different value
 * without --overwrite (`'k' already has a value (v), and --overwrite is false`); prints
 * `<kind>/<name> labeled`, `unlabeled` (only removals, no --overwrite) or `not labeled`.
 */

import type { ApiStore, KubeObject } from '../store/index.js';
import { aggregateLines, errorLines, type KubectlResult, named, result } from './output.js';

/** `labels`: a value sets the label, null removes it. */
export function label(
  store: ApiStore,
  kind: string,
  name: string,
  namespace: string | undefined,
  labels: Readonly<Record<string, string | null>>,
  overwrite = false,
): KubectlResult {
  let obj: KubeObject;
  try {
    obj = store.get(kind, namespace, name);
  } catch (e) {
    return result([], errorLines(e));
  }
  const old = obj.metadata.labels ?? {};
  if (!overwrite) {
    const errs: string[] = [];
    for (const [k, v] of Object.entries(labels)) {
      const cur = old[k];
      if (v !== null && cur !== undefined && cur !== v) {
        errs.push(`'${k}' already has a value (${cur}), and --overwrite is false`);
      }
    }
    if (errs.length > 0) return result([], aggregateLines(errs));
  }
  const stdout: string[] = [];
  const next: Record<string, string> = { ...old };
  for (const [k, v] of Object.entries(labels)) {
    if (v !== null) next[k] = v;
  }
  for (const [k, v] of Object.entries(labels)) {
    if (v !== null) continue;
    if (next[k] === undefined) stdout.push(`label "${k}" not found.`);
    delete next[k];
  }
  const before = JSON.stringify(old);
  const after = JSON.stringify(next);
  let msg = 'not labeled';
  if (before !== after) {
    msg = !overwrite && after.length < before.length ? 'unlabeled' : 'labeled';
    const { labels: _l, ...meta } = obj.metadata;
    const metadata = Object.keys(next).length === 0 ? meta : { ...meta, labels: next };
    store.update({ ...obj, metadata: { ...metadata, resourceVersion: '' } });
  }
  stdout.push(named(obj.apiVersion, obj.kind, name, msg));
  return result(stdout);
}
