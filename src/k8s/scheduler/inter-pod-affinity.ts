/**
 * InterPodAffinity Filter (pkg/scheduler/framework/plugins/interpodaffinity/filtering.go): PreFilter
 * counts, per topology pair (key=value of a node label), the existing pods matching the incoming pod's
 * required affinity and anti-affinity terms, and the existing pods whose own required anti-affinity
 * terms match the incoming pod; Filter then checks one node against those counts.
 */
import type { BoundPods, PodAffinityTerm, SchedLabelSelector, SchedNode, SchedPod } from './types.js';

export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

export function selectorMatches(sel: SchedLabelSelector, labels: ReadonlyMap<string, string>): boolean {
  if (sel.nothing === true) return false;
  for (const [k, v] of sel.matchLabels ?? []) if (labels.get(k) !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const v = labels.get(e.key);
    const ok =
      e.operator === 'In'
        ? v !== undefined && e.values.includes(v)
        : e.operator === 'NotIn'
          ? v === undefined || !e.values.includes(v)
          : e.operator === 'Exists'
            ? v !== undefined
            : v === undefined;
    if (!ok) return false;
  }
  return true;
}

/** labels.Selector.Empty(): no requirement at all (labels.Everything()); Nothing() is not empty. */
export function selectorIsEmpty(sel: SchedLabelSelector): boolean {
  return (
    sel.nothing !== true && (sel.matchLabels?.size ?? 0) === 0 && (sel.matchExpressions?.length ?? 0) === 0
  );
}

/** AffinityTerm.Matches: namespace (defaulted to the owner's) and selector. */
export function podMatchesTerm(term: PodAffinityTerm, owner: SchedPod, target: SchedPod): boolean {
  const ns =
    term.namespaces !== undefined && term.namespaces.length > 0 ? term.namespaces : [owner.namespace];
  return ns.includes(target.namespace) && selectorMatches(term.labelSelector, target.labels);
}

export interface InterPodState {
  readonly affinity: ReadonlyMap<string, number>;
  readonly antiAffinity: ReadonlyMap<string, number>;
  readonly existingAntiAffinity: ReadonlyMap<string, number>;
}

const pair = (k: string, v: string) => `${k}\u0000${v}`;

// NodeInfo.PodsWithAffinity / PodsWithRequiredAntiAffinity, memoised per bound-pod array (the scheduler
// controller replaces a node's array when its pods change).
const withAffinityMemo = new WeakMap<readonly SchedPod[], readonly SchedPod[]>();
const withRequiredAntiMemo = new WeakMap<readonly SchedPod[], readonly SchedPod[]>();

function memoFilter(
  memo: WeakMap<readonly SchedPod[], readonly SchedPod[]>,
  pods: readonly SchedPod[],
  keep: (p: SchedPod) => boolean,
): readonly SchedPod[] {
  let hit = memo.get(pods);
  if (hit === undefined) {
    hit = pods.filter(keep);
    memo.set(pods, hit);
  }
  return hit;
}

/** A pod with any pod affinity or anti-affinity terms. */
export function hasPodAffinity(p: SchedPod): boolean {
  return p.affinity?.podAffinity !== undefined || p.affinity?.podAntiAffinity !== undefined;
}

/** The pods with any pod affinity or anti-affinity (NodeInfo.PodsWithAffinity). */
export function podsWithAffinity(pods: readonly SchedPod[]): readonly SchedPod[] {
  return memoFilter(withAffinityMemo, pods, hasPodAffinity);
}

/** The pods with required anti-affinity terms (NodeInfo.PodsWithRequiredAntiAffinity). */
export function podsWithRequiredAntiAffinity(pods: readonly SchedPod[]): readonly SchedPod[] {
  return memoFilter(
    withRequiredAntiMemo,
    pods,
    (p) => (p.affinity?.podAntiAffinity?.required?.length ?? 0) > 0,
  );
}

/** A node list's index by name, and the length it was built at. */
interface NameIndex {
  readonly length: number;
  readonly at: Map<string, number>;
}

const indexByName = new WeakMap<readonly SchedNode[], NameIndex>();

function indexNames(nodes: readonly SchedNode[]): NameIndex {
  const at = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) at.set((nodes[i] as SchedNode).name, i);
  const index = { length: nodes.length, at };
  indexByName.set(nodes, index);
  return index;
}

/**
 * The node of a list with this name, through an index of positions built once per list (the controller
 * keeps a list until nodes change). The node is read from the list at its position, never remembered:
 * a Node update may put a new object at the same index (the cache's NodeInfos realign to it the same
 * way), and a stale object would carry the old labels into the topology counts. A list that grew, or a
 * name no longer at its position, is indexed again.
 */
export function nodeNamed(nodes: readonly SchedNode[], name: string): SchedNode | undefined {
  let index = indexByName.get(nodes);
  if (index === undefined || index.length !== nodes.length) index = indexNames(nodes);
  let i = index.at.get(name);
  if (i === undefined) return undefined;
  let n = nodes[i] as SchedNode;
  if (n.name !== name) {
    i = indexNames(nodes).at.get(name);
    if (i === undefined) return undefined;
    n = nodes[i] as SchedNode;
  }
  return n;
}

/**
 * The nodes of `nodes` that hold a pod with affinity terms — all of them, unless the cache knows which
 * (BoundPods.nodesWithAffinityPods) — for the passes where only such pods count.
 */
export function nodesWithAffinity(nodes: readonly SchedNode[], bound: BoundPods): Iterable<SchedNode> {
  if (bound.nodesWithAffinityPods === undefined) return nodes;
  const out: SchedNode[] = [];
  for (const name of bound.nodesWithAffinityPods()) {
    const n = nodeNamed(nodes, name);
    if (n !== undefined) out.push(n);
  }
  return out;
}

function bump(m: Map<string, number>, node: SchedNode, key: string): void {
  const v = node.labels.get(key);
  if (v !== undefined) m.set(pair(key, v), (m.get(pair(key, v)) ?? 0) + 1);
}

/** PreFilter: the three topology-pair count maps over every node and its bound pods. */
export function interPodPreFilter(
  pod: SchedPod,
  nodes: readonly SchedNode[],
  bound: BoundPods,
): InterPodState {
  const affinity = new Map<string, number>();
  const antiAffinity = new Map<string, number>();
  const existingAntiAffinity = new Map<string, number>();
  const aff = pod.affinity?.podAffinity?.required ?? [];
  const anti = pod.affinity?.podAntiAffinity?.required ?? [];
  const own = aff.length > 0 || anti.length > 0;
  for (const n of own ? nodes : nodesWithAffinity(nodes, bound)) {
    // Without terms of its own, only existing pods' required anti-affinity can reject the pod.
    const all = bound.get(n.name) ?? [];
    for (const e of own ? all : podsWithRequiredAntiAffinity(all)) {
      for (const t of e.affinity?.podAntiAffinity?.required ?? []) {
        if (podMatchesTerm(t, e, pod)) bump(existingAntiAffinity, n, t.topologyKey);
      }
      for (const t of aff) if (podMatchesTerm(t, pod, e)) bump(affinity, n, t.topologyKey);
      for (const t of anti) if (podMatchesTerm(t, pod, e)) bump(antiAffinity, n, t.topologyKey);
    }
  }
  return { affinity, antiAffinity, existingAntiAffinity };
}

/** No terms, shared: the Filter runs for hundreds of nodes per pod, most pods have no terms. */
const NO_TERMS: readonly PodAffinityTerm[] = Object.freeze([]);

function satisfiesAffinity(pod: SchedPod, node: SchedNode, st: InterPodState): boolean {
  const terms = pod.affinity?.podAffinity?.required ?? NO_TERMS;
  let podsExist = true;
  for (const t of terms) {
    const v = node.labels.get(t.topologyKey);
    if (v === undefined) return false; // every topology label must exist on the node
    if ((st.affinity.get(pair(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: allowed when no pod matches anywhere yet and the
  // pod matches all its own terms.
  return st.affinity.size === 0 && terms.every((t) => podMatchesTerm(t, pod, pod));
}

function satisfiesAntiAffinity(pod: SchedPod, node: SchedNode, st: InterPodState): boolean {
  for (const t of pod.affinity?.podAntiAffinity?.required ?? NO_TERMS) {
    const v = node.labels.get(t.topologyKey);
    if (v !== undefined && (st.antiAffinity.get(pair(t.topologyKey, v)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(node: SchedNode, st: InterPodState): boolean {
  if (st.existingAntiAffinity.size === 0) return true;
  for (const [k, v] of node.labels) if ((st.existingAntiAffinity.get(pair(k, v)) ?? 0) > 0) return false;
  return true;
}

/** Filter: the reason, and whether it is UnschedulableAndUnresolvable, or undefined when the node fits. */
export function interPodAffinityFilter(
  pod: SchedPod,
  node: SchedNode,
  st: InterPodState,
): { reason: string; unresolvable: boolean } | undefined {
  if (!satisfiesAffinity(pod, node, st)) return { reason: ERR_REASON_AFFINITY, unresolvable: true };
  if (!satisfiesAntiAffinity(pod, node, st)) return { reason: ERR_REASON_ANTI_AFFINITY, unresolvable: false };
  if (!satisfiesExistingAntiAffinity(node, st)) {
    return { reason: ERR_REASON_EXISTING_ANTI_AFFINITY, unresolvable: false };
  }
  return undefined;
}
