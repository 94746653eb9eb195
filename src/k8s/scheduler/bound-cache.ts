/**
 * The scheduler cache's bound pods (internal/cache: NodeInfo.Pods per node), with the pods also filed
 * by label, so PodTopologySpread counts the pods its selector matches from those pods alone instead of
 * reading every pod of every node in each cycle. Each node also has a NodeInfo with its running request
 * sums, and the cache keeps the NodeInfos in the order of the scheduler's node list (the Snapshot's
 * nodeInfoList), so a cycle reads a node's state by index, with no lookup by name.
 *
 * As a Map it stays what plain BoundPods are (node name → that node's pods); `set` and `delete` keep the
 * NodeInfos in step, the label and affinity indexes follow `add` and `remove` only.
 */

import { hasPodAffinity } from './inter-pod-affinity.js';
import { NodeInfo } from './node-info.js';
import type { SchedNode, SchedPod } from './types.js';

const NO_PODS: readonly SchedPod[] = Object.freeze([]);

export class BoundPodCache extends Map<string, readonly SchedPod[]> {
  /** `key\0value` → pod → node. */
  private readonly byLabel = new Map<string, Map<SchedPod, string>>();
  /** Pods with pod (anti-)affinity terms per node (NodeInfo.PodsWithAffinity, counted). */
  private readonly affinityPods = new Map<string, number>();
  /** One record per node name ever seen; never replaced, so aligned lists stay valid. */
  private readonly infos = new Map<string, NodeInfo>();
  /** The node list `aligned` was built for, and its NodeInfos index by index. */
  private alignedFor: readonly SchedNode[] | undefined;
  private aligned: NodeInfo[] = [];
  /** Stamp of the current PodTopologySpread count (NodeInfo.spreadCycle). */
  private spreadCycle = 0;

  override set(node: string, pods: readonly SchedPod[]): this {
    super.set(node, pods);
    this.infoOf(node).setPods(pods);
    return this;
  }

  override delete(node: string): boolean {
    this.infos.get(node)?.setPods(NO_PODS);
    return super.delete(node);
  }

  override clear(): void {
    for (const info of this.infos.values()) info.setPods(NO_PODS);
    super.clear();
  }

  /** Adds a pod to a node's list. */
  add(node: string, pod: SchedPod): void {
    // A new array each time: memos elsewhere are keyed by the pod list (see requested()).
    const pods = [...(this.get(node) ?? NO_PODS), pod];
    super.set(node, pods);
    this.infoOf(node).appended(pods, pod);
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
  infoOf(node: string): NodeInfo {
    let info = this.infos.get(node);
    if (info === undefined) {
      info = new NodeInfo(node);
      this.infos.set(node, info);
    }
    return info;
  }

  /**
   * The NodeInfos of `nodes`, index by index (UpdateSnapshot's nodeInfoList), rebuilt when the list
   * changes. An entry may lag a node object replaced in place; callers check `info.node` and `realign`.
   */
  alignedWith(nodes: readonly SchedNode[]): NodeInfo[] {
    if (this.alignedFor === nodes && this.aligned.length === nodes.length) return this.aligned;
    const out: NodeInfo[] = new Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as SchedNode;
      const info = this.infoOf(n.name);
      info.bind(n);
      out[i] = info;
    }
    this.alignedFor = nodes;
    this.aligned = out;
    return out;
  }

  /** Entry `k` of an aligned list for the node now at that index. */
  realign(aligned: NodeInfo[], k: number, node: SchedNode): NodeInfo {
    const info = this.infoOf(node.name);
    info.bind(node);
    aligned[k] = info;
    return info;
  }

  /** A fresh stamp for a PodTopologySpread count over NodeInfo.spreadCount. */
  nextSpreadCycle(): number {
    this.spreadCycle++;
    return this.spreadCycle;
  }
}

const EMPTY: ReadonlyMap<SchedPod, string> = new Map();
