/**
 * The scheduler cache's record of one node (pkg/scheduler/framework NodeInfo): the node's bound pods
 * with their summed requests kept up to date as pods come and go (NodeInfo.Requested and
 * NonZeroRequested), so a scheduling cycle reads a node's load in O(1) instead of summing its pods, plus
 * the few facts of the node object the hot Filter/Score loop asks of every node.
 */
import { actualCpu, actualMem, nonZeroCpu, nonZeroMem, type Requested, sumRequested } from './resources.js';
import { LABEL_HOSTNAME, LABEL_ZONE } from './topology-spread.js';
import type { SchedNode, SchedPod } from './types.js';

const NO_PODS: readonly SchedPod[] = Object.freeze([]);

export class NodeInfo implements Requested {
  /** The node's pods, the same array BoundPodCache.get returns (replaced, never mutated). */
  pods: readonly SchedPod[] = NO_PODS;
  cpu = 0;
  mem = 0;
  nonZeroCpu = 0;
  nonZeroMem = 0;
  /**
   * The node object this record was last aligned with (an entry of the Snapshot's nodeInfoList), and
   * what its labels said then: node objects are values, replaced when the Node changes.
   */
  node: SchedNode | undefined;
  hasHostname = false;
  hasZone = false;
  /** PodTopologySpread scratch: the matching pods here, valid while `spreadCycle` is the cache's. */
  spreadCycle = 0;
  spreadCount = 0;

  constructor(readonly name: string) {}

  /** A new pod list: the sums start over, summed in list order as requested() sums them. */
  setPods(pods: readonly SchedPod[]): void {
    this.pods = pods;
    const sums = sumRequested(pods);
    this.cpu = sums.cpu;
    this.mem = sums.mem;
    this.nonZeroCpu = sums.nonZeroCpu;
    this.nonZeroMem = sums.nonZeroMem;
  }

  /**
   * `pods` is the old list with `pod` appended: adding it to the sums gives, bit for bit, what summing
   * the new list in order gives (NodeInfo.AddPod).
   */
  appended(pods: readonly SchedPod[], pod: SchedPod): void {
    this.pods = pods;
    this.cpu += actualCpu(pod);
    this.mem += actualMem(pod);
    this.nonZeroCpu += nonZeroCpu(pod);
    this.nonZeroMem += nonZeroMem(pod);
  }

  /** Aligns the record with the node object the cycle is looking at. */
  bind(node: SchedNode): void {
    this.node = node;
    this.hasHostname = node.labels.has(LABEL_HOSTNAME);
    this.hasZone = node.labels.has(LABEL_ZONE);
  }
}
