/**
 * `kubectl get nodes`: printers.go printNode. STATUS is `Ready` / `NotReady` from the Ready
 * condition (`Unknown` without one), `,SchedulingDisabled` when cordoned; ROLES from
 * `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role` label (sorted, unique);
 * VERSION is the kubelet's; -o wide adds the first InternalIP / ExternalIP and the node's software.
 */

import type { Node } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE = 'kubernetes.io/role';

/** findNodeRoles. */
function roles(node: Node): string {
  const found = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role !== '') found.add(role);
    } else if (k === LEGACY_ROLE && v !== '') {
      found.add(v);
    }
  }
  const sorted = [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.length === 0 ? '<none>' : sorted.join(',');
}

function status(node: Node): string {
  // The last condition of a type wins, as in printNode's conditionMap.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  const parts = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function address(node: Node, type: 'InternalIP' | 'ExternalIP'): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

const orUnknown = (s: string | undefined): string => (s === undefined || s === '' ? '<unknown>' : s);

export const NODE_TABLE: ResourceTable<Node> = {
  nameKind: 'node',
  namespaced: false,
  columns: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
  wideColumns: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  cells(node, wide, nowNs) {
    const info = node.status?.nodeInfo ?? {};
    const cells = [
      node.metadata.name,
      status(node),
      roles(node),
      age(node.metadata.creationTimestamp, nowNs),
      info['kubeletVersion'] ?? '',
    ];
    if (wide)
      cells.push(
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        orUnknown(info['osImage']),
        orUnknown(info['kernelVersion']),
        orUnknown(info['containerRuntimeVersion']),
      );
    return cells;
  },
};

/** `kubectl get nodes` (cluster-scoped: no NAMESPACE column, `-n` ignored). */
export function getNodes(nodes: readonly Node[], opts: GetOptions): GetResult {
  return kubectlGet(NODE_TABLE, nodes, opts);
}
