/**
 * The scheduler cache's bound pods (internal/cache: NodeInfo.Pods per node), with the pods also filed
 * by label, so PodTopologySpread counts the pods its selector matches from those pods alone instead of
 * reading every pod of every node in each cycle.
 */

import { hasPodAffinity } from './inter-pod-affinity.js';
import type { SchedPod } from './types.js';

export class BoundPodCache extends Map<string, readonly SchedPod[]> {
  /** `key\0value` → pod → node. */
  private readonly byLabel = new Map<string, Map<SchedPod, string>>();
  /** Pods with pod (anti-)affinity terms per node (NodeInfo.PodsWithAffinity, counted). */
  private readonly affinityPods = new Map<string, number>();

  /** Adds a pod to a node's list. */
  add(node: string, pod: SchedPod): void {
    this.set(node, [...(this.get(node) ?? []), pod]);
    if (hasPodAffinity(pod)) this.affinityPods.set(node, (this.affinityPods.get(node) ?? 0) + 1);
    for (const [k, v] of pod.labels) {
      const key = `${k}\u0000${v}`;
      let m = this.byLabel.get(key);
      if (m === undefined) {
        m = new Map();
        this.byLabel.set(key, m);
      }
      m.set(pod, node);
    }
  }

  /** Removes a pod from a node's list. */
  remove(node: string, pod: SchedPod): void {
    this.set(
      node,
      (this.get(node) ?? []).filter((p) => p !== pod),
    );
    if (hasPodAffinity(pod)) {
      const left = (this.affinityPods.get(node) ?? 0) - 1;
      if (left > 0) this.affinityPods.set(node, left);
      else this.affinityPods.delete(node);
    }
    for (const [k, v] of pod.labels) {
      const key = `${k}\u0000${v}`;
      const m = this.byLabel.get(key);
      m?.delete(pod);
      if (m?.size === 0) this.byLabel.delete(key);
    }
  }

  /** Every bound pod carrying `key=value`, with its node. */
  readonly podsWithLabel = (key: string, value: string): ReadonlyMap<SchedPod, string> =>
    this.byLabel.get(`${key}\u0000${value}`) ?? EMPTY;

  readonly nodesWithAffinityPods = (): Iterable<string> => this.affinityPods.keys();
}

const EMPTY: ReadonlyMap<SchedPod, string> = new Map();
