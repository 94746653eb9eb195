/**
 * `kubectl get replicasets`: printers.go printReplicaSet: DESIRED (spec), CURRENT and READY (status);
 * -o wide adds CONTAINERS, IMAGES and SELECTOR (metav1.FormatLabelSelector, `<none>` when empty).
 */

import type { ReplicaSet } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';
import { containerCells, formatLabelSelector } from './labels.js';

export const REPLICA_SET_TABLE: ResourceTable<ReplicaSet> = {
  nameKind: 'replicaset.apps',
  namespaced: true,
  columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
  wideColumns: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  cells(rs, wide, nowNs) {
    const cells = [
      rs.metadata.name,
      String(rs.spec.replicas ?? 1),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      age(rs.metadata.creationTimestamp, nowNs),
    ];
    if (wide)
      cells.push(...containerCells(rs.spec.template.spec.containers), formatLabelSelector(rs.spec.selector));
    return cells;
  },
};

/** `kubectl get replicasets`. */
export function getReplicaSets(replicaSets: readonly ReplicaSet[], opts: GetOptions): GetResult {
  return kubectlGet(REPLICA_SET_TABLE, replicaSets, opts);
}
