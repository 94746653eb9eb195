/**
 * The scheduling cycle's per-node loops over the scheduler cache (BoundPodCache): Filter and the Score
 * totals read each node's facts from the cache's Snapshot (the NodeInfos aligned with the node list,
 * their hot numbers in typed arrays, as kube-scheduler reads its Snapshot's nodeInfoList) instead of
 * looking each node's pods up by name and summing them. What a plugin would say for this pod on any
 * plain node is decided once per cycle (as the plugins' PreFilter/PreScore return Skip in
 * kube-scheduler): a pod with no node name, selector, required node affinity, host ports, DoNotSchedule
 * spread or required inter-pod terms, in a cluster without required anti-affinity against it, fits every
 * node without taints or cordon that has room.
 * Every node that shortcut does not vouch for goes through runFilters, and every score the shortcuts do
 * not cover goes through the general plugin code, so verdicts, reasons and totals are the same.
 */
import type { BoundPodCache } from './bound-cache.js';
import { type FilterStatus, runFilters } from './filter.js';
import { type InterPodState, selectorIsEmpty, selectorMatches } from './inter-pod-affinity.js';
import { interPodScoresFrom, interPodTopologyScore } from './inter-pod-score.js';
import type { NodeInfo } from './node-info.js';
import {
  actualCpu,
  actualMem,
  balancedAllocationOf,
  leastAllocatedOf,
  MAX_NODE_SCORE,
  podRequest,
} from './resources.js';
import { nodeAffinityScores, taintScores, weighted } from './score.js';
import { HOSTNAME, PLAIN_FIT, type Snapshot, UNTAINTED, ZONE } from './snapshot.js';
import {
  DEFAULT_HOSTNAME_SKEW,
  requiredPair,
  type SpreadFilterState,
  spreadScores,
} from './topology-spread.js';
import type { SchedNode, SchedPod } from './types.js';

/**
 * The Filter scan's outcome over the cache: feasible nodes with their Snapshot slots, rejections.
 * `feasible` and `slots` are scratch reused by the next scan: the caller (schedule) reads them before
 * the cycle ends, and the simulation runs one scheduling cycle at a time. `slots` is valid up to
 * `feasible.length`.
 */
export interface CacheFilterScan {
  readonly feasible: readonly SchedNode[];
  readonly slots: Int32Array;
  readonly reasons: ReadonlyMap<string, FilterStatus>;
  readonly processed: number;
}

// filterWithCache's scratch (see CacheFilterScan), kept from cycle to cycle: a cycle at 5,000 nodes finds
// ~500 feasible nodes, and arrays grown by push in every cycle were a sixth of all allocation.
const feasibleScratch: SchedNode[] = [];
let slotScratch = new Int32Array(64);
const NO_REASONS: ReadonlyMap<string, FilterStatus> = new Map();

/**
 * Whether only NodeUnschedulable, TaintToleration and NodeResourcesFit can reject this pod anywhere:
 * NodeName, NodeAffinity, NodePorts, PodTopologySpread and InterPodAffinity pass on every node.
 */
function onlyNodeFiltersMatter(pod: SchedPod, interPod: InterPodState, spread: unknown): boolean {
  const a = pod.affinity;
  return (
    (pod.nodeName ?? '') === '' &&
    pod.nodeSelector.size === 0 &&
    a?.nodeAffinity?.required === undefined &&
    pod.hostPorts.length === 0 &&
    spread === undefined &&
    (a?.podAffinity?.required?.length ?? 0) === 0 &&
    (a?.podAntiAffinity?.required?.length ?? 0) === 0 &&
    interPod.existingAntiAffinity.size === 0
  );
}

/** findNodesThatPassFilters over the cache, from `start` round the list until `want` nodes fit. */
export function filterWithCache(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  cache: BoundPodCache,
  interPod: InterPodState,
  spread: SpreadFilterState | undefined,
  start: number,
  want: number,
): CacheFilterScan {
  const total = nodes.length;
  if (slotScratch.length < total) slotScratch = new Int32Array(total);
  const feasible = feasibleScratch;
  const slots = slotScratch;
  // A Map only for a cycle that rejects a node (most cycles at scale reject none).
  let reasons: Map<string, FilterStatus> | undefined;
  const snap = cache.snapshotOf(nodes);
  const { nodes: seen, flags, allocCpu, allocMem, cpu, mem } = snap;
  const plainFits = onlyNodeFiltersMatter(pod, interPod, spread);
  // fitsRequest: a zero request never fails its resource.
  const wantCpu = actualCpu(pod);
  const wantMem = actualMem(pod);
  let nf = 0;
  let processed = 0;
  for (let i = 0; i < total && nf < want; i++) {
    let k = start + i;
    if (k >= total) k -= total;
    const n = nodes[k] as SchedNode;
    if (seen[k] !== n) cache.realign(k, n);
    processed++;
    if (
      plainFits &&
      ((flags[k] as number) & PLAIN_FIT) === PLAIN_FIT &&
      !(wantCpu > 0 && wantCpu > (allocCpu[k] as number) - (cpu[k] as number)) &&
      !(wantMem > 0 && wantMem > (allocMem[k] as number) - (mem[k] as number))
    ) {
      feasible[nf] = n;
      slots[nf++] = k;
      continue;
    }
    const verdict = runFilters(pod, n, (snap.infos[k] as NodeInfo).pods, interPod, spread);
    if (verdict === undefined) {
      feasible[nf] = n;
      slots[nf++] = k;
    } else {
      reasons ??= new Map();
      reasons.set(n.name, verdict);
    }
  }
  // Drop the previous cycle's tail (and the references it holds).
  feasible.length = nf;
  return { feasible, slots, reasons: reasons ?? NO_REASONS, processed };
}

// totalsWithCache's output, reused: schedule picks the host from it before the next cycle starts.
const totalsScratch: number[] = [];

/**
 * scoreTotals over the cache: NodeResourcesFit and BalancedAllocation from the Snapshot's sums; the
 * plugins with nothing to say (no taint on any feasible node, no preferred node affinity) as the
 * constants they normalise to; PodTopologySpread's system defaults counted into the Snapshot's slots.
 */
export function totalsWithCache(
  pod: SchedPod,
  feasible: readonly SchedNode[],
  slots: Int32Array,
  cache: BoundPodCache,
  allNodes: readonly SchedNode[],
): number[] {
  const nf = feasible.length;
  const snap = cache.snapshotOf(allNodes);
  const { flags, allocCpu, allocMem, cpu, mem, nzCpu, nzMem, leastScore, balancedScore, scoredAt } = snap;
  // The flags every feasible node has and those some has tell which plugins have nothing to say.
  let every = 0xff;
  let some = 0;
  for (let j = 0; j < nf; j++) {
    const f = flags[slots[j] as number] as number;
    every &= f;
    some |= f;
  }
  const taint = (every & UNTAINTED) === 0 ? taintScores(pod, feasible) : undefined;
  const preferred = (pod.affinity?.nodeAffinity?.preferred?.length ?? 0) > 0;
  const affinity = preferred ? nodeAffinityScores(pod, feasible) : undefined;
  const spread =
    defaultSpreadScores(pod, feasible, slots, cache, snap, some) ??
    spreadScores(pod, feasible, allNodes, cache);
  // InterPodAffinity PreScore; with no pod term in play nothing is scored (every node 0).
  const topo = interPodTopologyScore(pod, allNodes, cache);
  const interPod = topo.size === 0 ? undefined : interPodScoresFrom(topo, feasible);
  const own = podRequest(pod);
  const epoch = snap.scoreEpochFor(own);
  // Local copies: the TypeScript loader (tsx) reads an imported binding through a getter each time.
  const [least, balance, sum, max] = [leastAllocatedOf, balancedAllocationOf, weighted, MAX_NODE_SCORE];
  const out = totalsScratch;
  out.length = nf;
  for (let j = 0; j < nf; j++) {
    const k = slots[j] as number;
    if (scoredAt[k] !== epoch) {
      // leastAllocatedFrom / balancedAllocationFrom, on the slot's copies of the same numbers.
      const capCpu = allocCpu[k] as number;
      const capMem = allocMem[k] as number;
      leastScore[k] = least(
        (nzCpu[k] as number) + own.nonZeroCpu,
        (nzMem[k] as number) + own.nonZeroMem,
        capCpu,
        capMem,
      );
      balancedScore[k] = balance((cpu[k] as number) + own.cpu, (mem[k] as number) + own.mem, capCpu, capMem);
      scoredAt[k] = epoch;
    }
    out[j] = sum(
      // With no taint anywhere every raw score is 0, which the reversed normalisation makes 100.
      taint === undefined ? max : (taint[j] ?? 0),
      affinity === undefined ? 0 : (affinity[j] ?? 0),
      leastScore[k] as number,
      spread[j] ?? 0,
      interPod === undefined ? 0 : (interPod[j] ?? 0),
      balancedScore[k] as number,
    );
  }
  return out;
}

// defaultSpreadScores' arrays, reused from cycle to cycle: its scores are read by totalsWithCache before
// the next cycle starts (the simulation runs one scheduling cycle at a time), and a cycle scores
// hundreds of nodes.
const spreadRaw: number[] = [];
const spreadOut: number[] = [];

/**
 * PodTopologySpread Score for the system default constraints where no feasible node has a zone label
 * (the zone constraint then scores nothing) and the selector requires one label value: the matching
 * pods are found through the cache's label index and counted into their NodeInfos (stamped per cycle),
 * and each feasible node reads its own count. Arithmetic as spreadScores does it, step for step.
 * Undefined when this does not apply (spreadScores then runs).
 */
function defaultSpreadScores(
  pod: SchedPod,
  feasible: readonly SchedNode[],
  slots: Int32Array,
  cache: BoundPodCache,
  snap: Snapshot,
  some: number,
): number[] | undefined {
  if ((pod.topologySpreadConstraints?.length ?? 0) > 0) return undefined;
  const sel = pod.defaultSpreadSelector;
  if (sel === undefined || selectorIsEmpty(sel)) return undefined;
  const pair = requiredPair(sel);
  // A name twice in the node list: the pods of that name would count on only one of its slots. `some`:
  // the flags of some feasible node.
  if (pair === undefined || snap.irregular || (some & ZONE) !== 0) return undefined;
  const { flags, infos, spreadStamp, spreadCount } = snap;
  const nf = feasible.length;
  // countPodsMatchSelector per node, through the index: same namespace, not terminating. (forEach: a
  // for-of over the entries makes an entry array per pod.)
  const stamp = snap.nextSpreadCycle();
  const ns = pod.namespace;
  cache.podsWithLabel(pair[0], pair[1]).forEach((node, p) => {
    if (p.terminating === true || p.namespace !== ns || !selectorMatches(sel, p.labels)) return;
    const info = cache.infoOf(node);
    const k = info.slot;
    // A node outside the list (deleted, or not listed yet) is never feasible.
    if (infos[k] !== info) return;
    if (spreadStamp[k] !== stamp) {
      spreadStamp[k] = stamp;
      spreadCount[k] = 0;
    }
    spreadCount[k] = (spreadCount[k] as number) + 1;
  });
  // No node is ignored under the system defaults: the hostname weight is log(feasible + 2). A node with
  // no matching pod scores what every such node does: `none`, computed once (cnt = 0), as is its share.
  const weight = Math.log(nf + 2);
  const [skew, top] = [DEFAULT_HOSTNAME_SKEW, MAX_NODE_SCORE];
  const none = Math.round(0 * weight + (skew - 1));
  const raw = spreadRaw;
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (let j = 0; j < nf; j++) {
    const k = slots[j] as number;
    let r = 0;
    if (((flags[k] as number) & HOSTNAME) !== 0) {
      r = spreadStamp[k] === stamp ? Math.round((spreadCount[k] as number) * weight + (skew - 1)) : none;
    }
    raw[j] = r;
    if (r < min) min = r;
    if (r > max) max = r;
  }
  const out = spreadOut;
  out.length = nf;
  if (max === 0) {
    out.fill(top);
    return out;
  }
  const noneShare = Math.floor((top * (max + min - none)) / max);
  for (let j = 0; j < nf; j++) {
    const r = raw[j] as number;
    out[j] = r === none ? noneShare : Math.floor((top * (max + min - r)) / max);
  }
  return out;
}
