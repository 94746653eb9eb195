/**
 * `kubectl get statefulsets`: printers.go printStatefulSet: READY as readyReplicas/spec.replicas;
 * -o wide adds CONTAINERS and IMAGES (no selector column).
 */

import type { StatefulSet } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';
import { containerCells } from './labels.js';

export const STATEFUL_SET_TABLE: ResourceTable<StatefulSet> = {
  nameKind: 'statefulset.apps',
  namespaced: true,
  columns: ['NAME', 'READY', 'AGE'],
  wideColumns: ['CONTAINERS', 'IMAGES'],
  cells(ss, wide, nowNs) {
    const cells = [
      ss.metadata.name,
      `${ss.status?.readyReplicas ?? 0}/${ss.spec.replicas ?? 1}`,
      age(ss.metadata.creationTimestamp, nowNs),
    ];
    if (wide) cells.push(...containerCells(ss.spec.template.spec.containers));
    return cells;
  },
};

/** `kubectl get statefulsets`. */
export function getStatefulSets(statefulSets: readonly StatefulSet[], opts: GetOptions): GetResult {
  return kubectlGet(STATEFUL_SET_TABLE, statefulSets, opts);
}
