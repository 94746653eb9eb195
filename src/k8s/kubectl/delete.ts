/**
 * `kubectl delete KIND NAME` (pkg/cmd/delete, current release): `pod "x" deleted from default namespace`
 * for namespaced objects (older releases printed `pod "x" deleted`), `node "x" deleted` for cluster-scoped
 * ones. A pod gets its default grace period (terminationGracePeriodSeconds, 30 if unset; 0 when unbound).
 * Garbage collection of dependents (cascade) is left to the controllers that own them.
 */

import type { Pod } from '../api/index.js';
import { podDeleteGraceSeconds } from '../node-lifecycle/index.js';
import { type ApiStore, isNamespaced } from '../store/index.js';
import { errorLines, type KubectlResult, kindString, result } from './output.js';
import { getTyped } from './scale.js';

export function deleteObject(
  store: ApiStore,
  kind: string,
  namespace: string | undefined,
  name: string,
  options: { readonly gracePeriodSeconds?: number } = {},
): KubectlResult {
  try {
    const obj = getTyped(store, kind, namespace, name);
    const grace = kind === 'Pod' ? podDeleteGraceSeconds(obj as Pod, options.gracePeriodSeconds) : 0;
    store.delete(kind, namespace, name, { gracePeriodSeconds: grace });
    const ns = obj.metadata.namespace ?? 'default';
    const operation = options.gracePeriodSeconds === 0 ? 'force deleted' : 'deleted';
    const where = isNamespaced(kind) ? ` from ${ns} namespace` : '';
    return result([`${kindString(obj.apiVersion, kind)} "${name}" ${operation}${where}`]);
  } catch (e) {
    return result([], errorLines(e));
  }
}
