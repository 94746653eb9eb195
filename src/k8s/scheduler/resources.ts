/**
 * NodeResourcesFit (Filter + LeastAllocated Score) and NodeResourcesBalancedAllocation, reduced to cpu,
 * memory and the pod count (pkg/scheduler/framework/plugins/noderesources).
 */
import type { SchedNode, SchedPod } from './types.js';

/** schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: used by scoring for unset requests. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
export const MAX_NODE_SCORE = 100;

interface Amount {
  cpu: number;
  mem: number;
}

function actual(p: SchedPod): Amount {
  return { cpu: p.requests.cpuMilli ?? 0, mem: p.requests.memoryBytes ?? 0 };
}

function nonZero(p: SchedPod): Amount {
  if (p.nonZeroRequests !== undefined) {
    return { cpu: p.nonZeroRequests.cpuMilli, mem: p.nonZeroRequests.memoryBytes };
  }
  return {
    cpu: p.requests.cpuMilli ?? DEFAULT_MILLI_CPU_REQUEST,
    mem: p.requests.memoryBytes ?? DEFAULT_MEMORY_REQUEST,
  };
}

// The sums per node are memoised by the identity of the bound-pod array: a cache that replaces a node's
// array when its pods change (as the scheduler controller does) pays for each node once per change,
// like NodeInfo.Requested in kube-scheduler's cache.
const actualSums = new WeakMap<readonly SchedPod[], Amount>();
const nonZeroSums = new WeakMap<readonly SchedPod[], Amount>();

function sum(pods: readonly SchedPod[], f: (p: SchedPod) => Amount): Amount {
  const memo = f === actual ? actualSums : nonZeroSums;
  const hit = memo.get(pods);
  if (hit !== undefined) return hit;
  const a = { cpu: 0, mem: 0 };
  for (const p of pods) {
    const x = f(p);
    a.cpu += x.cpu;
    a.mem += x.mem;
  }
  memo.set(pods, a);
  return a;
}

/**
 * fitsRequest: the reasons this node cannot take the pod, in kube-scheduler's order (pods, cpu, memory).
 * A zero request never fails its resource.
 */
export function insufficientResources(pod: SchedPod, node: SchedNode, bound: readonly SchedPod[]): string[] {
  const reasons: string[] = [];
  if (bound.length + 1 > node.allocatable.pods) reasons.push('Too many pods');
  const want = actual(pod);
  if (want.cpu === 0 && want.mem === 0) return reasons;
  const used = sum(bound, actual);
  if (want.cpu > 0 && want.cpu > node.allocatable.cpuMilli - used.cpu) reasons.push('Insufficient cpu');
  if (want.mem > 0 && want.mem > node.allocatable.memoryBytes - used.mem) reasons.push('Insufficient memory');
  return reasons;
}

/** leastRequestedScore for one resource (integer division, 0 when over-committed or capacity 0). */
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** LeastAllocated with cpu and memory at weight 1 each, over non-zero requests incl. the incoming pod. */
export function leastAllocatedScore(pod: SchedPod, node: SchedNode, bound: readonly SchedPod[]): number {
  const req = sum(bound, nonZero);
  const own = nonZero(pod);
  const cpu = leastRequested(req.cpu + own.cpu, node.allocatable.cpuMilli);
  const mem = leastRequested(req.mem + own.mem, node.allocatable.memoryBytes);
  return Math.floor((cpu + mem) / 2);
}

/**
 * BalancedAllocation: 100 × (1 − std) of the requested fractions (actual requests incl. the incoming pod,
 * each capped at 1; resources with capacity 0 skipped). For two resources std = |f1 − f2| / 2.
 */
export function balancedAllocationScore(pod: SchedPod, node: SchedNode, bound: readonly SchedPod[]): number {
  const req = sum(bound, actual);
  const own = actual(pod);
  const fractions: number[] = [];
  if (node.allocatable.cpuMilli > 0)
    fractions.push(Math.min(1, (req.cpu + own.cpu) / node.allocatable.cpuMilli));
  if (node.allocatable.memoryBytes > 0) {
    fractions.push(Math.min(1, (req.mem + own.mem) / node.allocatable.memoryBytes));
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0] ?? 0) - (fractions[1] ?? 0)) / 2;
  } else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}
