/**
 * The scheduling cycle's per-node loops over the scheduler cache (BoundPodCache): Filter and the Score
 * totals read each node's NodeInfo from the list the cache keeps aligned with the node list, as
 * kube-scheduler reads its Snapshot's nodeInfoList, instead of looking each node's pods up by name and
 * summing them. What a plugin would say for this pod on any plain node is decided once per cycle (as
 * the plugins' PreFilter/PreScore return Skip in kube-scheduler): a pod with no node name, selector,
 * required node affinity, host ports, DoNotSchedule spread or required inter-pod terms, in a cluster
 * without required anti-affinity against it, fits every node without taints or cordon that has room.
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
  balancedAllocationFrom,
  leastAllocatedFrom,
  MAX_NODE_SCORE,
  podRequest,
} from './resources.js';
import { nodeAffinityScores, taintScores, weighted } from './score.js';
import {
  DEFAULT_HOSTNAME_SKEW,
  requiredPair,
  type SpreadFilterState,
  spreadScores,
} from './topology-spread.js';
import type { SchedNode, SchedPod } from './types.js';

/** The Filter scan's outcome over the cache: feasible nodes with their NodeInfos, rejections. */
export interface CacheFilterScan {
  readonly feasible: SchedNode[];
  readonly infos: NodeInfo[];
  readonly reasons: Map<string, FilterStatus>;
  readonly processed: number;
}

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
  const feasible: SchedNode[] = [];
  const feasibleInfos: NodeInfo[] = [];
  const reasons = new Map<string, FilterStatus>();
  const aligned = cache.alignedWith(nodes);
  const plainFits = onlyNodeFiltersMatter(pod, interPod, spread);
  // fitsRequest: a zero request never fails its resource.
  const wantCpu = actualCpu(pod);
  const wantMem = actualMem(pod);
  const total = nodes.length;
  let processed = 0;
  for (let i = 0; i < total && feasible.length < want; i++) {
    let k = start + i;
    if (k >= total) k -= total;
    const n = nodes[k] as SchedNode;
    let info = aligned[k] as NodeInfo;
    if (info.node !== n) info = cache.realign(aligned, k, n);
    processed++;
    const alloc = n.allocatable;
    if (
      plainFits &&
      !n.unschedulable &&
      n.taints.length === 0 &&
      info.pods.length + 1 <= alloc.pods &&
      !(wantCpu > 0 && wantCpu > alloc.cpuMilli - info.cpu) &&
      !(wantMem > 0 && wantMem > alloc.memoryBytes - info.mem)
    ) {
      feasible.push(n);
      feasibleInfos.push(info);
      continue;
    }
    const verdict = runFilters(pod, n, info.pods, interPod, spread);
    if (verdict === undefined) {
      feasible.push(n);
      feasibleInfos.push(info);
    } else reasons.set(n.name, verdict);
  }
  return { feasible, infos: feasibleInfos, reasons, processed };
}

/**
 * scoreTotals over the cache: NodeResourcesFit and BalancedAllocation from the NodeInfo sums; the
 * plugins with nothing to say (no taint on any feasible node, no preferred node affinity) as the
 * constants they normalise to; PodTopologySpread's system defaults counted into the NodeInfos.
 */
export function totalsWithCache(
  pod: SchedPod,
  feasible: readonly SchedNode[],
  infos: readonly NodeInfo[],
  cache: BoundPodCache,
  allNodes: readonly SchedNode[],
): number[] {
  const nf = feasible.length;
  let taint: number[] | undefined;
  for (const n of feasible) {
    if (n.taints.length > 0) {
      taint = taintScores(pod, feasible);
      break;
    }
  }
  const preferred = (pod.affinity?.nodeAffinity?.preferred?.length ?? 0) > 0;
  const affinity = preferred ? nodeAffinityScores(pod, feasible) : undefined;
  const spread =
    defaultSpreadScores(pod, feasible, infos, cache) ?? spreadScores(pod, feasible, allNodes, cache);
  // InterPodAffinity PreScore; with no pod term in play nothing is scored (every node 0).
  const topo = interPodTopologyScore(pod, allNodes, cache);
  const interPod = topo.size === 0 ? undefined : interPodScoresFrom(topo, feasible);
  const own = podRequest(pod);
  // Local copies: the TypeScript loader (tsx) reads an imported binding through a getter each time.
  const [least, balance, sum, max] = [leastAllocatedFrom, balancedAllocationFrom, weighted, MAX_NODE_SCORE];
  const out: number[] = new Array(nf);
  for (let j = 0; j < nf; j++) {
    const n = feasible[j] as SchedNode;
    const info = infos[j] as NodeInfo;
    out[j] = sum(
      // With no taint anywhere every raw score is 0, which the reversed normalisation makes 100.
      taint === undefined ? max : (taint[j] ?? 0),
      affinity === undefined ? 0 : (affinity[j] ?? 0),
      least(info, own, n),
      spread[j] ?? 0,
      interPod === undefined ? 0 : (interPod[j] ?? 0),
      balance(info, own, n),
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
  infos: readonly NodeInfo[],
  cache: BoundPodCache,
): number[] | undefined {
  if ((pod.topologySpreadConstraints?.length ?? 0) > 0) return undefined;
  const sel = pod.defaultSpreadSelector;
  if (sel === undefined || selectorIsEmpty(sel)) return undefined;
  const pair = requiredPair(sel);
  if (pair === undefined) return undefined;
  const nf = feasible.length;
  for (let j = 0; j < nf; j++) {
    const info = infos[j] as NodeInfo;
    // The same name twice in the node list with different objects: the record holds only one.
    if (info.node !== feasible[j] || info.hasZone) return undefined;
  }
  // countPodsMatchSelector per node, through the index: same namespace, not terminating.
  const stamp = cache.nextSpreadCycle();
  for (const [p, node] of cache.podsWithLabel(pair[0], pair[1])) {
    if (p.terminating === true || p.namespace !== pod.namespace || !selectorMatches(sel, p.labels)) continue;
    const info = cache.infoOf(node);
    if (info.spreadCycle !== stamp) {
      info.spreadCycle = stamp;
      info.spreadCount = 0;
    }
    info.spreadCount++;
  }
  // No node is ignored under the system defaults: the hostname weight is log(feasible + 2).
  const weight = Math.log(nf + 2);
  const [skew, top] = [DEFAULT_HOSTNAME_SKEW, MAX_NODE_SCORE];
  const raw = spreadRaw;
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (let j = 0; j < nf; j++) {
    const info = infos[j] as NodeInfo;
    let score = 0;
    if (info.hasHostname) {
      const cnt = info.spreadCycle === stamp ? info.spreadCount : 0;
      score += cnt * weight + (skew - 1);
    }
    const r = Math.round(score);
    raw[j] = r;
    if (r < min) min = r;
    if (r > max) max = r;
  }
  const out = spreadOut;
  out.length = nf;
  for (let j = 0; j < nf; j++) {
    out[j] = max === 0 ? top : Math.floor((top * (max + min - (raw[j] ?? 0))) / max);
  }
  return out;
}
