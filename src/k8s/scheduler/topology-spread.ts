/**
 * PodTopologySpread (pkg/scheduler/framework/plugins/podtopologyspread): the Filter for
 * `whenUnsatisfiable: DoNotSchedule` constraints (filtering.go) and the Score for `ScheduleAnyway`
 * constraints or, for a pod without constraints that a Service/ReplicaSet/StatefulSet selects, the
 * system default constraints (scoring.go, plugin.go systemDefaultConstraints).
 */
import { nodeNamed, selectorIsEmpty, selectorMatches } from './inter-pod-affinity.js';
import { nodeAffinityFits } from './node-affinity.js';
import { MAX_NODE_SCORE } from './resources.js';
import { firstUntoleratedTaint } from './taints.js';
import type { BoundPods, SchedLabelSelector, SchedNode, SchedPod, SpreadConstraint } from './types.js';

export const ERR_REASON_SPREAD = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_SPREAD_LABEL = `${ERR_REASON_SPREAD} (missing required label)`;

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

/** topologySpreadConstraint: the API constraint with its selector parsed and its defaults applied. */
interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: SchedLabelSelector;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorTaints: boolean;
  /** Memo key of (selector, namespace) for the per-node counts. */
  readonly memoKey: string;
}

const NOTHING: SchedLabelSelector = { nothing: true };
const MAX_INT32 = 2 ** 31 - 1;

function selectorKey(sel: SchedLabelSelector, ns: string): string {
  if (sel.nothing === true) return `${ns}\u0000!`;
  const ml = [...(sel.matchLabels ?? [])].sort().map(([k, v]) => `${k}=${v}`);
  const me = (sel.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} ${e.values.join(',')}`);
  return `${ns}\u0000${ml.join('\u0001')}\u0000${me.join('\u0001')}`;
}

/** filterTopologySpreadConstraints: the constraints of one action, matchLabelKeys merged in. */
function constraintsOf(
  pod: SchedPod,
  list: readonly SpreadConstraint[],
  action: SpreadConstraint['whenUnsatisfiable'],
): Constraint[] {
  const out: Constraint[] = [];
  for (const c of list) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = c.labelSelector ?? NOTHING;
    const extra = (c.matchLabelKeys ?? []).flatMap((k) => {
      const v = pod.labels.get(k);
      return v === undefined ? [] : [{ key: k, operator: 'In' as const, values: [v] }];
    });
    // mergeLabelSetWithSelector: Nothing() has no requirements to merge into and stays Nothing().
    if (extra.length > 0 && selector.nothing !== true) {
      selector = { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
      memoKey: selectorKey(selector, pod.namespace),
    });
  }
  return out;
}

/** The maxSkew of systemDefaultConstraints per topology key. */
export const DEFAULT_HOSTNAME_SKEW = 3;
export const DEFAULT_ZONE_SKEW = 5;

/** plugin.go systemDefaultConstraints, with helper.DefaultSelector as their selector. */
function systemDefaults(pod: SchedPod): Constraint[] {
  const sel = pod.defaultSpreadSelector;
  if (sel === undefined || selectorIsEmpty(sel)) return [];
  const mk = (topologyKey: string, maxSkew: number): SpreadConstraint => ({
    maxSkew,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: sel,
  });
  return constraintsOf(
    pod,
    [mk(LABEL_HOSTNAME, DEFAULT_HOSTNAME_SKEW), mk(LABEL_ZONE, DEFAULT_ZONE_SKEW)],
    'ScheduleAnyway',
  );
}

function hasAllKeys(node: SchedNode, cs: readonly Constraint[]): boolean {
  for (const c of cs) if (!node.labels.has(c.topologyKey)) return false;
  return true;
}

/** matchNodeInclusionPolicies: nodeAffinityPolicy Honor and nodeTaintsPolicy Honor exclude nodes. */
function included(c: Constraint, pod: SchedPod, node: SchedNode): boolean {
  if (c.honorNodeAffinity && !nodeAffinityFits(pod, node)) return false;
  if (c.honorTaints && firstUntoleratedTaint(pod, node) !== undefined) return false;
  return true;
}

const countMemo = new WeakMap<readonly SchedPod[], Map<string, number>>();

/**
 * How many pods of a node a constraint's selector matches (countPodsMatchSelector per node); `nodes`,
 * when known, are the only nodes where that is not 0.
 */
interface NodeCounter {
  readonly count: (node: string) => number;
  readonly nodes?: Iterable<string>;
}

/**
 * The counter of one constraint for one cycle. Where the bound pods are indexed by label and the
 * selector requires one label value, the matching pods are found through the index and tallied per node
 * once; otherwise each node's pods are scanned (memoized per pod list).
 */
function counterFor(bound: BoundPods, c: Constraint, ns: string): NodeCounter {
  const pair = requiredPair(c.selector);
  if (bound.podsWithLabel === undefined || pair === undefined || selectorIsEmpty(c.selector)) {
    return { count: (node) => countMatching(bound.get(node) ?? [], c, ns) };
  }
  const perNode = new Map<string, number>();
  for (const [p, node] of bound.podsWithLabel(pair[0], pair[1])) {
    if (p.terminating !== true && p.namespace === ns && selectorMatches(c.selector, p.labels))
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  return { count: (node) => perNode.get(node) ?? 0, nodes: [...perNode.keys()] };
}

/** A `key=value` every pod the selector matches must carry, if it has one. */
export function requiredPair(sel: SchedLabelSelector): [string, string] | undefined {
  if (sel.nothing === true) return undefined;
  for (const kv of sel.matchLabels ?? []) return kv;
  for (const e of sel.matchExpressions ?? []) {
    const v = e.values[0];
    if (e.operator === 'In' && e.values.length === 1 && v !== undefined) return [e.key, v];
  }
  return undefined;
}

/** countPodsMatchSelector: same namespace, not terminating; an empty selector counts nothing. */
function countMatching(pods: readonly SchedPod[], c: Constraint, ns: string): number {
  if (selectorIsEmpty(c.selector) || pods.length === 0) return 0;
  let memo = countMemo.get(pods);
  const hit = memo?.get(c.memoKey);
  if (hit !== undefined) return hit;
  let n = 0;
  for (const p of pods) {
    if (p.terminating !== true && p.namespace === ns && selectorMatches(c.selector, p.labels)) n++;
  }
  if (memo === undefined) {
    memo = new Map();
    countMemo.set(pods, memo);
  }
  memo.set(c.memoKey, n);
  return n;
}

export interface SpreadFilterState {
  readonly constraints: readonly Constraint[];
  /** Matching pods per topology pair `key\0value` (TpPairToMatchNum). */
  readonly pairCounts: ReadonlyMap<string, number>;
  /** Global minimum per topology key (criticalPaths[0]), and the number of domains per key. */
  readonly minMatch: ReadonlyMap<string, number>;
  readonly domains: ReadonlyMap<string, number>;
}

const pairOf = (k: string, v: string) => `${k}\u0000${v}`;

/** calPreFilterState over every node; undefined when the pod has no DoNotSchedule constraint. */
export function spreadPreFilter(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
): SpreadFilterState | undefined {
  const list = pod.topologySpreadConstraints ?? [];
  // The system defaults are all ScheduleAnyway, so only the pod's own constraints can filter.
  const constraints = constraintsOf(pod, list, 'DoNotSchedule');
  if (constraints.length === 0) return undefined;
  const pairCounts = new Map<string, number>();
  const counters = constraints.map((c) => counterFor(bound, c, pod.namespace));
  for (const n of nodes) {
    if (!hasAllKeys(n, constraints)) continue;
    // Per node the pair's count is assigned, so of two constraints on one key the last one counts.
    const here = new Map<string, number>();
    constraints.forEach((c, i) => {
      if (!included(c, pod, n)) return;
      here.set(pairOf(c.topologyKey, n.labels.get(c.topologyKey) ?? ''), counters[i]?.count(n.name) ?? 0);
    });
    for (const [pair, count] of here) pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + count);
  }
  const minMatch = new Map<string, number>();
  const domains = new Map<string, number>();
  for (const c of constraints) minMatch.set(c.topologyKey, MAX_INT32);
  for (const [pair, num] of pairCounts) {
    const key = pair.slice(0, pair.indexOf('\u0000'));
    domains.set(key, (domains.get(key) ?? 0) + 1);
    if (num < (minMatch.get(key) ?? MAX_INT32)) minMatch.set(key, num);
  }
  return { constraints, pairCounts, minMatch, domains };
}

/** Filter: the reason and whether it is unresolvable, or undefined when every constraint holds. */
export function spreadFilter(
  pod: SchedPod,
  node: SchedNode,
  st: SpreadFilterState,
): { reason: string; unresolvable: boolean } | undefined {
  for (const c of st.constraints) {
    const value = node.labels.get(c.topologyKey);
    if (value === undefined) return { reason: ERR_REASON_SPREAD_LABEL, unresolvable: true };
    // minDomains: fewer eligible domains than asked makes the global minimum 0.
    const min =
      (st.domains.get(c.topologyKey) ?? 0) < c.minDomains ? 0 : (st.minMatch.get(c.topologyKey) ?? 0);
    const self = selectorMatches(c.selector, pod.labels) ? 1 : 0;
    const skew = (st.pairCounts.get(pairOf(c.topologyKey, value)) ?? 0) + self - min;
    if (skew > c.maxSkew) return { reason: ERR_REASON_SPREAD, unresolvable: false };
  }
  return undefined;
}

/**
 * PreScore + Score + NormalizeScore for the feasible nodes, in their order. All 0 when the plugin
 * skips (no soft constraint and no system default).
 */
export function spreadScores(
  pod: SchedPod,
  feasible: readonly SchedNode[],
  allNodes: readonly SchedNode[],
  bound: BoundPods,
): number[] {
  const own = pod.topologySpreadConstraints ?? [];
  const constraints = own.length > 0 ? constraintsOf(pod, own, 'ScheduleAnyway') : systemDefaults(pod);
  if (constraints.length === 0 || allNodes.length === 0) return feasible.map(() => 0);
  // Only the system defaults let nodes without a zone label still spread by hostname.
  const requireAll = own.length > 0;
  const nf = feasible.length;
  const ignored: boolean[] = new Array(nf).fill(false);
  let ignoredCount = 0;
  const counts = constraints.map(() => new Map<string, number>());
  const labelled: boolean[] = constraints.map(() => false);
  // Each feasible node's value of each constraint's key, read once here for the score below.
  const values = constraints.map((): (string | undefined)[] => new Array(nf));
  for (let j = 0; j < nf; j++) {
    const n = feasible[j] as SchedNode;
    if (requireAll && !hasAllKeys(n, constraints)) {
      ignored[j] = true;
      ignoredCount++;
      continue;
    }
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i] as Constraint;
      const v = n.labels.get(c.topologyKey);
      (values[i] as (string | undefined)[])[j] = v;
      if (v !== undefined) labelled[i] = true;
      if (c.topologyKey !== LABEL_HOSTNAME) counts[i]?.set(v ?? '', 0);
    }
  }
  // A node scores only the constraints whose key it carries: one no feasible node carries (the zone of
  // the system defaults in a cluster without zones) changes no score, so it is not counted.
  const scored = constraints.flatMap((_, i) => (labelled[i] === true ? [i] : []));
  const counters = constraints.map((c) => counterFor(bound, c, pod.namespace));
  const weights = constraints.map((c, i) =>
    Math.log((c.topologyKey === LABEL_HOSTNAME ? nf - ignoredCount : (counts[i]?.size ?? 0)) + 2),
  );
  for (const i of scored) {
    const c = constraints[i] as Constraint;
    const m = counts[i];
    const counter = counters[i];
    // Hostname counts are read per node below; a domain no feasible node is in is not counted.
    if (m === undefined || m.size === 0 || counter === undefined) continue;
    const add = (n: SchedNode) => {
      if (requireAll && !hasAllKeys(n, constraints)) return;
      if (!included(c, pod, n)) return;
      const v = n.labels.get(c.topologyKey) ?? '';
      const cur = m.get(v);
      if (cur !== undefined) m.set(v, cur + counter.count(n.name));
    };
    // Nodes with no matching pod add 0: where the counter knows its nodes, only those are visited.
    if (counter.nodes === undefined) for (const n of allNodes) add(n);
    else {
      for (const name of counter.nodes) {
        const n = nodeNamed(allNodes, name);
        if (n !== undefined) add(n);
      }
    }
  }
  // Score per node, then NormalizeScore over the nodes not ignored.
  const raw: number[] = new Array(nf);
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (let j = 0; j < nf; j++) {
    if (ignored[j]) {
      raw[j] = 0;
      continue;
    }
    const n = feasible[j] as SchedNode;
    let score = 0;
    for (let k = 0; k < scored.length; k++) {
      const i = scored[k] as number;
      const c = constraints[i] as Constraint;
      const v = values[i]?.[j];
      if (v === undefined) continue;
      const cnt =
        c.topologyKey === LABEL_HOSTNAME ? (counters[i]?.count(n.name) ?? 0) : (counts[i]?.get(v) ?? 0);
      score += cnt * (weights[i] ?? 0) + (c.maxSkew - 1);
    }
    const r = Math.round(score);
    raw[j] = r;
    if (r < min) min = r;
    if (r > max) max = r;
  }
  const out: number[] = new Array(nf);
  for (let j = 0; j < nf; j++) {
    if (ignored[j]) out[j] = 0;
    else if (max === 0) out[j] = MAX_NODE_SCORE;
    else out[j] = Math.floor((MAX_NODE_SCORE * (max + min - (raw[j] ?? 0))) / max);
  }
  return out;
}
