/**
 * The `spec.nodeName` index both controllers keep on their pod informer (the nodeNameKeyIndex of
 * nodelifecycle and tainteviction): a node's pods without scanning every pod in the cluster.
 */

import type { Pod } from '../api/index.js';
import { podKey } from './conditions.js';

export class PodsByNode {
  private readonly byNode = new Map<string, Map<string, Pod>>();

  /** Records the pod's latest version (an informer add or update). */
  set(pod: Pod, old?: Pod): void {
    if (old !== undefined) this.remove(old);
    const node = pod.spec.nodeName ?? '';
    if (node === '') return;
    let pods = this.byNode.get(node);
    if (pods === undefined) {
      pods = new Map();
      this.byNode.set(node, pods);
    }
    pods.set(podKey(pod), pod);
  }

  remove(pod: Pod): void {
    const node = pod.spec.nodeName ?? '';
    const pods = this.byNode.get(node);
    if (pods === undefined) return;
    pods.delete(podKey(pod));
    if (pods.size === 0) this.byNode.delete(node);
  }

  /** The node's pods, sorted by namespace/name. */
  on(node: string): Pod[] {
    const pods = this.byNode.get(node);
    if (pods === undefined) return [];
    return [...pods.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  }
}
