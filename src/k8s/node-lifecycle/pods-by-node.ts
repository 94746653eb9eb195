/**
 * The `spec.nodeName` index both controllers read on kube-controller-manager's shared pod informer
 * (controller.AddPodNodeNameIndexer: added once, whichever controller comes first), so a node's pods are
 * found without scanning every pod in the cluster.
 */

import type { Pod } from '../api/index.js';
import type { SharedInformer } from '../controllers/index.js';

const POD_NODE_NAME_INDEX = 'spec.nodeName';

/** Adds the index unless another controller has (AddPodNodeNameIndexer). */
export function addPodNodeNameIndexer(pods: SharedInformer<Pod>): void {
  if (pods.hasIndex(POD_NODE_NAME_INDEX)) return;
  pods.addIndexers({
    [POD_NODE_NAME_INDEX]: (p) => {
      const node = p.spec.nodeName ?? '';
      return node === '' ? [] : [node];
    },
  });
}

/** The node's pods as the informer has them, sorted by namespace/name. */
export function podsOnNode(pods: SharedInformer<Pod>, node: string): readonly Pod[] {
  return pods.byIndex(POD_NODE_NAME_INDEX, node);
}
