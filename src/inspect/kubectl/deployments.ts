/**
 * `kubectl get deployments`: printers.go printDeployment: READY as ready/desired, UP-TO-DATE and
 * AVAILABLE from the status; -o wide adds CONTAINERS, IMAGES and the selector
 * (LabelSelectorAsSelector(...).String(), empty for a selector that matches everything).
 */

import type { Deployment } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';
import { containerCells, selectorString } from './labels.js';

export const DEPLOYMENT_TABLE: ResourceTable<Deployment> = {
  nameKind: 'deployment.apps',
  namespaced: true,
  columns: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
  wideColumns: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  cells(d, wide, nowNs) {
    const s = d.status ?? {};
    // The API server defaults spec.replicas to 1.
    const cells = [
      d.metadata.name,
      `${s.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
      String(s.updatedReplicas ?? 0),
      String(s.availableReplicas ?? 0),
      age(d.metadata.creationTimestamp, nowNs),
    ];
    if (wide) cells.push(...containerCells(d.spec.template.spec.containers), selectorString(d.spec.selector));
    return cells;
  },
};

/** `kubectl get deployments`. */
export function getDeployments(deployments: readonly Deployment[], opts: GetOptions): GetResult {
  return kubectlGet(DEPLOYMENT_TABLE, deployments, opts);
}
