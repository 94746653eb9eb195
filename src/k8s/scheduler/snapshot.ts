/**
 * The scheduler cache's Snapshot (pkg/scheduler/backend/cache Snapshot.nodeInfoList): the NodeInfos of
 * the scheduler's node list index by index ("slots"), with the facts the hot Filter and Score loops read
 * of every node copied into typed arrays. A cycle over hundreds of nodes then reads contiguous memory
 * instead of the node object, its allocatable, its taints and the NodeInfo of each node. A slot is
 * refreshed when its NodeInfo's pods change (as UpdateSnapshot copies the NodeInfos whose Generation
 * moved) and when the list holds a new node object at its index (Node objects are values, replaced when
 * the Node changes; the Filter scan compares `nodes[k]` with the list's entry and calls `realign`).
 *
 * The copies are the very numbers the plugins read (Float64Array holds any double exactly), so the
 * arithmetic on them gives the same bits as on the objects.
 */
import type { NodeInfo } from './node-info.js';
import type { Requested } from './resources.js';
import { LABEL_HOSTNAME, LABEL_ZONE } from './topology-spread.js';
import type { SchedNode } from './types.js';

/** Slot flags: !spec.unschedulable, no taints, room for one more pod, hostname label, zone label. */
export const SCHEDULABLE = 1;
export const UNTAINTED = 2;
export const ROOM = 4;
export const HOSTNAME = 8;
export const ZONE = 16;
/** NodeUnschedulable, TaintToleration and the pod count of NodeResourcesFit pass for any pod here. */
export const PLAIN_FIT = SCHEDULABLE | UNTAINTED | ROOM;

export class Snapshot {
  /** The node list the slots were built for. */
  private list: readonly SchedNode[] | undefined;
  infos: NodeInfo[] = [];
  /** The node object each slot's facts were read from. */
  nodes: SchedNode[] = [];
  flags = new Uint8Array(0);
  allocCpu = new Float64Array(0);
  allocMem = new Float64Array(0);
  /** NodeInfo.Requested and NonZeroRequested. */
  cpu = new Float64Array(0);
  mem = new Float64Array(0);
  nzCpu = new Float64Array(0);
  nzMem = new Float64Array(0);
  /** PodTopologySpread scratch: the matching pods on the slot's node, valid while the stamp is current. */
  spreadStamp = new Uint32Array(0);
  spreadCount = new Float64Array(0);
  private spreadCycle = 0;
  /**
   * LeastAllocated and BalancedAllocation of each slot for the incoming pod's requests `scoredFor`,
   * valid while `scoredAt` is the current epoch: both depend only on the slot's sums and allocatable
   * and on those requests, and most pods of a workload request the same, so a slot is scored again
   * only after its pods change.
   */
  leastScore = new Float64Array(0);
  balancedScore = new Float64Array(0);
  scoredAt = new Uint32Array(0);
  private scoreEpoch = 0;
  private scoredFor: Requested | undefined;
  /**
   * A NodeInfo sits at more than one slot (one name twice in the list, with different objects): a slot
   * index per NodeInfo no longer finds them all, so any pod change refreshes every slot (`stale`).
   */
  irregular = false;
  private stale = false;

  /** The epoch of the score memo for a pod requesting `own` (a new one when the requests differ). */
  scoreEpochFor(own: Requested): number {
    const last = this.scoredFor;
    if (
      last !== undefined &&
      Object.is(last.cpu, own.cpu) &&
      Object.is(last.mem, own.mem) &&
      Object.is(last.nonZeroCpu, own.nonZeroCpu) &&
      Object.is(last.nonZeroMem, own.nonZeroMem)
    ) {
      return this.scoreEpoch;
    }
    this.scoredFor = own;
    this.scoreEpoch = (this.scoreEpoch + 1) >>> 0;
    if (this.scoreEpoch === 0) {
      this.scoredAt.fill(0);
      this.scoreEpoch = 1;
    }
    return this.scoreEpoch;
  }

  /** The slots for `list` (UpdateSnapshot), rebuilt when the list changes. */
  align(list: readonly SchedNode[], infoOf: (name: string) => NodeInfo): void {
    if (this.list === list && this.infos.length === list.length) {
      if (this.stale) this.refreshAll();
      return;
    }
    const n = list.length;
    if (this.flags.length < n) this.grow(n + (n >> 2));
    this.list = list;
    this.infos = new Array(n);
    this.nodes = new Array(n);
    this.irregular = false;
    this.stale = false;
    for (let k = 0; k < n; k++) this.place(k, list[k] as SchedNode, infoOf((list[k] as SchedNode).name));
  }

  /** Slot `k` for the node object now at that index of the list. */
  realign(k: number, node: SchedNode, info: NodeInfo): void {
    this.place(k, node, info);
  }

  /** The pods of `info` changed (NodeInfo.AddPod / RemovePod): its slot follows. */
  podsChanged(info: NodeInfo): void {
    if (this.irregular) this.stale = true;
    else if (this.infos[info.slot] === info) this.readPods(info.slot, info);
  }

  /** A fresh stamp for a PodTopologySpread count over `spreadCount`. */
  nextSpreadCycle(): number {
    this.spreadCycle = (this.spreadCycle + 1) >>> 0;
    if (this.spreadCycle === 0) {
      this.spreadStamp.fill(0);
      this.spreadCycle = 1;
    }
    return this.spreadCycle;
  }

  private place(k: number, node: SchedNode, info: NodeInfo): void {
    // Slots below k of this build, or any slot of an earlier one still holding the record: a duplicate.
    if (info.slot !== k && this.infos[info.slot] === info) this.irregular = true;
    info.slot = k;
    this.infos[k] = info;
    this.nodes[k] = node;
    const a = node.allocatable;
    let f = 0;
    if (!node.unschedulable) f |= SCHEDULABLE;
    if (node.taints.length === 0) f |= UNTAINTED;
    if (node.labels.has(LABEL_HOSTNAME)) f |= HOSTNAME;
    if (node.labels.has(LABEL_ZONE)) f |= ZONE;
    this.flags[k] = f;
    this.allocCpu[k] = a.cpuMilli;
    this.allocMem[k] = a.memoryBytes;
    this.readPods(k, info);
  }

  /** The NodeInfo half of slot `k`: the sums, and fitsRequest's pod count (`pods + 1 <= allocatable`). */
  private readPods(k: number, info: NodeInfo): void {
    const node = this.nodes[k] as SchedNode;
    const room = info.pods.length + 1 <= node.allocatable.pods;
    this.flags[k] = room ? (this.flags[k] as number) | ROOM : (this.flags[k] as number) & ~ROOM;
    this.cpu[k] = info.cpu;
    this.mem[k] = info.mem;
    this.nzCpu[k] = info.nonZeroCpu;
    this.nzMem[k] = info.nonZeroMem;
    this.scoredAt[k] = 0;
  }

  private refreshAll(): void {
    this.stale = false;
    for (let k = 0; k < this.infos.length; k++) this.readPods(k, this.infos[k] as NodeInfo);
  }

  private grow(size: number): void {
    this.flags = new Uint8Array(size);
    this.allocCpu = new Float64Array(size);
    this.allocMem = new Float64Array(size);
    this.cpu = new Float64Array(size);
    this.mem = new Float64Array(size);
    this.nzCpu = new Float64Array(size);
    this.nzMem = new Float64Array(size);
    this.spreadStamp = new Uint32Array(size);
    this.spreadCount = new Float64Array(size);
    this.spreadCycle = 0;
    this.leastScore = new Float64Array(size);
    this.balancedScore = new Float64Array(size);
    this.scoredAt = new Uint32Array(size);
  }
}
