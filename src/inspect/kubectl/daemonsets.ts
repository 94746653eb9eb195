/**
 * `kubectl get daemonsets`: printers.go printDaemonSet: DESIRED, CURRENT, READY, UP-TO-DATE and
 * AVAILABLE from the status, NODE SELECTOR from the pod template (labels.FormatLabels); -o wide adds
 * CONTAINERS, IMAGES and SELECTOR.
 */

import type { DaemonSet } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';
import { containerCells, formatLabelSelector, formatLabels } from './labels.js';

export const DAEMON_SET_TABLE: ResourceTable<DaemonSet> = {
  nameKind: 'daemonset.apps',
  namespaced: true,
  columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
  wideColumns: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  cells(ds, wide, nowNs) {
    const s = ds.status;
    const cells = [
      ds.metadata.name,
      String(s?.desiredNumberScheduled ?? 0),
      String(s?.currentNumberScheduled ?? 0),
      String(s?.numberReady ?? 0),
      String(s?.updatedNumberScheduled ?? 0),
      String(s?.numberAvailable ?? 0),
      formatLabels(ds.spec.template.spec.nodeSelector),
      age(ds.metadata.creationTimestamp, nowNs),
    ];
    if (wide)
      cells.push(...containerCells(ds.spec.template.spec.containers), formatLabelSelector(ds.spec.selector));
    return cells;
  },
};

/** `kubectl get daemonsets`. */
export function getDaemonSets(daemonSets: readonly DaemonSet[], opts: GetOptions): GetResult {
  return kubectlGet(DAEMON_SET_TABLE, daemonSets, opts);
}
