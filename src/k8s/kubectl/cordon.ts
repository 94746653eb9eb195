/**
 * `kubectl cordon` / `uncordon` (pkg/cmd/drain RunCordonOrUncordon with drain.CordonHelper): set or
 * clear spec.unschedulable, printing `node/<name> cordoned` or `… already cordoned` when nothing changes.
 */

import type { Node } from '../api/index.js';
import type { ApiStore } from '../store/index.js';
import { errorLines, type KubectlResult, result } from './output.js';

export function cordon(store: ApiStore, node: string): KubectlResult {
  return setUnschedulable(store, node, true);
}

export function uncordon(store: ApiStore, node: string): KubectlResult {
  return setUnschedulable(store, node, false);
}

export function setUnschedulable(store: ApiStore, name: string, desired: boolean): KubectlResult {
  let node: Node;
  try {
    node = store.get<Node>('Node', undefined, name);
  } catch (e) {
    return result([], errorLines(e));
  }
  const verb = desired ? 'cordoned' : 'uncordoned';
  if ((node.spec.unschedulable ?? false) === desired) return result([`node/${name} already ${verb}`]);
  // false is omitted from the JSON (omitempty), so uncordon drops the field.
  const { unschedulable: _u, ...rest } = node.spec;
  store.update({
    ...node,
    metadata: { ...node.metadata, resourceVersion: '' },
    spec: desired ? { ...rest, unschedulable: true } : rest,
  });
  return result([`node/${name} ${verb}`]);
}
