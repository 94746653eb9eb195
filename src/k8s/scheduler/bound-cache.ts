/**
 * The scheduler cache's bound pods (internal/cache: NodeInfo.Pods per node), with the pods also filed
 * by label, so PodTopologySpread counts the pods its selector matches from those pods alone instead of
 * reading every pod of every node in each cycle. Each node also has a NodeInfo with its running request
 * sums, and the cache keeps the NodeInfos in the order of the scheduler's node list (its Snapshot,
 * snapshot.ts), so a cycle reads a node's state by index, with no lookup by name.
 *
 * As a Map it stays what plain BoundPods are (node name → that node's pods); `set` and `delete` keep the
 * NodeInfos (and the Snapshot's slots) in step, the label and affinity indexes follow `add` and `remove`
 * only.
 */

import { hasPodAffinity } from './inter-pod-affinity.js';
import { NodeInfo } from './node-info.js';
import { Snapshot } from './snapshot.js';
import type { SchedNode, SchedPod } from './types.js';

const NO_PODS: readonly SchedPod[] = Object.freeze([]);

export class BoundPodCache extends Map<string, readonly SchedPod[]> {
  /** `key\0value` → pod → node. */
  private readonly byLabel = new Map<string, Map<SchedPod, string>>();
  /** Pods with pod (anti-)affinity terms per node (NodeInfo.PodsWithAffinity, counted). */
  private readonly affinityPods = new Map<string, number>();
  /** One record per node name ever seen; never replaced, so aligned lists stay valid. */
  private readonly infos = new Map<string, NodeInfo>();
  /** The NodeInfos of the last node list a cycle ran over, with their hot facts in typed arrays. */
  private readonly snap = new Snapshot();

  override set(node: string, pods: readonly SchedPod[]): this {
    super.set(node, pods);
    const info = this.infoOf(node);
    info.setPods(pods);
    this.snap.podsChanged(info);
    return this;
  }

  override delete(node: string): boolean {
    const info = this.infos.get(node);
    if (info !== undefined) {
      info.setPods(NO_PODS);
      this.snap.podsChanged(info);
    }
    return super.delete(node);
  }

  override clear(): void {
    for (const info of this.infos.values()) {
      info.setPods(NO_PODS);
      this.snap.podsChanged(info);
    }
    super.clear();
  }

  /** Adds a pod to a node's list. */
  add(node: string, pod: SchedPod): void {
    // A new array each time: memos elsewhere are keyed by the pod list (see requested()).
    const pods = [...(this.get(node) ?? NO_PODS), pod];
    super.set(node, pods);
    const info = this.infoOf(node);
    info.appended(pods, pod);
    this.snap.podsChanged(info);
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
      (this.get(node) ?? NO_PODS).filter((p) => p !== pod),
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

  /** The record of a node (created empty for a node with no pods yet). */
  readonly infoOf = (node: string): NodeInfo => {
    let info = this.infos.get(node);
    if (info === undefined) {
      info = new NodeInfo(node);
      this.infos.set(node, info);
    }
    return info;
  };

  /**
   * The Snapshot of `nodes` (UpdateSnapshot: NodeInfos index by index, rebuilt when the list changes). A
   * slot may lag a node object replaced in place in the list; callers compare `snapshot.nodes[k]` with
   * the list's entry and `realign`.
   */
  snapshotOf(nodes: readonly SchedNode[]): Snapshot {
    this.snap.align(nodes, this.infoOf);
    return this.snap;
  }

  /** Slot `k` of the Snapshot for the node now at that index. */
  realign(k: number, node: SchedNode): void {
    this.snap.realign(k, node, this.infoOf(node.name));
  }
}

const EMPTY: ReadonlyMap<SchedPod, string> = new Map();
