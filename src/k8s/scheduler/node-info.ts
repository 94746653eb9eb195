/**
 * The scheduler cache's record of one node (pkg/scheduler/framework NodeInfo): the node's bound pods
 * with their summed requests kept up to date as pods come and go (NodeInfo.Requested and
 * NonZeroRequested), so a scheduling cycle reads a node's load in O(1) instead of summing its pods. The
 * Snapshot copies the sums into its slot for the node (`slot`) whenever they change.
 */
import { actualCpu, actualMem, nonZeroCpu, nonZeroMem, type Requested, sumRequested } from './resources.js';
import type { SchedPod } from './types.js';

const NO_PODS: readonly SchedPod[] = Object.freeze([]);

export class NodeInfo implements Requested {
  /** The node's pods, the same array BoundPodCache.get returns (replaced, never mutated). */
  pods: readonly SchedPod[] = NO_PODS;
  cpu = 0;
  mem = 0;
  nonZeroCpu = 0;
  nonZeroMem = 0;
  /** This record's index in the Snapshot's node list (-1 before it is first aligned). */
  slot = -1;

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
}
